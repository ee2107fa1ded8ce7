"""Helpers shared by the fusion blocks: every fusion takes inputs already at one stride."""
from __future__ import annotations

from blocks.registry import BlockError, FeatureSpec

def same_stride(specs: tuple[FeatureSpec, ...], name: str) -> int:
    """The common stride of a fusion's inputs, or a BlockError naming the mismatch."""
    strides = {s.stride for s in specs}
    if len(strides) != 1:
        raise BlockError(f"{name} inputs are at strides {', '.join(str(s.stride) for s in specs)}: "
                         "upsample the deeper input to the skip's stride first")
    return specs[0].stride
