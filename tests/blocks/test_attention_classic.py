"""The seven classic attention blocks against specs/attention.md: parameter counts equal the spec's
measured table (§9.2), state-dict keys map onto the official keys in order (§3-§8), and with our
tensors loaded by order into an independent functional reference of the official forward (written
here from the spec's step tables, plain torch ops), the outputs agree (rel 1e-5) on random input
with random BN statistics. No official code is available here: the reference is the spec."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from blocks.registry import BlockError, FeatureSpec, get

# specs/attention.md §9.2 (measured on the official modules), C = 64, 128, 256
PARAMS = {
    ("eca", ()): (3, 3, 3),
    ("eca", (("k_size", "adaptive"),)): (3, 5, 5),
    ("coord", ()): (1688, 3352, 6680),
    ("cbam", ()): (680, 2284, 8564),
    ("cbam", (("spatial", False),)): (580, 2184, 8464),
    ("cca", ()): (5201, 20641, 82241),
    ("pam", ()): (5201, 20641, 82241),
    ("cam", ()): (1, 1, 1),
    ("gc", ()): (653, 2329, 8753),
    ("gc", (("fusion", "mul"),)): (653, 2329, 8753),
    ("gc", (("reduction", 4),)): (2225, 8545, 33473),
}


@pytest.mark.parametrize("name,kw", list(PARAMS), ids=[f"{n}{dict(k)}" for n, k in PARAMS])
@pytest.mark.parametrize("i,c", list(enumerate((64, 128, 256))))
def test_parameters_equal_the_spec_table(name, kw, i, c):
    block = get("attention", name)(FeatureSpec(c, 8), **dict(kw))
    assert sum(p.numel() for p in block.parameters()) == PARAMS[(name, kw)][i]


def _bn(x, sd, p, eps=1e-5):
    return F.batch_norm(x, sd[p + "running_mean"], sd[p + "running_var"], sd[p + "weight"], sd[p + "bias"],
                        False, 0.0, eps)


def ref_eca(x, sd):
    y = x.mean((2, 3))[:, None, :]  # (B, 1, C)
    k = sd["conv.weight"].shape[-1]
    y = F.conv1d(y, sd["conv.weight"], padding=(k - 1) // 2)[:, 0]  # (B, C)
    return x * torch.sigmoid(y)[:, :, None, None]


def ref_coord(x, sd):
    h = x.shape[2]
    y = torch.cat([x.mean(3), x.mean(2)], dim=2)[..., None]  # (B, C, H + W, 1)
    y = _bn(F.conv2d(y, sd["conv1.weight"], sd["conv1.bias"]), sd, "bn1.")
    y = y * torch.clamp(y + 3, 0, 6) / 6
    a_h = torch.sigmoid(F.conv2d(y[:, :, :h], sd["conv_h.weight"], sd["conv_h.bias"]))  # (B, C, H, 1)
    a_w = torch.sigmoid(F.conv2d(y[:, :, h:], sd["conv_w.weight"], sd["conv_w.bias"]))  # (B, C, W, 1)
    return x * a_h * a_w.transpose(2, 3)


def ref_cbam(x, sd):
    def mlp(v):
        return F.linear(F.relu(F.linear(v, sd["ChannelGate.mlp.1.weight"], sd["ChannelGate.mlp.1.bias"])),
                        sd["ChannelGate.mlp.3.weight"], sd["ChannelGate.mlp.3.bias"])
    att = mlp(x.mean((2, 3))) + mlp(x.amax((2, 3)))
    x = x * torch.sigmoid(att)[:, :, None, None]
    pooled = torch.stack([x.amax(1), x.mean(1)], dim=1)  # [max; mean]
    s = _bn(F.conv2d(pooled, sd["SpatialGate.spatial.conv.weight"], padding=3), sd, "SpatialGate.spatial.bn.")
    return x * torch.sigmoid(s)


def _qkv(x, sd):
    return [F.conv2d(x, sd[f"{n}_conv.weight"], sd[f"{n}_conv.bias"]) for n in ("query", "key", "value")]


def ref_cca(x, sd, recurrence=2):
    """Brute force: each pixel attends its H + W - 1 distinct criss-cross positions (itself once)."""
    for _ in range(recurrence):
        q, k, v = _qkv(x, sd)
        out = torch.zeros_like(x)
        _, _, h, w = x.shape
        for i in range(h):
            for j in range(w):
                pos = [(r, j) for r in range(h) if r != i] + [(i, c) for c in range(w)]
                keys = torch.stack([k[:, :, r, c] for r, c in pos], dim=2)  # (B, c', P)
                vals = torch.stack([v[:, :, r, c] for r, c in pos], dim=2)  # (B, C, P)
                a = torch.softmax((q[:, :, i, j, None] * keys).sum(1), dim=1)  # (B, P)
                out[:, :, i, j] = (vals * a[:, None]).sum(2)
        x = sd["gamma"] * out + x
    return x


def ref_pam(x, sd):
    q, k, v = (t.flatten(2) for t in _qkv(x, sd))
    a = torch.softmax(torch.einsum("bcn,bcm->bnm", q, k), dim=2)  # (B, query, key)
    return sd["gamma"] * torch.einsum("bcm,bnm->bcn", v, a).reshape(x.shape) + x


def ref_cam(x, sd):
    a = x.flatten(2)
    e = torch.einsum("bcn,bdn->bcd", a, a)
    att = torch.softmax(e.amax(2, keepdim=True) - e, dim=2)
    return sd["gamma"] * torch.einsum("bcd,bdn->bcn", att, a).reshape(x.shape) + x


def ref_gc(x, sd, branch="channel_add_conv"):
    w = torch.softmax(F.conv2d(x, sd["conv_mask.weight"], sd["conv_mask.bias"]).flatten(1), dim=1)  # (B, n)
    ctx = (x.flatten(2) * w[:, None]).sum(2)[:, :, None, None]  # (B, C, 1, 1)
    p = sd[f"{branch}.0.weight"].shape[0]
    t = F.conv2d(ctx, sd[f"{branch}.0.weight"], sd[f"{branch}.0.bias"])
    t = F.relu(F.layer_norm(t, [p, 1, 1], sd[f"{branch}.1.weight"], sd[f"{branch}.1.bias"]))
    t = F.conv2d(t, sd[f"{branch}.3.weight"], sd[f"{branch}.3.bias"])
    return x * torch.sigmoid(t) if "mul" in branch else x + t


BN5 = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
QKV = ["gamma"] + [f"{n}_conv.{p}" for n in ("query", "key", "value") for p in ("weight", "bias")]
GC = ["conv_mask.weight", "conv_mask.bias"] + [f"channel_add_conv.{i}.{p}" for i in (0, 1, 3) for p in ("weight", "bias")]
# (official state-dict keys in order, specs/attention.md §3.3-§8.2; reference forward)
OFFICIAL = {
    "eca": (["conv.weight"], ref_eca),
    "coord": (["conv1.weight", "conv1.bias"] + [f"bn1.{p}" for p in BN5]
              + ["conv_h.weight", "conv_h.bias", "conv_w.weight", "conv_w.bias"], ref_coord),
    "cbam": ([f"ChannelGate.mlp.{i}.{p}" for i in (1, 3) for p in ("weight", "bias")]
             + ["SpatialGate.spatial.conv.weight"] + [f"SpatialGate.spatial.bn.{p}" for p in BN5], ref_cbam),
    "cca": (QKV, ref_cca),
    "pam": (QKV, ref_pam),
    "cam": (["gamma"], ref_cam),
    "gc": (GC, ref_gc),
}


def _randomised(block):
    """Every tensor random (BN statistics included, variances positive): gamma = 0 and zero-init convs would
    hide a wrong branch."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in block.state_dict().items():
            if t.dtype.is_floating_point:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5 if name.endswith("running_var")
                        else torch.randn(t.shape, generator=g) * 0.5)
    return block.eval()


