"""Segmentation losses: cross-entropy with the ignore label, optional OHEM, auxiliary heads by weight.

An auxiliary head whose block declares another loss (`aux_loss`, listed in the network's training
output) takes its own path. The one such loss today is PIDNet's boundary head (arXiv:2206.02066,
XuJiacong/PIDNet utils/criterion.py, specs/pidnet.md §3.7): class-balanced BCE against edge labels
(times the head's weight, official 20) plus the "BAS" loss, the main loss again on the main logits
with every pixel whose boundary probability is at most the threshold (official 0.8) ignored.
Edge labels are made here from the semantic labels of the batch: a pixel whose right or lower
neighbour has another label (the ignore label counts as a label, as in the official Canny on the
train-id map), dilated by a 4x4 window. The official code runs Canny on the full image before the
crop and zeroes a 6-pixel frame of the image; arena derives edges after the crop, without the frame.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = 255


def pixel_loss(logits: torch.Tensor, labels: torch.Tensor, ohem: float | None = None, min_kept: int = 0,
               class_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean cross-entropy over labelled pixels; with `ohem`, only the hard ones.

    OHEM (online hard example mining, as FANet's and GAIN's official code): keep the pixels whose
    probability of the true class is below `ohem`, but at least `min_kept` of them (the hardest).
    """
    logits = logits.float()
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
             ohem: float | None = None, min_kept: int = 0) -> torch.Tensor:
    """The main loss on the pixels the boundary head calls boundary (probability > threshold)."""
    with torch.no_grad():
        on_edge = torch.sigmoid(boundary[:, 0].float()) > threshold
        masked = torch.where(on_edge, labels, torch.full_like(labels, IGNORE))
    if not (masked != IGNORE).any():
        return logits.sum() * 0.0
    return pixel_loss(logits, masked, ohem, min_kept)


def total_loss(output, labels: torch.Tensor, ohem: float | None = None, min_kept: int = 0) -> tuple:
    """The main loss plus weight x each auxiliary loss; returns (total, {name: value})."""
    if isinstance(output, dict):
        main = pixel_loss(output["out"], labels, ohem, min_kept)
        parts = {"main": main}
        total = main
        aux_outputs = output.get("aux", [])
        kinds = output.get("aux_loss") or [{"kind": "ce"}] * len(aux_outputs)
        for i, ((aux, weight), kind) in enumerate(zip(aux_outputs, kinds), 1):
            if kind["kind"] == "boundary":
                parts[f"aux{i}"] = balanced_bce(aux, boundary_labels(labels))
                parts[f"bas{i}"] = bas_loss(output["out"], labels, aux, kind["bas_threshold"], ohem, min_kept)
                total = total + weight * parts[f"aux{i}"] + kind["bas_weight"] * parts[f"bas{i}"]
                continue
            parts[f"aux{i}"] = pixel_loss(aux, labels, ohem, min_kept)
            total = total + weight * parts[f"aux{i}"]
        return total, parts
    main = pixel_loss(output, labels, ohem, min_kept)
    return main, {"main": main}
