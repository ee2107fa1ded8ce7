"""The synthetic validation set: the same scenes for every seed and for both sides of a pair, and enough of them."""
import torch

from arena.train import loop
from arena.train.loop import TrainConfig, train
from arena.train.schedules import SCHEDULES


def test_demo_and_short_validate_on_enough_scenes_for_a_verdict():
    assert SCHEDULES["demo"].val_images >= 200 and SCHEDULES["short"].val_images >= 500


def test_a_base_and_its_hybrid_at_two_seeds_are_scored_on_the_same_scenes(tmp_path, monkeypatch):
    scored = []
    real_evaluate = loop.evaluate

    def recording(model, dataset, *args, **kwargs):
        scored.append(dataset)
        return real_evaluate(model, dataset, *args, **kwargs)

    monkeypatch.setattr(loop, "evaluate", recording)
    rows = [train(TrainConfig(spec=spec, schedule="smoke", iters=2, seed=seed, threads=1,
                              out=str(tmp_path / f"{i}"))).row
            for i, (spec, seed) in enumerate([("fast_scnn", 0), ("fast_scnn[upsampler=gai]", 1)])]
    assert len(scored) == 2
    a, b = scored
    assert len(a) == len(b) == SCHEDULES["smoke"].val_images
    for i in range(len(a)):
        (xa, ya), (xb, yb) = a[i], b[i]
        assert torch.equal(xa, xb) and torch.equal(ya, yb), f"validation scene {i} differs between the runs"
    assert rows[0]["setting"]["val"] == rows[1]["setting"]["val"]  # one validation set in both settings
    assert rows[0]["setting"]["id"] == rows[1]["setting"]["id"]  # the seed and the swap are not the setting

    from arena.data import open_dataset

    trained_on, _ = open_dataset("synthetic", "train", crop=SCHEDULES["smoke"].crop, seed=0)
    assert not torch.equal(trained_on[0][1], a[0][1])  # validation scenes are not the training stream's
