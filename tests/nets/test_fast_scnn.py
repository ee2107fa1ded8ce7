"""Fast-SCNN against specs/fast_scnn.md (paper variant measured there: §2.4, §6.3, §8)."""

import pytest
import torch

import arena
from arena.networks import VARIANTS
from tests.helpers import fvcore_analysis


@pytest.fixture(scope="module")
def net():
    return arena.build("fast_scnn")


def test_parameters_match_spec(net):
    counts = net.param_counts()
    assert counts["inference"] == VARIANTS["fast_scnn"].params            # spec §2.4 / §8
    assert counts["total"] == 1_194_473                # with the two auxiliary heads, spec §6.3
    kernels = sum(p.numel() for n, p in net.named_parameters() if p.dim() == 4 and ".aux" not in n)
    assert kernels == 1_114_096                        # conv kernels alone, spec §2.4


def test_per_module_parameters_match_spec(net):
    per = net.param_counts()["per_node"]
    assert per["x8"] == 6_640 and per["x32"] == 1_016_448 and per["ctx"] == 49_664     # spec §2.4
    assert per["fused"] == 26_496 and per["logits"] == 38_547


def test_shapes_at_full_resolution_match_spec_section_8():
    with torch.device("meta"):
        net = arena.build("fast_scnn").eval()
        x = torch.empty(1, 3, 1024, 2048)
        assert net(x).shape == (1, 19, 1024, 2048)
    env = {}
    hooks = [net.nodes[n].register_forward_hook(lambda m, i, o, n=n: env.__setitem__(n, o.shape))
             for n in ("x8", "ctx", "fused")]
    with torch.device("meta"):
        net(torch.empty(1, 3, 1024, 2048))
    for h in hooks:
        h.remove()
    assert env == {"x8": (1, 64, 128, 256), "ctx": (1, 128, 32, 64), "fused": (1, 128, 128, 256)}


@pytest.mark.slow
@pytest.mark.parametrize("res, gmacs", [((512, 1024), 1.777), ((1024, 2048), 7.106)])
def test_fvcore_macs_match_spec(net, res, gmacs):
    total = fvcore_analysis(net, torch.randn(1, 3, *res)).total()
    assert total / 1e9 == pytest.approx(gmacs, rel=0.02)   # spec §6.3 paper_ref fvcore total


def test_camvid_variant_has_11_classes():
    assert arena.build("fast_scnn_camvid").classes == 11
