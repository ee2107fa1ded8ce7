"""mIoU against a confusion matrix computed by hand; schedules rescale, never truncate; OHEM keeps the hard pixels."""
from __future__ import annotations

import pytest
import torch

from arena.train.losses import pixel_loss
from arena.train.metrics import confusion, scores
from arena.train.schedules import SCHEDULES, schedule_for


def test_confusion_and_miou_by_hand():
    labels = torch.tensor([[0, 0, 1, 1], [2, 2, 255, 1]])
    pred = torch.tensor([[0, 1, 1, 1], [2, 0, 2, 2]])
    cm = confusion(pred, labels, 4)
    # rows true, columns predicted; the pixel labelled 255 is left out
    want = torch.tensor([[1, 1, 0, 0], [0, 2, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    assert torch.equal(cm, want)
    s = scores(cm, ["a", "b", "c", "d"])
    # IoU a = 1 / (2 + 2 - 1) = 1/3, b = 2 / (3 + 3 - 2) = 1/2, c = 1 / (2 + 2 - 1) = 1/3, d absent
    assert s["iou"] == {"a": pytest.approx(1 / 3), "b": pytest.approx(1 / 2), "c": pytest.approx(1 / 3), "d": None}
    assert s["miou"] == pytest.approx((1 / 3 + 1 / 2 + 1 / 3) / 3)
    assert s["pixel_acc"] == pytest.approx(4 / 7) and s["pixels"] == 7


def test_a_shorter_schedule_is_rescaled_not_truncated():
    short = SCHEDULES["short"]
    small = short.rescaled(400)
    assert small.iters == 400 and small.warmup_iters == round(short.warmup * 400)
    assert small.lr_at(0) == pytest.approx(short.lr * short.warmup_start)
    assert small.lr_at(small.warmup_iters) == pytest.approx(short.lr)
    assert small.lr_at(399) < 0.05 * short.lr  # it decays to the end of its own length
    assert short.lr_at(399) > 0.9 * short.lr  # where the long one is still near its peak
    assert small.eval_every == 100 and small.ckpt_every == 100
    with pytest.raises(Exception, match="--iters must be >= 1"):
        short.rescaled(0)


def test_paper_schedules_exist_for_every_family_and_need_one():
    for family in ("fanet", "fast_scnn", "s2fpn", "sgcpnet", "gain"):
        s = schedule_for("paper", family)
        assert s.iters > 10_000 and s.source
    with pytest.raises(Exception, match="needs a published network"):
        schedule_for("paper", None)


def test_ohem_keeps_the_hard_pixels():
    logits = torch.zeros(1, 2, 1, 4)
    logits[0, 0, 0, :2] = 10.0  # two easy pixels of class 0
    labels = torch.tensor([[[0, 0, 1, 255]]])  # pixel 2 is hard (class 1 predicted at p ~ 0.5), pixel 3 ignored
    plain = pixel_loss(logits, labels)
    hard = pixel_loss(logits, labels, ohem=0.7)
    assert hard == pytest.approx(-torch.log_softmax(logits[0, :, 0, 2], 0)[1].item())
    assert hard > plain
    kept = pixel_loss(logits, labels, ohem=0.7, min_kept=3)  # at least 3: the easy ones come back
    assert kept == pytest.approx(plain.item())
