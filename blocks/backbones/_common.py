"""What several backbones share."""
from __future__ import annotations

import torch
from torch import nn


def run_stages(stages: nn.ModuleList, x: torch.Tensor) -> list[torch.Tensor]:
    """Each stage's output, stage after stage (a backbone returns some or all of them)."""
    outs = []
    for stage in stages:
        x = stage(x)
        outs.append(x)
    return outs
