"""`arena train --deterministic`: the switches that make a GPU run repeat itself, and what still does not.

On: ``torch.use_deterministic_algorithms(True, warn_only=True)``, ``cudnn.deterministic = True``,
``cudnn.benchmark = False`` and ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (cuBLAS needs it for
reproducible GEMMs; it is read when the first cuBLAS handle is made, so it is set before any CUDA
work and kept for the process). Some CUDA kernels have no deterministic version (the backward of
bilinear interpolation, adaptive average pooling and grid_sample, among others, in PyTorch's list);
they are not refused (`warn_only`): PyTorch warns once per kernel, and the run records each one in
`nondeterministic_ops`. A resume is bit-exact on a GPU when that list is empty; otherwise, and
without `--deterministic`, it is approximate (the same schedule, data and RNG streams, with
floating-point sums in another order). On CPU, runs and resumes are bit-exact either way.
"""
from __future__ import annotations

import contextlib
import os
import re
import warnings
from typing import Iterator

CUBLAS_WORKSPACE = ":4096:8"
_NONDETERMINISTIC = re.compile(r"^(\S+) does not have a deterministic implementation")


class Record:
    """What ran under `deterministic`: `ops`, the kernels without a deterministic version, so far."""

    def __init__(self, caught: list | None = None):
        self.caught = caught if caught is not None else []

    @property
    def ops(self) -> list[str]:
        found = (_NONDETERMINISTIC.match(str(w.message)) for w in self.caught)
        return list(dict.fromkeys(m.group(1) for m in found if m))


@contextlib.contextmanager
def deterministic(on: bool) -> Iterator[Record]:
    """Within: the switches above when `on` (restored after). Yields the `Record` of the kernels
    that ran without a deterministic version; other warnings are passed on at the end."""
    import torch

    if not on:
        yield Record()
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    saved = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield Record(caught)
        finally:
            torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[2], saved[3]
    for w in caught:  # outside the catch: the caller's filters decide
        if not _NONDETERMINISTIC.match(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def settings() -> dict[str, object]:
    """The switches as they are now (recorded in the row)."""
    import torch

    return {"deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
            "cudnn_deterministic": torch.backends.cudnn.deterministic,
            "cudnn_benchmark": torch.backends.cudnn.benchmark,
            "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG")}
