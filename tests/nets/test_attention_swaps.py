"""Every attention block of the field fits FANet's four attention slots (64-512 channels at strides
8-64): `fanet18[attention=X]` builds, runs forward and backward at 256x512 and (slow) at 720x960,
and every parameter of the swapped blocks receives a gradient."""
from __future__ import annotations

import pytest
import torch

from arena.api import build

NEW = ["eca", "coord", "cbam", "cca", "pam", "cam", "gc",
       "efficient_sa", "sea", "token_mhsa", "aff", "external", "sct"]


def forward_backward(block: str, h: int, w: int) -> None:
    net = build(f"fanet18[attention={block}]", seed=0).train()
    out = net(torch.randn(1, 3, h, w))  # training: {"out": logits, "aux": [(logits, weight), ...]}
    logits = out["out"]
    assert logits.shape == (1, 19, h, w) and torch.isfinite(logits).all()
    (logits.mean() + sum(a[0].mean() for a in out["aux"])).backward()
    for node in ("a1", "a2", "a3", "a4"):
        assert net.nodes[node].block_name == block
        missing = [k for k, p in net.nodes[node].named_parameters() if p.grad is None]
        assert not missing, f"{node}: no gradient for {missing}"


@pytest.mark.parametrize("block", NEW)
def test_fanet18_with_each_attention_runs_forward_and_backward(block):
    forward_backward(block, 256, 512)


@pytest.mark.slow
@pytest.mark.parametrize("block", NEW)
def test_fanet18_with_each_attention_at_720x960(block):
    forward_backward(block, 720, 960)


@pytest.mark.slow  # 14 s: every new block built and run in three networks
@pytest.mark.parametrize("net", ["fanet18", "s2fpn18", "stdc1_seg"])
def test_swap_matrix_cell_is_ok_for_every_new_attention(net):
    """`arena swaps` builds each cell on meta tensors and runs it (arena.studies.matrix.try_swap)."""
    from arena.studies.matrix import try_swap

    bad = [(b, c.reason) for b in NEW for c in [try_swap(net, "attention", b)] if not c.ok]
    assert not bad


@pytest.mark.parametrize("swap,words", [
    ("attention=efficient_sa(heads=3)", "heads=3 does not divide the 512 input channels"),
    ("attention=aff(heads=4)", "sum to heads=4"),
    ("attention=external(memory=60)", "heads=8 does not divide the 60"),
])
def test_a_block_that_cannot_fit_is_one_line_exit_2(swap, words):
    from tests.helpers import one_line_error, run_cli

    line = one_line_error(run_cli("show", f"fanet18[{swap}]"))
    assert words in line and "attention." in line
