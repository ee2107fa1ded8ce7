"""arena profile: closed-form MACs, the fvcore cross-check on every published variant, bad inputs."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import arena
from arena.measure import counters, cross_checks
from arena.measure.profile import ProfileError, profile
from arena.networks import MAC_TOLERANCE, PUBLISHED, VARIANTS


class _Net(nn.Module):
    """The smallest GraphNet look-alike: one node called `n`, no final resize."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.nodes = nn.ModuleDict({"n": module})

    def forward(self, *xs):
        return self.nodes["n"](*xs)


def _primary(module: nn.Module, *xs: torch.Tensor) -> int:
    result = counters.count_primary(_Net(module).eval().to("meta"), *[x.to("meta") for x in xs])
    assert result["wrapper"] == 0
    return result["per_node"]["n"]


class _MatMul(nn.Module):
    def forward(self, a, b):
        return a @ b


class _Resize(nn.Module):
    def forward(self, x):
        return F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)


def test_conv_closed_form():
    # out elements x (cin x k x k) multiply-adds each; the bias add is not a MAC
    assert _primary(nn.Conv2d(8, 16, 3, padding=1), torch.empty(1, 8, 32, 32)) == 16 * 32 * 32 * 8 * 9


def test_matmul_closed_form():
    assert _primary(_MatMul(), torch.empty(2, 64, 32), torch.empty(2, 32, 48)) == 2 * 64 * 32 * 48


def test_bilinear_closed_form():
    assert _primary(_Resize(), torch.empty(1, 4, 8, 8)) == 4 * (4 * 16 * 16)  # 4 taps per output element


def test_transposed_conv_closed_form():
    # every input pixel meets every weight once: in numel x cout x k x k (no stride^2 over-count)
    assert _primary(nn.ConvTranspose2d(8, 4, 2, stride=2), torch.empty(1, 8, 16, 16)) == 8 * 16 * 16 * 4 * 2 * 2


def test_nearest_pooling_and_bn_follow_the_table():
    x = torch.empty(1, 4, 8, 8)
    assert _primary(nn.Upsample(size=(16, 16), mode="nearest"), x) == 4 * 16 * 16
    assert _primary(nn.AdaptiveAvgPool2d(1), x) == 4 * 8 * 8
    assert _primary(nn.BatchNorm2d(4), x) == 2 * 4 * 8 * 8
    assert _primary(nn.MaxPool2d(2), x) == 0


