"""Shared test settings: deterministic, single-threaded-enough torch for a 2-core CI machine.

Under pytest-xdist (`make test` runs `-n auto`) the cores are shared out among the workers, so two
workers on two cores each run torch on one thread instead of four threads fighting for two cores."""
import os

import pytest
import torch

_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
torch.set_num_threads(max(1, min(2, (os.cpu_count() or 2) // _WORKERS)))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Peaks and study estimates cached per test session, never in the user's ~/.cache."""
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "arena-cache"))
