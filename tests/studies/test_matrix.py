"""Every published network x every block of the swappable roles: runs, or is rejected with a reason.

Cells the meta-tensor matrix calls "ok" are built for real and run forward and backward at 64x128
with finite outputs; "n/a" cells must carry a DSL reason (no such slot, arity, unsupported factor).
"""
import math

import pytest
import torch

import arena
from arena.dsl import DSLError
from arena.networks import EVERY_FAMILY as FAMILIES
from arena.studies.matrix import MATRIX_ROLES, swap_matrix, try_swap
from arena.train.losses import total_loss
from blocks.registry import names

CELLS = [(net, role, block) for net in FAMILIES for role in MATRIX_ROLES for block in names(role)]
QUICK = "fast_scnn"  # the quick tier runs this network's cells; `make test` runs every cell


@pytest.mark.parametrize("net, role, block", [
    pytest.param(n, r, b, id=f"{n}[{r}={b}]", marks=() if n == QUICK else pytest.mark.slow) for n, r, b in CELLS])
def test_swap_runs_or_is_rejected_with_reason(net, role, block):
    cell = try_swap(net, role, block)
    spec = f"{net}[{role}={block}]"
    if not cell.ok:
        assert cell.reason and "\n" not in cell.reason
        with pytest.raises(DSLError):  # the real build agrees that it is not applicable
            arena.build(spec)
        return
    model = arena.build(spec).train()
    out = model(torch.randn(2, 3, 64, 128))
    logits = out["out"] if isinstance(out, dict) else out
    assert logits.shape == (2, model.classes, 64, 128)
    assert torch.isfinite(logits).all()
    labels = torch.randint(0, model.classes, (2, 64, 128))
    loss, _ = total_loss(out, labels)  # the training loss, heads with a loss of their own included
    loss.backward()
    assert math.isfinite(loss.item())
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None for g in grads), "every parameter of the hybrid receives a gradient"


@pytest.mark.slow
def test_every_role_has_an_applicable_swap_somewhere():
    cells = swap_matrix()
    for role in MATRIX_ROLES:
        assert any(c.ok and c.swap.startswith(role) and not c.swap.endswith("=none") for c in cells), role
