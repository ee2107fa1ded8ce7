"""The final resize of the logits follows each official model's convention (`Family.final_align_corners`,
from the specs), for the main and the auxiliary logits alike."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import FAMILIES

# Each family's official convention, from its module (docs/networks.md, "Final resize of the logits").
EXPECTED = {f.representative: f.final_align_corners for f in FAMILIES.values()}
SIZE = (128, 192)  # a multiple of every network's output stride (64)


def _native_and_resized(net, x):
    """The logits at the output node's own resolution, and what the network returned."""
    captured = {}
    producer = next(n for n in net.plan if net.output in n.outputs)
    hook = net.nodes[producer.name].register_forward_hook(lambda m, a, out: captured.setdefault("native", out))
    with torch.no_grad():
        out = net(x)
    hook.remove()
    return captured["native"], out


@pytest.mark.parametrize("variant, aligned", list(EXPECTED.items()))
def test_final_resize_convention(variant, aligned):
    net = arena.build(variant).eval()
    assert net.final_align_corners is aligned
    x = torch.randn(1, 3, *SIZE)
    native, out = _native_and_resized(net, x)
    assert native.shape[-2:] != out.shape[-2:]  # the wrapper really resizes
    want = F.interpolate(native, size=SIZE, mode="bilinear", align_corners=aligned)
    other = F.interpolate(native, size=SIZE, mode="bilinear", align_corners=not aligned)
    torch.testing.assert_close(out, want, rtol=0, atol=0)
    assert not torch.allclose(out, other)


@pytest.mark.parametrize("variant", ["fanet18", "s2fpn18"])
def test_auxiliary_logits_follow_the_same_convention(variant):
    net = arena.build(variant).train()
    aux_nodes = [n for n in net.plan if n.aux is not None]
    captured = []
    hooks = [net.nodes[n.name].register_forward_hook(lambda m, a, out: captured.append(out)) for n in aux_nodes]
    with torch.no_grad():
        out = net(torch.randn(2, 3, *SIZE))
    for h in hooks:
        h.remove()
    assert len(out["aux"]) == len(aux_nodes) == len(captured)
    for (aux, _weight), native in zip(out["aux"], captured):
        torch.testing.assert_close(aux, F.interpolate(native, size=SIZE, mode="bilinear", align_corners=True),
                                   rtol=0, atol=0)


def test_the_convention_is_an_override():
    net = arena.build("fanet18[final_align_corners=False]").eval()
    assert net.final_align_corners is False and net.canonical == "fanet18[final_align_corners=False]"
    assert net.resolved.overrides == {"final_align_corners": False}
    assert arena.build("sgcpnet", final_align_corners=True).final_align_corners is True
    # swaps keep the network's convention
    assert arena.build("s2fpn18[upsampler=nearest]").final_align_corners is True
