"""torch.distributed for `torchrun --nproc-per-node N -m arena train ...`: one process per device.

NCCL on GPUs, gloo on CPU (how it is tested). One seed for all ranks: each rank reads every
`world`-th position of the one seeded data stream (arena.data.SeededSampler), so together the
ranks read what one process would; metrics are summed across ranks; only rank 0 writes files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def init(device: str) -> Dist:
    """Join the process group torchrun set up (WORLD_SIZE > 1), or a single-process Dist."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return Dist(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def all_reduce_sum(tensor, d: Dist):
    """The tensor summed over ranks (in place), or itself on one process."""
    if d.active:
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def barrier(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        dist.barrier()


def shutdown(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
