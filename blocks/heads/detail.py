"""STDC-Seg's Detail Head and its Detail Guidance loss. Rethinking BiSeNet For Real-time Semantic
Segmentation, Fan et al., CVPR 2021, arXiv:2104.13188; official code MichaelFan01/STDC-Seg
(`conv_out_sp8 = BiSeNetOutput(256, 64, 1)`, `loss/detail_loss.py` `DetailAggregateLoss`;
specs/stdc.md §2.5, §3.4). Training only: it costs nothing at inference.

Layers: 3x3 conv-BN-ReLU to `mid`, 1x1 conv without bias to one "detail" logit.
Loss (`aux_loss`, called by the training loop with the logit already resized to the labels,
bilinear with the network's corner convention: align_corners=True for STDC, as the official loss):
targets are Laplacian edges of the label map (trainIds, ignore 255 included, zero padding) at
strides 1, 2, 4, each clamped at 0, nearest-resized to full size and binarised at 0.1, fused by a
1x1 conv with weights (0.6, 0.3, 0.1) and binarised again; loss = BCE-with-logits + Dice (per
image, smooth 1, averaged). Quirks kept as the official code: only the positive side of a label
edge is marked, edges against ignore regions count, the image border is marked for every class
but 0.

The fuse kernel: officially an `nn.Parameter` of the loss, in the optimizer with weight decay, whose
gradient is exactly zero (the thresholding overwrites every element in place), so weight decay alone
shrinks it and from about 48 % of the official schedule the target is the stride-1 edges only.
`fuse="official"` (default) reproduces that: the kernel is a parameter of this head, read only by
the loss through the same in-place thresholding (a zero gradient, not None), so the optimizer moves
it as the official one. `fuse="fixed"` holds it in a buffer (mmsegmentation's reading: constant
weights, the target stays the union of stride-1 and stride-2 edges).
Differences from the official code: none in the layers or the loss; the kernel lives in the head
instead of the loss module (3 more parameters in the training graph).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register

FUSES = ("official", "fixed")
IGNORE = 255


def laplacian_edges(labels: torch.Tensor, stride: int) -> torch.Tensor:
    """clamp0(Laplacian * labels) at `stride` (zero padding), labels (N, H, W) -> (N, 1, H', W')."""
    kernel = torch.tensor([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]], device=labels.device)
    return F.conv2d(labels[:, None].float(), kernel.view(1, 1, 3, 3), stride=stride, padding=1).clamp(min=0)


def binarise(t: torch.Tensor, threshold: float) -> torch.Tensor:
    """In place, as the official code: a tensor that requires grad keeps a (zero) gradient path."""
    t[t > threshold] = 1
    t[t <= threshold] = 0
    return t


def detail_targets(labels: torch.Tensor, fuse: torch.Tensor, threshold: float = 0.1,
                   strides: tuple = (1, 2, 4)) -> torch.Tensor:
    """The fused binary detail map (N, 1, H, W) of a label map (N, H, W)."""
    size = labels.shape[-2:]
    maps = []
    for s in strides:
        edges = laplacian_edges(labels, s)
        if s != 1:
            edges = F.interpolate(edges, size=size, mode="nearest")
        maps.append(binarise(edges, threshold))
    pyramid = torch.cat(maps, dim=1)  # (N, len(strides), H, W)
    return binarise(F.conv2d(pyramid, fuse.to(pyramid.dtype)), threshold)


def dice_loss(probs: torch.Tensor, target: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - (2 sum(p t) + smooth) / (sum p + sum t + smooth), per image, averaged over the batch."""
    p, t = probs.flatten(1), target.flatten(1)  # (N, H*W)
    return (1 - (2 * (p * t).sum(1) + smooth) / (p.sum(1) + t.sum(1) + smooth)).mean()


@register(Role.HEAD, "detail", paper="STDC-Seg (arXiv:2104.13188)")
class DetailHead(nn.Module):
    """3x3 conv-BN-ReLU -> 1x1 to one detail logit; trained by BCE + Dice against label edges."""

    example_kwargs = {"fuse": "fixed"}  # "official"'s kernel is read by the loss only (see above)
    base_lr_params = ("fuse",)  # officially in its own optimizer group at the base LR (no head x10)

    def __init__(self, x: FeatureSpec, *, classes: int = 1, mid: int = 64, fuse: str = "official",
                 threshold: float = 0.1, strides: list = (1, 2, 4)):
        super().__init__()
        if fuse not in FUSES:
            raise BlockError(f"detail fuse must be one of {', '.join(FUSES)}, got {fuse!r}")
        if classes != 1:
            raise BlockError(f"detail predicts one detail logit per pixel, not classes={classes}")
        if len(strides) != 3:
            raise BlockError(f"detail strides: the fuse kernel has 3 weights, got {len(strides)} strides")
        self.body = nn.Sequential(ConvBNAct(x.channels, mid, 3), nn.Conv2d(mid, classes, 1, bias=False))
        init = torch.tensor([0.6, 0.3, 0.1]).view(1, 3, 1, 1)
        if fuse == "official":
            self.fuse = nn.Parameter(init)
        else:
            self.register_buffer("fuse", init)
        self.threshold, self.strides = threshold, tuple(strides)
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.body(x)

    def aux_loss(self, logits: torch.Tensor, labels: torch.Tensor, **_context) -> dict:
        """{"aux": BCE + Dice of the (resized) detail logit against the label map's detail targets}."""
        target = detail_targets(labels, self.fuse, self.threshold, self.strides)
        logits = logits.float()
        loss = F.binary_cross_entropy_with_logits(logits, target) + dice_loss(torch.sigmoid(logits), target)
        return {"aux": (loss, None)}
