"""No block builds a tensor from host data in `forward`: CUDA-graph capture (`arena bench
--cuda-graphs`, torch.compile's reduce-overhead) forbids the host-to-device copy that needs.

Checked on CPU for every registered block: the constructors that take host data (torch.tensor,
torch.as_tensor, torch.from_numpy) raise while the block runs, in training and in eval mode."""
import pytest
import torch

from tests.blocks.test_registry_contract import BLOCKS, BASE, example_specs
from tests.helpers import whole_trunks_slow


def refuse(*args, **kwargs):
    raise AssertionError("a tensor built from host data inside forward (not capturable by a CUDA graph)")


@pytest.mark.parametrize("b", whole_trunks_slow(BLOCKS))
def test_forward_builds_no_tensor_from_host_data(b, monkeypatch):
    specs = example_specs(b)
    block = b.cls(*specs, **getattr(b.cls, "example_kwargs", {}))
    xs = [torch.randn(2, s.channels, BASE // s.stride, BASE // s.stride) for s in specs]
    with monkeypatch.context() as m:
        for name in ("tensor", "as_tensor", "from_numpy"):
            m.setattr(torch, name, refuse)
        outs = [block.train()(*xs)]
        with torch.no_grad():
            outs.append(block.eval()(*xs))
    flat = [y for out in outs for y in (out if isinstance(out, tuple) else (out,))]
    assert all(torch.isfinite(y).all() for y in flat)
