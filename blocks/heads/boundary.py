"""The boundary head: PIDNet's B-Head (`seghead_d`), an auxiliary head trained on edge labels.

PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet `segmenthead(.., 1)` and `utils/criterion.py`;
specs/pidnet.md §2.7, §3.7). The module is the pre-activation segmentation head (BN-ReLU-3x3-BN-ReLU-1x1,
`head.fcn(preact=True)`) with one output channel: a boundary logit. What sets it apart is its loss,
which is a path of its own (`aux_loss` below, read by arena/train/losses.py), not cross-entropy:
- l1: class-balanced binary cross-entropy with logits against edge labels made from the semantic
  labels, times the head's `aux=` weight (official 20);
- l3 ("BAS"): the main loss again on the main logits, with every pixel whose boundary probability is
  at most `bas_threshold` (official 0.8) ignored, weight `bas_weight` (official 1.0).
Differences from the official code: none in the module (random init is PyTorch's default).
"""
from __future__ import annotations

from blocks.heads.fcn import FCNHead
from blocks.registry import BlockError, FeatureSpec, Role, register


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
        self.aux_loss = {"kind": "boundary", "bas_threshold": float(bas_threshold), "bas_weight": float(bas_weight)}
