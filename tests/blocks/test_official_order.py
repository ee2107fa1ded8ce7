"""Blocks that must create and call their modules, and store their parameters, in the official order,
so that an official state dict maps onto them in order (arena/official/)."""
from __future__ import annotations

import pytest
import torch

from blocks.registry import BlockError, FeatureSpec, get


def test_ssam_creates_and_calls_the_max_strip_first():
    """Official S2-FPN v1 SpatialAttention: max-pooled strip (conv_sh, bn_sh1) before the average one
    (conv_sh, bn_sh2), then fuse; gamma is the module's own parameter (listed first)."""
    ssam = get("attention", "ssam")(FeatureSpec(8, 8)).train()
    assert [name for name, _ in ssam.named_children()] == ["shared", "bn_max", "bn_avg", "out_conv"]
    assert list(ssam.state_dict())[:2] == ["gamma", "shared.weight"]
    assert [k.split(".")[0] for k in list(ssam.state_dict())[2:]] == ["bn_max"] * 5 + ["bn_avg"] * 5 + ["out_conv"]
    calls = []
    for name in ("shared", "bn_max", "bn_avg", "out_conv"):
        getattr(ssam, name).register_forward_hook(lambda mod, args, out, name=name: calls.append((name, args[0])))
    x = torch.randn(2, 8, 5, 7)
    ssam(x)
    assert [name for name, _ in calls] == ["shared", "bn_max", "shared", "bn_avg", "out_conv"]
    shared_max, shared_avg = calls[0][1], calls[2][1]
    assert torch.equal(shared_max, x.amax(dim=2, keepdim=True))  # the first strip is the max strip
    assert torch.equal(shared_avg, x.mean(dim=2, keepdim=True))


def test_ssam_function_is_the_official_one():
    """softmax over channels of F_max * F_avg; channel 0 weights the avg strip, channel 1 the max one."""
    torch.manual_seed(0)
    ssam = get("attention", "ssam")(FeatureSpec(6, 8)).eval()
    with torch.no_grad():
        ssam.gamma.fill_(0.6)
        for bn, shift in ((ssam.bn_max, 0.3), (ssam.bn_avg, -0.2)):  # two different BNs
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.fill_(shift)
        x = torch.randn(2, 6, 4, 9)
        ws, wf = ssam.shared.weight[:, :, 0, 0], ssam.out_conv.weight[:, :, 0, 0]
        mx = ssam.bn_max(torch.einsum("oc,bcw->bow", ws, x.amax(2)).unsqueeze(2))
        avg = ssam.bn_avg(torch.einsum("oc,bcw->bow", ws, x.mean(2)).unsqueeze(2))
        att = torch.softmax(mx * avg, dim=1)
        fusion = att[:, 0:1] * avg + att[:, 1:2] * mx
        expected = torch.relu(0.6 * torch.einsum("oc,bchw->bohw", wf, fusion) + 0.4 * x)
        torch.testing.assert_close(ssam(x), expected)


def _weighted(n: int, **kw):
    node = get("fusion", "weighted_sum")(*[FeatureSpec(4, 8)] * n, **kw).eval()
    with torch.no_grad():
        node.weight.copy_(torch.tensor([3.0, 1.0, 0.5][:n]))  # distinct, all positive
    xs = [torch.randn(1, 4, 5, 5) for _ in range(n)]
    return node, xs


def _expected(node, terms):
    s = sum(terms)
    return node.conv(s * torch.sigmoid(s))


@pytest.mark.parametrize("n", [2, 3])
def test_weighted_sum_stores_its_weights_in_the_official_order(n):
    """SGCPNet's vectors are (lateral, propagated) and (lateral, top-down, pooled); the node's inputs
    are (propagated, lateral) and (pooled, lateral, top-down)."""
    node, xs = _weighted(n)
    w = torch.relu(node.weight.detach())
    w = w / (w.sum() + 1e-4)
    if n == 2:
        lateral, propagated = xs[1], xs[0]
        terms = [w[0] * lateral, w[1] * propagated]
    else:
        pooled, lateral, top_down = xs
        terms = [w[0] * lateral, w[1] * top_down, w[2] * pooled]
    with torch.no_grad():
        torch.testing.assert_close(node(*xs), _expected(node, terms))


def test_weighted_sum_inputs_order_kwarg():
    node, xs = _weighted(3, weight_order="inputs")
    w = torch.tensor([3.0, 1.0, 0.5]) / (4.5 + 1e-4)
    with torch.no_grad():
        torch.testing.assert_close(node(*xs), _expected(node, [w[i] * xs[i] for i in range(3)]))
        official, _ = _weighted(3)
        official.load_state_dict({**node.state_dict(), "weight": node.weight[[1, 2, 0]]})
        torch.testing.assert_close(official(*xs), node(*xs))  # same function, weights permuted
    with pytest.raises(BlockError, match="weight_order"):
        get("fusion", "weighted_sum")(FeatureSpec(4, 8), FeatureSpec(4, 8), weight_order="reversed")


def test_weighted_sum_softmax_follows_the_same_order():
    node, xs = _weighted(2, norm="softmax")
    w = torch.softmax(node.weight.detach(), dim=0)
    with torch.no_grad():
        torch.testing.assert_close(node(*xs), _expected(node, [w[0] * xs[1], w[1] * xs[0]]))
