"""Ranks and devices under torchrun, checked on CPU: which GPU and backend a rank gets, the GPU made
current before the process group starts, a rank without a GPU refused in one line, and (two real
gloo processes) every rank's RNG gathered and a non-finite loss on one rank seen by all."""
from __future__ import annotations

import pytest
import torch

from arena.errors import ArenaError
from arena.train import distributed


@pytest.mark.parametrize("device, local, gpus, expected", [
    ("cpu", 1, 0, ("cpu", "gloo")),
    ("cuda", 1, 2, ("cuda:1", "nccl")),
    ("cuda:0", 1, 1, ("cuda:0", "gloo")),  # two ranks sharing one GPU: NCCL refuses that, gloo does not
])
def test_rank_device(device, local, gpus, expected):
    assert distributed.rank_device(device, local, gpus, per_node=2) == expected


def test_a_rank_without_a_gpu_is_one_line():
    with pytest.raises(ArenaError, match=r"rank 1 of this machine has no GPU: .* 2 processes per node and torch "
                                         r"sees 1 GPU\(s\); use --nproc-per-node 1, or --device cuda:0"):
        distributed.rank_device("cuda", 1, gpus=1, per_node=2)
    with pytest.raises(ArenaError, match="torch sees 1 GPU"):
        distributed.rank_device("cuda:3", 0, gpus=1, per_node=2)


@pytest.fixture
def fake_torchrun(monkeypatch):
    """WORLD_SIZE=2, LOCAL_RANK=1 on a machine with `gpus` GPUs; records the calls in order."""
    import torch.distributed as dist

    calls = []
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", lambda dev: calls.append(("set_device", str(dev))))
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(dist, "init_process_group", lambda backend, **k: calls.append(("init", backend)))
    monkeypatch.setattr(dist, "get_rank", lambda: 1)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)

    def machine(gpus: int):
        monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
        return calls
    return machine


def test_the_rank_gpu_is_made_current_before_the_process_group(fake_torchrun):
    calls = fake_torchrun(2)
    d = distributed.init("cuda")
    assert calls == [("set_device", "cuda:1"), ("init", "nccl")]
    assert (d.rank, d.world, d.device, d.backend) == (1, 2, "cuda:1", "nccl")


def test_two_ranks_on_a_one_gpu_machine_stop_before_starting(fake_torchrun):
    calls = fake_torchrun(1)
    with pytest.raises(ArenaError, match="--nproc-per-node 1"):
        distributed.init("cuda")
    assert calls == []


def _two_ranks(rank: int, store: str, results) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    d = distributed.Dist(rank, 2)
    try:
        torch.manual_seed(rank)  # each rank its own stream
        states = distributed.gather(torch.get_rng_state(), d)
        loss = torch.tensor(float("nan") if rank == 1 else 1.0)
        results.put((rank, [s.sum().item() for s in states], distributed.all_finite(loss, d)))
    finally:
        dist.destroy_process_group()


def test_every_rank_state_is_gathered_and_a_nan_on_one_rank_stops_all(tmp_path):
    import torch.multiprocessing as mp

    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_two_ranks, args=(r, str(tmp_path / "store"), results)) for r in range(2)]
    for p in procs:
        p.start()
    got = dict((rank, (sums, finite)) for rank, sums, finite in (results.get(timeout=120) for _ in procs))
    for p in procs:
        p.join(timeout=60)
    expected = []
    for r in range(2):
        torch.manual_seed(r)
        expected.append(torch.get_rng_state().sum().item())
    assert got[0][0] == got[1][0] == expected  # rank 0 holds rank 1's state too, in rank order
    assert got[0][1] is False and got[1][1] is False  # rank 0's loss is finite, it stops all the same
