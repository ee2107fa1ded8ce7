"""The boundary head: PIDNet's B-Head (`seghead_d`), an auxiliary head trained on edge labels.

PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet `segmenthead(.., 1)` and `utils/criterion.py`;
specs/pidnet.md §2.7, §3.7). The module is the pre-activation segmentation head (BN-ReLU-3x3-BN-ReLU-1x1,
`head.fcn(preact=True)`) with one output channel: a boundary logit. What sets it apart is its loss,
which is a path of its own (`aux_loss` below, called by arena/train/losses.py), not cross-entropy:
- l1: class-balanced binary cross-entropy with logits against edge labels made from the semantic
  labels, times the head's `aux=` weight (official 20);
- l3 ("BAS"): the main loss again on the main logits, with every pixel whose boundary probability is
  at most `bas_threshold` (official 0.8) ignored, weight `bas_weight` (official 1.0).
Edge labels are made here from the semantic labels of the batch: a pixel whose right or lower
neighbour has another label (the ignore label counts as a label, as in the official Canny on the
train-id map), dilated by a 4x4 window. The official code runs Canny on the full image before the
crop and zeroes a 6-pixel frame of the image; arena derives edges after the crop, without the frame.
Differences from the official code: none in the module (random init is PyTorch's default).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from blocks.heads.fcn import FCNHead
from blocks.registry import BlockError, FeatureSpec, Role, register


IGNORE = 255  # the ignore label of every dataset arena reads (labels outside the classes)


@register(Role.HEAD, "boundary", paper="PIDNet (arXiv:2206.02066)")
class BoundaryHead(FCNHead):
    """BN-ReLU-3x3-BN-ReLU-1x1 to a boundary logit, trained with balanced BCE (+ the BAS loss)."""

    def __init__(self, x: FeatureSpec, *, classes: int = 1, mid: int = 32, bas_threshold: float = 0.8,
                 bas_weight: float = 1.0):
        if not 0.0 < bas_threshold < 1.0:
            raise BlockError(f"boundary bas_threshold must be a probability in (0, 1), got {bas_threshold}")
        if bas_weight < 0:
            raise BlockError(f"boundary bas_weight must be >= 0, got {bas_weight}")
        super().__init__(x, classes=classes, mid=mid, dropout=0.0, preact=True)
        self.bas_threshold, self.bas_weight = float(bas_threshold), float(bas_weight)

    def aux_loss(self, logits, labels, *, main, main_loss) -> dict:
        """{"aux": balanced BCE on edges (the node's weight), "bas": the main loss on boundary pixels}."""
        return {"aux": (balanced_bce(logits, boundary_labels(labels)), None),
                "bas": (bas_loss(main, labels, logits, self.bas_threshold, main_loss), self.bas_weight)}


def boundary_labels(labels: torch.Tensor, dilation: int = 4) -> torch.Tensor:
    """(B, H, W) labels -> (B, 1, H, W) float edge map: label changes, dilated by a dilation^2 window."""
    lab = labels.unsqueeze(1)
    edge = torch.zeros_like(lab, dtype=torch.bool)
    edge[:, :, :-1, :] |= lab[:, :, 1:, :] != lab[:, :, :-1, :]  # the lower neighbour differs
    edge[:, :, :, :-1] |= lab[:, :, :, 1:] != lab[:, :, :, :-1]  # the right neighbour differs
    before, after = dilation // 2, (dilation - 1) // 2  # OpenCV's anchor (k // 2) of an even kernel
    padded = F.pad(edge.float(), (before, after, before, after))
    return F.max_pool2d(padded, dilation, stride=1)


def balanced_bce(logits: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """BCE with logits over all pixels, positives weighted by the negative fraction and vice versa."""
    logits, edges = logits.float().flatten(), edges.flatten()
    positives = edges.sum()
    weight = torch.where(edges > 0, edges.numel() - positives, positives) / edges.numel()
    return F.binary_cross_entropy_with_logits(logits, edges, weight)


def bas_loss(logits: torch.Tensor, labels: torch.Tensor, boundary: torch.Tensor, threshold: float,
             main_loss, ignore_index: int = IGNORE) -> torch.Tensor:
    """`main_loss` on the pixels the boundary head calls boundary (probability > threshold)."""
    with torch.no_grad():
        on_edge = torch.sigmoid(boundary[:, 0].float()) > threshold
        masked = torch.where(on_edge, labels, torch.full_like(labels, ignore_index))
    if not (masked != ignore_index).any():
        return logits.sum() * 0.0
    return main_loss(logits, masked)
