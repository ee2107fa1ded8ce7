"""The seeded order: same seed, same batches (any worker count), resumable, sharded; the spec front door."""
import torch

from arena.data import SeededSampler, loader, open_dataset
from arena.errors import ArenaError
import pytest


def test_sampler_is_a_function_of_seed_and_position():
    a = list(SeededSampler(10, seed=3, samples=25))
    assert a == list(SeededSampler(10, seed=3, samples=25))
    assert a != list(SeededSampler(10, seed=4, samples=25))
    for epoch in range(2):
        assert sorted(i for i, _ in a[10 * epoch:10 * epoch + 10]) == list(range(10))
    assert [i for i, _ in a[:10]] != [i for i, _ in a[10:20]]       # each epoch has its own order
    assert len({s for _, s in a}) == 25                               # each position its own augmentation seed
    assert list(SeededSampler(10, seed=3, samples=25, start=12)) == a[12:]
    assert [i for i, _ in SeededSampler(10, seed=3, shuffle=False, samples=12)] == list(range(10)) + [0, 1]


def test_ranks_together_read_what_one_process_reads():
    one = list(SeededSampler(7, seed=1, samples=20))
    ranks = [list(SeededSampler(7, seed=1, samples=20, rank=r, world=2)) for r in range(2)]
    assert sorted(ranks[0] + ranks[1]) == sorted(one) and ranks[0] == one[0::2]
    with pytest.raises(ArenaError, match="multiple of world"):
        SeededSampler(7, seed=1, start=3, world=2)


def test_loader_same_seed_same_batches_with_and_without_workers():
    ds, desc = open_dataset("synthetic", "train", crop=(32, 64), seed=3, length=64)
    assert desc["config"]["noise"] == 0.04 and desc["fresh"] and desc["resolution"] == [32, 64]
    first = [b for b, _ in zip(loader(ds, batch=4, seed=3), range(2))]
    again = [b for b, _ in zip(loader(ds, batch=4, seed=3, workers=1), range(2))]
    for (x, y), (x2, y2) in zip(first, again):
        assert x.shape == (4, 3, 32, 64) and y.shape == (4, 32, 64)
        assert torch.equal(x, x2) and torch.equal(y, y2)
    # synthetic scenes are read in order: batch 0 is scenes (3, 0..3)
    assert torch.equal(first[0][1][1], ds[1][1])


def test_loader_on_a_folder_dataset_is_seeded(cityscapes_root):
    ds, _ = open_dataset(f"cityscapes:{cityscapes_root}", "train", crop=(8, 8))
    a = [y for _, y in loader(ds, batch=2, seed=0, samples=8)]
    b = [y for _, y in loader(ds, batch=2, seed=0, samples=8)]
    c = [y for _, y in loader(ds, batch=2, seed=1, samples=8)]
    assert len(a) == 4 and all(torch.equal(p, q) for p, q in zip(a, b))
    assert not all(torch.equal(p, q) for p, q in zip(a, c))
    resumed = [y for _, y in loader(ds, batch=2, seed=0, samples=8, start=4)]
    assert all(torch.equal(p, q) for p, q in zip(a[2:], resumed))


def test_synthetic_val_is_one_set_for_every_run():
    a, desc = open_dataset("synthetic", "val", crop=(32, 64), seed=1)
    b, _ = open_dataset("synthetic", "val", crop=(32, 64), seed=2)
    assert torch.equal(a[0][1], b[0][1]) and len(a) == 500 and desc["split"] == "val"
    train, _ = open_dataset("synthetic", "train", crop=(32, 64), seed=0)
    assert not torch.equal(a[0][1], train[0][1])


def test_loader_arguments_are_checked():
    ds, _ = open_dataset("synthetic", "train", crop=(16, 16), length=4)
    with pytest.raises(ArenaError, match="batch must be an integer >= 1"):
        loader(ds, batch=0, seed=0)
    with pytest.raises(ArenaError, match="not a torch device"):
        loader(ds, batch=1, seed=0, device="gpu7")
    assert loader(ds, batch=1, seed=0, device="cpu").pin_memory is False
