"""Evaluation: a confusion matrix accumulated on the device, mIoU, per-class IoU, pixel accuracy."""
from __future__ import annotations

import torch

from arena.train.losses import IGNORE


def confusion(pred: torch.Tensor, labels: torch.Tensor, classes: int) -> torch.Tensor:
    """classes x classes counts, rows = true class, columns = predicted; the ignore label is left out."""
    valid = labels != IGNORE
    idx = labels[valid].long() * classes + pred[valid].long()
    return torch.bincount(idx, minlength=classes * classes).reshape(classes, classes)


def scores(cm: torch.Tensor, names: list[str] | None = None) -> dict:
    """mIoU over the classes that occur (in the labels or the predictions), per-class IoU, pixel accuracy.

    A class with neither labels nor predictions has no IoU (None) and is left out of the mean, the
    convention of the Cityscapes evaluation.
    """
    cm = cm.double().cpu()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    iou = [None if u == 0 else float(t / u) for t, u in zip(tp, union)]
    present = [v for v in iou if v is not None]
    total = float(cm.sum())
    names = names or [str(i) for i in range(len(iou))]
    return {"miou": sum(present) / len(present) if present else 0.0, "pixel_acc": float(tp.sum()) / total if total else 0.0,
            "iou": dict(zip(names, iou)), "pixels": int(total)}