def _conv_hook_macs(module: nn.Module, *xs: torch.Tensor) -> int:
    """What a module-hook counter (ptflops 'pytorch', thop) sees: Conv2d/Linear modules only."""
    total = 0

    def hook(m, inputs, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        module(*xs)
    for h in handles:
        h.remove()
    return total


@pytest.mark.parametrize("net_name, role, block", [("fanet18", "attention", "fast"), ("gain18", "upsampler", "gai")])
def test_primary_sees_attention_matmuls(net_name, role, block):
    p = profile(net_name, (256, 512))
    nodes = [n for n in p["nodes"] if n["role"] == role and n["block"] == block and n["aux"] is None]
    assert nodes, f"{net_name} has no {role}.{block} node"
    net = arena.build(net_name, device="meta").eval()
    x = torch.empty(1, 3, 256, 512, device="meta")
    inputs: dict[str, tuple] = {}
    hooks = [net.nodes[n["node"]].register_forward_pre_hook(lambda m, a, k=n["node"]: inputs.setdefault(k, a))
             for n in nodes]
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    for n in nodes:
        matmul = sum(v for op, v in n["ops"].items() if op in ("aten.bmm", "aten.mm", "aten.matmul",
                                                               "aten.addmm", "aten.baddbmm"))
        assert matmul > 0, f"{n['node']}: no matmul counted"
        hooked = _conv_hook_macs(net.nodes[n["node"]], *inputs[n["node"]])
        assert hooked < n["macs"] - matmul + 1  # a hook counter stops at the convs: it misses the matmuls


@pytest.mark.slow
@pytest.mark.parametrize("name", PUBLISHED)
def test_primary_within_2pct_of_fvcore(name):
    p = profile(name, (512, 1024))
    theirs = cross_checks.count_isolated("fvcore", name, 512, 1024)
    assert "error" not in theirs, theirs
    assert abs(p["macs"] - theirs["total"]) <= 0.02 * theirs["total"], (p["macs"], theirs["total"])


@pytest.mark.slow  # fvcore and ptflops each in a process of their own
def test_counters_are_isolated_and_agree_on_a_small_net():
    p = profile("fast_scnn", (256, 512), cross_check=True)
    assert p["macs_fvcore"] == p["macs"]  # same conventions, exactly
    assert p["macs_ptflops"] < p["macs"]  # aten backend: no BN, no interpolation ...
    up = next(n for n in p["nodes"] if n["role"] == "upsampler")
    assert "aten.upsample_bilinear2d" in up["missed"]["ptflops"]  # ... and says so, per node
    assert any(f.startswith("up:") for f in p["flags"])


def test_profile_fields_and_memory():
    p = profile("fast_scnn", (256, 512))
    assert p["params_inference"] == VARIANTS["fast_scnn"].params
    assert p["output_shape"] == [1, 19, 256, 512]
    assert sum(r["macs"] for r in p["by_role"].values()) == p["macs"]
    assert p["peak_activation_bytes"] >= 19 * 256 * 512 * 4  # at least the resized logits


def test_unknown_network():
    from arena.errors import ArenaError

    with pytest.raises(ArenaError, match="unknown network"):
        profile("fanet_nope", (512, 1024))


# The official codes' fvcore MACs at CamVid's 720x960 (specs/ddrnet.md §7.2, specs/pidnet.md §7), which is
# not a multiple of their output stride, plus arena's final resize of the logits: 4 MACs per output element.
SPEC_MACS_720x960 = {"ddrnet23_slim": 12_090_161_920 + 4 * 19 * 720 * 960,
                     "pidnet_s": 15_739_299_200 + 4 * 19 * 720 * 960}


@pytest.mark.parametrize("name", SPEC_MACS_720x960)
def test_sizes_off_the_output_stride_count_as_the_official_code(name):
    p = profile(name, (720, 960))
    assert p["output_shape"] == [1, 19, 720, 960]
    assert abs(p["macs"] - SPEC_MACS_720x960[name]) <= MAC_TOLERANCE * SPEC_MACS_720x960[name]


def test_per_node_shapes_at_720x960_are_the_real_ones():
    """sgcpnet's output stride is 128 and 720 is no multiple of it: the table shows what really runs."""
    p = profile("sgcpnet_camvid", (720, 960))
    net = arena.build("sgcpnet_camvid").eval()
    seen: dict[str, list] = {}

    def record(name):
        def hook(module, inputs, out):  # returns None: the output stays as it was
            seen[name] = [tuple(t.shape) for t in (out if isinstance(out, tuple) else (out,))]
        return hook

    hooks = [net.nodes[name].register_forward_hook(record(name)) for name in net.nodes]
    with torch.no_grad():
        assert net(torch.randn(1, 3, 720, 960)).shape == (1, 11, 720, 960)
    for h in hooks:
        h.remove()
    ran = {n["node"]: [tuple(s) for s in n["out_shapes"]] for n in p["nodes"] if n["node"] in seen}
    assert len(ran) == len(seen) and ran == seen
    assert any(s[-2:] == (23, 30) for v in seen.values() for s in v)  # 720 / 32 = 22.5: stride-2 convs round up


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sgcpnet_camvid", "gain18_camvid", "pidnet_s", "bisenetv2"])
def test_primary_matches_fvcore_at_720x960_node_by_node(name):
    p = profile(name, (720, 960))
    theirs = cross_checks.count_isolated("fvcore", name, 720, 960)
    assert "error" not in theirs, theirs
    assert abs(p["macs"] - theirs["total"]) <= MAC_TOLERANCE * theirs["total"], (p["macs"], theirs["total"])
    for n in p["nodes"]:
        if n["macs"] is not None and n["node"] != "(wrapper)":
            assert abs(theirs["per_node"].get(n["node"], 0) - n["macs"]) <= MAC_TOLERANCE * max(n["macs"], 1), n["node"]


def test_a_block_that_needs_a_multiple_is_named_with_it():
    """space_to_depth(pad=False) unshuffles 8x8 patches: the one kind of size a block cannot run at."""
    with pytest.raises(ProfileError) as e:
        profile("fast_scnn[downsampler=space_to_depth(pad=False)]", (97, 131))
    assert ("node x8 (downsampler.space_to_depth) fails on its 97x131 input; it needs sizes that are multiples "
            "of 8 on both sides: use e.g. 96x128") in str(e.value)
    assert profile("fast_scnn[downsampler=space_to_depth(pad=False)]", (96, 128))["macs"] > 0


def test_absurd_size_refused_with_estimate():
    with pytest.raises(ProfileError, match=r"estimated .*GiB"):
        profile("fast_scnn", (65536, 131072))


def test_cli_profile_json_and_help_is_light(tmp_path):
    from typer.testing import CliRunner

    from arena.cli import app

    result = CliRunner().invoke(app, ["profile", "fast_scnn", "--res", "256x512", "--json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert '"kind": "profile"' in result.output
    assert (tmp_path / "profile.jsonl").exists()
    bad = CliRunner().invoke(app, ["profile", "fast_scnn[downsampler=space_to_depth(pad=False)]", "--res", "250x512"])
    assert bad.exit_code == 2 and "multiples of 8 on both sides: use e.g. 248x512" in bad.output
    code = "import sys; from arena.cli import app; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_profile_table_names_the_hybrid(tmp_path):
    """A canonical name's brackets are text, not rich markup: the table must say which hybrid it is."""
    from typer.testing import CliRunner

    from arena.cli import app

    result = CliRunner().invoke(app, ["profile", "fast_scnn[upsampler=nearest]", "--res", "256x512",
                                      "--by-node", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "fast_scnn[upsampler=nearest] @ 256x512" in " ".join(result.output.split())
    assert "fast_scnn[upsampler=nearest] by node" in " ".join(result.output.split())
