"""Resources bounded up front: the memory estimate counts weights, gradients and optimiser state
(not only activations), and thread counts warn above the cores and refuse absurd values."""
from __future__ import annotations

import pytest

import arena
from arena import checks
from arena.errors import ArenaError
from arena.measure import memory


def test_training_memory_counts_weights_gradients_and_momentum():
    net = arena.build("fast_scnn", device="meta")
    params = sum(p.numel() for p in net.parameters())
    buffers = sum(b.numel() for b in net.buffers())
    infer, train = memory.needed(net, 64, 128), memory.needed(net, 64, 128, batch=2, training=True)
    assert infer["weights"] == train["weights"] == 4 * (params + buffers)
    assert infer["gradients"] == infer["optimiser"] == 0
    assert train["gradients"] == train["optimiser"] == 4 * params  # fp32 gradient + SGD momentum per parameter
    assert train["total"] == sum(v for k, v in train.items() if k != "total")
    adamw = memory.needed(net, 64, 128, batch=2, training=True, optimiser="adamw")
    assert adamw["optimiser"] == 2 * 4 * params  # AdamW keeps two moments per parameter


def test_weights_alone_can_refuse_a_job_with_tiny_activations():
    """Before: fast_scnn[classes=100000000] at 1x1 passed the activation check and was killed at 23.5 GB."""
    net = arena.build("fast_scnn[classes=100000000]", device="meta")
    parts = memory.needed(net, 1, 1)
    assert parts["weights"] > 50 * parts["activations"]
    with pytest.raises(memory.TooBig, match=r"weights \d"):
        memory.check(net, 1, 1, max_bytes=parts["activations"] * 2)


def test_threads_warn_above_the_cores_and_refuse_far_above(monkeypatch):
    monkeypatch.setattr(checks, "cpu_count", lambda: 2)
    assert checks.threads(2) == 2
    with pytest.warns(UserWarning, match="more than this machine's 2 core"):
        assert checks.threads(3) == 3
    with pytest.raises(ArenaError, match="far more than"):
        checks.threads(9)
    with pytest.raises(ArenaError, match="must be an integer"):
        checks.threads(0)
