"""torch.distributed for `torchrun --nproc-per-node N -m arena train ...`: one process per rank.

Which device and backend a rank gets:
- `--device cpu`: gloo (how it is tested);
- `--device cuda`: rank i on `cuda:<LOCAL_RANK>`, NCCL; a rank with no GPU of its own is refused in
  one line before anything starts (two processes on a one-GPU machine would ask for a missing cuda:1);
- `--device cuda:i`: every rank shares GPU i, gloo (NCCL refuses two ranks on one GPU).
The rank's GPU is made current (`torch.cuda.set_device`) before the process group starts, so
NCCL's communicators and every later allocation land on it.

One seed for all ranks: each rank reads every `world`-th position of the one seeded data stream
(arena.data.SeededSampler), so together the ranks read what one process would; metrics are summed
across ranks; only rank 0 writes files. A non-finite loss on any rank stops every rank at the same
step (`all_finite`), instead of leaving the others waiting in the next all-reduce.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from arena.errors import ArenaError


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: str | None = None  # this rank's device under torchrun; None: the one asked for
    backend: str | None = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def rank_device(device: str, local_rank: int, gpus: int, per_node: int) -> tuple[str, str]:
    """(this rank's device, backend) by the rules of the module docstring."""
    if not device.startswith("cuda"):
        return "cpu", "gloo"
    if ":" in device:
        index = device.split(":", 1)[1]
        if not index.isdigit() or int(index) >= gpus:
            raise ArenaError(f"--device {device}: torch sees {gpus} GPU(s) (cuda:0..cuda:{gpus - 1})")
        return device, "gloo"
    if local_rank >= gpus:
        raise ArenaError(f"rank {local_rank} of this machine has no GPU: torchrun started {per_node} processes per "
                         f"node and torch sees {gpus} GPU(s); use --nproc-per-node {gpus}, or --device cuda:0 to share "
                         f"one GPU between the ranks (gloo)")
    return f"cuda:{local_rank}", "nccl"


def init(device: str) -> Dist:
    """Join the process group torchrun set up (WORLD_SIZE > 1), or a single-process Dist."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise ArenaError(f"--device {device}: torch.cuda.is_available() is False; use --device cpu")
    mine, backend = rank_device(device, local, torch.cuda.device_count() if cuda else 0,
                                int(os.environ.get("LOCAL_WORLD_SIZE", world)))
    if cuda:
        torch.cuda.set_device(torch.device(mine))
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Dist(dist.get_rank(), dist.get_world_size(), local, mine, backend)


def all_reduce_sum(tensor, d: Dist):
    """The tensor summed over ranks (in place), or itself on one process."""
    if d.active:
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def all_finite(loss, d: Dist) -> bool:
    """Whether the loss is finite on every rank (one small all-reduce per step under torchrun)."""
    import torch

    bad = (~torch.isfinite(loss.detach())).any().to(torch.float32).reshape(1)
    return all_reduce_sum(bad, d).item() == 0


def gather(obj, d: Dist) -> list:
    """`obj` of every rank, in rank order, on every rank ([obj] on one process)."""
    if not d.active:
        return [obj]
    import torch.distributed as dist

    out = [None] * d.world
    dist.all_gather_object(out, obj)
    return out


def barrier(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        dist.barrier()


def shutdown(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
