"""Segmentation losses: cross-entropy with the ignore label, optional OHEM, auxiliary heads by weight.

An auxiliary head whose block brings a loss of its own (`aux_loss`, carried in the network's training
output, arena/graph.py) takes that path instead of cross-entropy: STDC's detail head (BCE + Dice on
label edges) and PIDNet's boundary head (balanced BCE on edges, plus the "BAS" loss: the main loss
again on the pixels the head calls boundary). The head gets the main logits and the main loss (with
this schedule's OHEM) for that.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = 255


def pixel_loss(logits: torch.Tensor, labels: torch.Tensor, ohem: float | None = None, min_kept: int = 0,
               class_weights: torch.Tensor | None = None, all_pixels: bool = False) -> torch.Tensor:
    """Mean cross-entropy over labelled pixels; with `ohem`, only the hard ones.

    OHEM (online hard example mining, as FANet's and GAIN's official code): keep the pixels whose
    probability of the true class is below `ohem`, but at least `min_kept` of them (the hardest).
    `all_pixels` (without OHEM): the mean over every pixel, ignored ones counting 0, as mmseg v0.x's
    default `avg_non_ignore=False` (SCTNet's official training; specs/sctnet.md §3.5).
    """
    logits = logits.float()
    if ohem is None and all_pixels:
        summed = F.cross_entropy(logits, labels, weight=class_weights, ignore_index=IGNORE, reduction="sum")
        return summed / labels.numel()
    if ohem is None:
        return F.cross_entropy(logits, labels, weight=class_weights, ignore_index=IGNORE)
    losses = F.cross_entropy(logits, labels, weight=class_weights, ignore_index=IGNORE, reduction="none").flatten()
    valid = labels.flatten() != IGNORE
    losses = losses[valid]
    if losses.numel() == 0:
        return logits.sum() * 0.0
    threshold = -torch.log(torch.tensor(ohem, device=losses.device))  # p < ohem  <=>  loss > -log(ohem)
    hard = losses[losses > threshold]
    if hard.numel() < min(min_kept, losses.numel()):
        hard = losses.topk(min(min_kept, losses.numel())).values
    return hard.mean() if hard.numel() else losses.mean()


def total_loss(output, labels: torch.Tensor, ohem: float | None = None, min_kept: int = 0,
               all_pixels: bool = False) -> tuple:
    """The main loss plus weight x each auxiliary loss; returns (total, {name: value})."""
    if isinstance(output, dict):
        main = pixel_loss(output["out"], labels, ohem, min_kept, all_pixels=all_pixels)
        parts = {"main": main}
        total = main
        for i, (aux, weight, *own_loss) in enumerate(output.get("aux", []), 1):
            if own_loss:
                main_loss = lambda lg, lb: pixel_loss(lg, lb, ohem, min_kept, all_pixels=all_pixels)  # noqa: E731
                for part, (value, part_weight) in own_loss[0](aux, labels, main=output["out"],
                                                               main_loss=main_loss).items():
                    parts[f"{part}{i}"] = value
                    total = total + (weight if part_weight is None else part_weight) * value
                continue
            parts[f"aux{i}"] = pixel_loss(aux, labels, ohem, min_kept, all_pixels=all_pixels)
            total = total + weight * parts[f"aux{i}"]
        return total, parts
    main = pixel_loss(output, labels, ohem, min_kept, all_pixels=all_pixels)
    return main, {"main": main}