@pytest.mark.parametrize("name", list(OFFICIAL))
@pytest.mark.parametrize("c", (64, 128))
def test_official_state_dict_by_order_gives_the_reference_output(name, c):
    keys, reference = OFFICIAL[name]
    block = _randomised(get("attention", name)(FeatureSpec(c, 8)))
    ours = block.state_dict()
    assert len(ours) == len(keys)
    official = dict(zip(keys, ours.values()))  # loaded by order, as an official state dict would be
    x = torch.randn(2, c, 5, 6, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(block(x), reference(x, official), rtol=1e-5, atol=1e-5 * x.abs().max().item())


def test_gc_mul_branch_runs_before_add_but_add_is_created_first():
    block = get("attention", "gc")(FeatureSpec(32, 8), fusion="add+mul")
    assert [k.split(".")[0] for k in block.state_dict()][2:] == ["channel_add_conv"] * 6 + ["channel_mul_conv"] * 6
    _randomised(block)
    sd = block.state_dict()
    ctx_and_mul = {k: v for k, v in sd.items() if "add" not in k}
    x = torch.randn(1, 32, 4, 5)
    y_mul = ref_gc(x, ctx_and_mul, "channel_mul_conv")  # x * sigmoid(mul transform(context of x))
    # the mul branch scales x, the add branch adds a context term computed from the input x (not from x * gate)
    with torch.no_grad():
        add_term = ref_gc(x, sd) - x
        torch.testing.assert_close(block(x), y_mul + add_term)


def test_official_defaults_and_paper_forms():
    """§12: ECA k = 3 at any C; CAM max-minus energy; CBAM [max; mean] + BN; CCA R = 2; gamma first and zero."""
    assert get("attention", "eca")(FeatureSpec(2048, 8)).conv.kernel_size == (3,)
    assert get("attention", "eca")(FeatureSpec(2048, 8), k_size="adaptive").conv.kernel_size == (7,)
    cam = get("attention", "cam")(FeatureSpec(8, 8))
    assert cam.energy == "max_minus"
    with torch.no_grad():
        cam.gamma.fill_(1.0)
        x = torch.randn(1, 8, 4, 4)
        a = x.flatten(2)
        e = a @ a.transpose(1, 2)
        paper = get("attention", "cam")(FeatureSpec(8, 8), energy="paper")
        paper.gamma.fill_(1.0)
        torch.testing.assert_close(paper(x), (torch.softmax(e, -1) @ a).reshape(x.shape) + x)
        torch.testing.assert_close(cam(x), (torch.softmax(-e, -1) @ a).reshape(x.shape) + x, rtol=1e-4, atol=1e-4)
    cbam = get("attention", "cbam")(FeatureSpec(64, 8))
    assert cbam.spatial_gate.bn.momentum == 0.01 and cbam.spatial_gate.conv.bias is None
    assert cbam.spatial_gate.bn.weight.item() == 0.0  # the official ResidualNet init
    assert get("attention", "cca")(FeatureSpec(64, 8)).recurrence == 2
    for name in ("cca", "pam", "cam"):
        block = get("attention", name)(FeatureSpec(64, 8))
        assert next(iter(block.state_dict())) == "gamma" and block.gamma.item() == 0.0
        x = torch.randn(1, 64, 5, 5)
        torch.testing.assert_close(block(x), x)  # the identity at init
    gc = get("attention", "gc")(FeatureSpec(64, 8))
    x = torch.randn(1, 64, 5, 5)
    torch.testing.assert_close(gc(x), x)  # the last conv starts at zero


def test_bad_arguments_are_one_line_block_errors():
    for name, kw, words in (("eca", {"k_size": 4}, "odd"), ("cbam", {"pools": "avg,mode"}, "pools"),
                            ("cam", {"energy": "softmax"}, "max_minus"), ("gc", {"fusion": "cat"}, "fusion")):
        with pytest.raises(BlockError, match=words) as e:
            get("attention", name)(FeatureSpec(64, 8), **kw)
        assert "\n" not in str(e.value) and f"attention.{name}" in str(e.value)
