"""BN folding (`--fuse-bn`) is exact to float tolerance on every published variant, and counted."""
from __future__ import annotations

import pytest
import torch

import arena
from arena.measure.fuse import count_bn, fold_bn
from arena.networks import PUBLISHED


def randomise_bn(net):
    """Non-trivial statistics and affine terms, so that folding has something to get wrong."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.6 - 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=g) * 0.4 - 0.2)
    return net


@pytest.mark.parametrize("variant", PUBLISHED)
def test_folding_is_exact_on_every_published_variant(variant):
    # float64: folding is exact up to rounding, and float32 rounding grows past 1e-5 through SeaFormer's six
    # gated attention stages under random BN statistics (4e-5 relative; 2e-13 in float64)
    net = randomise_bn(arena.build(variant)).eval().double()
    folded, count = fold_bn(net)
    size = (128, 128) if variant.startswith("sgcpnet") else (64, 128)  # sgcpnet's output stride is 128
    x = torch.randn(1, 3, *size, dtype=torch.float64)
    with torch.no_grad():
        ref, out = net(x), folded(x)
    assert count > 0 and count_bn(folded) == count_bn(net) - count
    assert (out - ref).abs().max() <= 1e-10 * ref.abs().max()
    assert count_bn(net) > 0  # the original is untouched (a copy was folded)


def test_a_bn_that_follows_no_conv_is_kept():
    """SSAM's strip BNs follow a shared conv called twice: not a Sequential pair, so they stay."""
    net = arena.build("s2fpn18").eval()
    folded, _ = fold_bn(net)
    left = [name for name, m in folded.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert left and all(".bn_max" in n or ".bn_avg" in n for n in left)
