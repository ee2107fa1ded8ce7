"""Shared test settings: deterministic, single-threaded-enough torch for a 2-core CI machine."""
import pytest
import torch

torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Peaks and study estimates cached per test session, never in the user's ~/.cache."""
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "arena-cache"))
