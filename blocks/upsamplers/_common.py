"""Helpers shared by the learned upsamplers: the integer scale from x to the guide, and fitting
the result to the guide's exact size (crop/pad by default, costing no arithmetic; resize on request).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from blocks.registry import BlockError, FeatureSpec

FITS = ("crop", "resize")


def upsample_scale(x: FeatureSpec, guide: FeatureSpec, name: str, *, power_of_two: bool = False) -> int:
    """The integer factor from x's stride to the guide's, or a BlockError saying why there is none."""
    if x.stride < guide.stride or x.stride % guide.stride:
        raise BlockError(f"{name} upsamples by an integer factor: x at stride {x.stride} and guide at stride "
                         f"{guide.stride} are not (x.stride must be a multiple of guide.stride)")
    s = x.stride // guide.stride
    if power_of_two and s & (s - 1):
        raise BlockError(f"{name} needs a power-of-two scale, got {s} (x stride {x.stride}, guide {guide.stride})")
    return s


def check_fit(fit: str, name: str) -> str:
    if fit not in FITS:
        raise BlockError(f"{name} fit must be one of {', '.join(FITS)}, got {fit!r}")
    return fit


def fit_to_guide(y: torch.Tensor, guide: torch.Tensor, fit: str) -> torch.Tensor:
    """Make y exactly the guide's spatial size: crop/zero-pad bottom-right, or resize bilinearly."""
    if fit == "resize":
        return F.interpolate(y, size=guide.shape[-2:], mode="bilinear", align_corners=False)
    # F.pad with a negative amount crops; traceable because the amounts are shape arithmetic.
    return F.pad(y, (0, guide.shape[-1] - y.shape[-1], 0, guide.shape[-2] - y.shape[-2]))
