"""SegFormer (arXiv:2105.15203): the MiT backbone, efficient self-attention, Mix-FFN and the all-MLP decoder.

Golden numbers come from specs/segformer.md (measured on the official code NVlabs/SegFormer @ 65fa8cf),
read from arena/families/segformer.py where they are the variant's figures, never from our output:
- §7.2: inference parameters 3,719,027 (state dict 3,721,478 less conv_seg's 2,451); encoder 3,319,392,
  decoder 402,086 with conv_seg; per part: patch_embed1-4 4,800 / 18,624 / 92,640 / 369,408, block1-4
  159,232 / 236,544 / 837,120 / 1,600,000, linear_c4..c1 65,792 / 41,216 / 16,640 / 8,448, linear_fuse
  262,656, linear_pred 4,883; one stage-1 block: attn 69,856, mlp 9,632.
- §7.2: fvcore MACs (FVCORE_MACS, FVCORE_MATMUL_B0 in the family module).
- §2.0, §3.1-3.4: the function (an independent token-layout forward below reads the official names).
"""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.families.segformer import FVCORE_MACS, FVCORE_MATMUL_B0
from arena.networks import VARIANTS
from blocks.registry import FeatureSpec, get
from tests.helpers import fvcore_analysis, n_params, primary_macs, run_cli


@pytest.fixture(scope="module")
def b0():
    return arena.build("segformer_b0").eval()


# -- parameters ---------------------------------------------------------------------------------

def test_param_counts_and_split(b0):
    counts = b0.param_counts()
    assert counts["inference"] == counts["total"] == VARIANTS["segformer_b0"].expected_params == 3_721_478 - 2_451
    per = counts["per_node"]
    assert per["c1_c2_c3_c4"] == 3_319_392
    assert [per[f"linear_c{i}"] for i in (4, 3, 2, 1)] == [65_792, 41_216, 16_640, 8_448]
    assert per["logits"] == 262_656 + 4_883  # linear_fuse (conv without bias + BN) + linear_pred
    assert sum(per.values()) - per["c1_c2_c3_c4"] == 402_086 - 2_451  # the decoder without conv_seg


def test_backbone_parts(b0):
    mit = b0.nodes["c1_c2_c3_c4"]
    assert [n_params(getattr(mit, f"patch_embed{i}")) for i in (1, 2, 3, 4)] == [4_800, 18_624, 92_640, 369_408]
    assert [n_params(getattr(mit, f"block{i}")) for i in (1, 2, 3, 4)] == [159_232, 236_544, 837_120, 1_600_000]
    assert (n_params(mit.block1[0].attn), n_params(mit.block1[0].mlp)) == (69_856, 9_632)
    assert [n_params(getattr(mit, f"norm{i}")) for i in (1, 2, 3, 4)] == [64, 128, 320, 512]


@pytest.mark.slow
def test_b1_reference_params():
    with torch.device("meta"):
        net = arena.build("segformer_b1")
    assert net.param_counts()["inference"] == VARIANTS["segformer_b1"].expected_params == 13_682_131


# -- the official details a reimplementation gets wrong first (spec §9) ---------------------------

def test_layer_norm_eps_heads_sr_and_drop_path(b0):
    mit = b0.nodes["c1_c2_c3_c4"]
    blocks = [b for i in (1, 2, 3, 4) for b in getattr(mit, f"block{i}")]
    assert all(getattr(mit, f"patch_embed{i}").norm.eps == 1e-5 for i in (1, 2, 3, 4))
    assert all(getattr(mit, f"norm{i}").eps == 1e-6 for i in (1, 2, 3, 4))
    assert all(b.norm1.eps == b.norm2.eps == 1e-6 for b in blocks)
    assert [b.attn.norm.eps for b in blocks if b.sr > 1] == [1e-5] * 6
    assert [(b.attn.heads, b.sr) for b in blocks[::2]] == [(1, 8), (2, 4), (5, 2), (8, 1)]
    assert not hasattr(blocks[-1].attn, "sr")  # sr 1: no reduction conv, no norm
    assert [b.rate for b in blocks] == pytest.approx([0.1 * k / 7 for k in range(8)])  # linspace(0, 0.1, 8)
    embeds = [getattr(mit, f"patch_embed{i}").proj for i in (1, 2, 3, 4)]
    assert [(c.kernel_size[0], c.stride[0], c.padding[0]) for c in embeds] == [(7, 4, 3)] + [(3, 2, 1)] * 3


def test_decoder_wiring(b0):
    """Each level projected by one Linear (no BN, no act), upsampled AFTER the projection to c1's size,
    concatenated deepest first; linear_fuse = 1x1 conv (no bias) + BN + ReLU, Dropout2d(0.1), linear_pred."""
    assert [b0.node(f"up{i}").inputs for i in (4, 3, 2)] == [(f"linear_c{i}", "c1") for i in (4, 3, 2)]
    assert b0.node("fused").inputs == ("up4", "up3", "up2", "linear_c1")
    fuse, drop, pred = b0.nodes["logits"].body
    assert fuse[0].kernel_size == (1, 1) and fuse[0].bias is None and isinstance(fuse[2], torch.nn.ReLU)
    assert isinstance(drop, torch.nn.Dropout2d) and drop.p == 0.1 and pred.bias is not None
    assert b0.final_align_corners is False


def test_op_linear_is_a_linear_on_tokens():
    lin = get("op", "linear")(FeatureSpec(8, 4), out=5)
    x = torch.randn(2, 8, 3, 7)
    want = F.linear(x.flatten(2).transpose(1, 2), lin.proj.weight, lin.proj.bias)  # (B, N, out)
    torch.testing.assert_close(lin(x), want.transpose(1, 2).reshape(2, 5, 3, 7))


# -- the function: an independent token-layout forward on the official names (spec §2-§3) -----------

def _sra(sd, p, x, h, w, heads, sr):
    b, n, c = x.shape
    d = c // heads
    q = F.linear(x, sd[p + "q.weight"], sd[p + "q.bias"]).reshape(b, n, heads, d).transpose(1, 2)
    y = x
    if sr > 1:
        y = F.conv2d(x.transpose(1, 2).reshape(b, c, h, w), sd[p + "sr.weight"], sd[p + "sr.bias"], stride=sr)
        y = F.layer_norm(y.flatten(2).transpose(1, 2), (c,), sd[p + "norm.weight"], sd[p + "norm.bias"], 1e-5)
    kv = F.linear(y, sd[p + "kv.weight"], sd[p + "kv.bias"])
    k, v = kv[..., :c], kv[..., c:]  # K then V, each head-major
    k, v = (t.reshape(b, -1, heads, d).transpose(1, 2) for t in (k, v))
    a = torch.softmax(q @ k.transpose(-2, -1) / d ** 0.5, dim=-1)
    return F.linear((a @ v).transpose(1, 2).reshape(b, n, c), sd[p + "proj.weight"], sd[p + "proj.bias"])


def _mix_ffn(sd, p, x, h, w):
    b, n, _ = x.shape
    y = F.linear(x, sd[p + "fc1.weight"], sd[p + "fc1.bias"])
    hidden = y.shape[-1]
    y = F.conv2d(y.transpose(1, 2).reshape(b, hidden, h, w), sd[p + "dwconv.dwconv.weight"],
                 sd[p + "dwconv.dwconv.bias"], padding=1, groups=hidden)
    return F.linear(F.gelu(y.flatten(2).transpose(1, 2)), sd[p + "fc2.weight"], sd[p + "fc2.bias"])


def official_forward(sd, x, heads=(1, 2, 5, 8), srs=(8, 4, 2, 1)):
    ln = lambda t, p, eps: F.layer_norm(t, t.shape[-1:], sd[p + ".weight"], sd[p + ".bias"], eps)  # noqa: E731
    feats, t = [], x
    for i in range(4):
        p = f"backbone.patch_embed{i + 1}."
        y = F.conv2d(t, sd[p + "proj.weight"], sd[p + "proj.bias"], 4 if i == 0 else 2, 3 if i == 0 else 1)
        b, c, h, w = y.shape
        tok = ln(y.flatten(2).transpose(1, 2), p + "norm", 1e-5)  # (B, N, C)
        for j in range(2):
            p = f"backbone.block{i + 1}.{j}."
            tok = tok + _sra(sd, p + "attn.", ln(tok, p + "norm1", 1e-6), h, w, heads[i], srs[i])
            tok = tok + _mix_ffn(sd, p + "mlp.", ln(tok, p + "norm2", 1e-6), h, w)
        t = ln(tok, f"backbone.norm{i + 1}", 1e-6).transpose(1, 2).reshape(b, c, h, w)
        feats.append(t)
    size = feats[0].shape[-2:]
    levels = []
    for i in (4, 3, 2, 1):
        f, p = feats[i - 1], f"decode_head.linear_c{i}.proj."
        y = F.linear(f.flatten(2).transpose(1, 2), sd[p + "weight"], sd[p + "bias"]).transpose(1, 2)
        y = y.reshape(f.shape[0], -1, *f.shape[-2:])
        levels.append(F.interpolate(y, size=size, mode="bilinear", align_corners=False) if i > 1 else y)
    z = F.conv2d(torch.cat(levels, dim=1), sd["decode_head.linear_fuse.conv.weight"])
    p = "decode_head.linear_fuse.bn."
    z = F.relu(F.batch_norm(z, sd[p + "running_mean"], sd[p + "running_var"], sd[p + "weight"], sd[p + "bias"],
                            False, 0.0, 1e-5))
    z = F.conv2d(z, sd["decode_head.linear_pred.weight"], sd["decode_head.linear_pred.bias"])
    return F.interpolate(z, size=x.shape[-2:], mode="bilinear", align_corners=False)


@pytest.fixture(scope="module")
def official():
    """(arena net, its weights under the official names): random weights, LN and BN affine and BN statistics
    drawn too."""
    from tests.nets.test_official import as_official, randomised

    net = randomised("segformer_b0")
    return net, as_official(net, "segformer_b0")


def test_arena_computes_the_official_function(official):
    """An odd size (stage maps 18x34 -> 3x5; the reduction convs floor 18x34 / 8 to 2x4)."""
    net, sd = official
    x = torch.randn(1, 3, 72, 136)
    with torch.no_grad():
        ours, want = net(x), official_forward(sd, x)
        assert ours.shape == (1, 19, 72, 136)
        torch.testing.assert_close(ours, want, rtol=1e-4, atol=1e-4 * want.abs().max().item())
        sd_kv = dict(sd)  # interleaving k and v per head must show (spec: 2.9 % of the output)
        for key in [k for k in sd if k.endswith("attn.kv.weight")]:
            w = sd[key]
            c = w.shape[0] // 2
            sd_kv[key] = w.reshape(2, c, -1).transpose(0, 1).reshape(2 * c, -1)
        assert not torch.allclose(official_forward(sd_kv, x), want, rtol=1e-3, atol=1e-3)


def test_official_checkpoint_skips_conv_seg_and_imagenet_weights_load(official, tmp_path):
    """An mmcv checkpoint (`state_dict` + `meta`) loads, conv_seg skipped with its reason; an ImageNet
    `mit_b0.pth` (backbone keys without `backbone.`) loads with --pretrained once `head.*` is left out,
    and with it is refused in one line naming the classifier keys."""
    from arena.errors import ArenaError
    from arena.official import load_official
    from arena.train.pretrained import load_backbone

    net, sd = official
    fresh = arena.build("segformer_b0").eval()
    report = load_official(fresh, {"state_dict": sd, "meta": {"epoch": 160}})
    assert list(report["skipped"]) == ["decode_head.conv_seg.weight", "decode_head.conv_seg.bias"]
    assert "never called" in report["skipped"]["decode_head.conv_seg.weight"]
    imagenet = {k[len("backbone."):]: v for k, v in sd.items() if k.startswith("backbone.")}
    torch.save(imagenet | {"head.weight": torch.zeros(1000, 256), "head.bias": torch.zeros(1000)}, tmp_path / "a.pth")
    with pytest.raises(ArenaError) as e:
        load_backbone(arena.build("segformer_b0"), tmp_path / "a.pth")
    assert "2 keys match no backbone tensor (head.weight, head.bias)" in str(e.value) and "\n" not in str(e.value)
    torch.save(imagenet, tmp_path / "b.pth")
    other = arena.build("segformer_b0")
    assert load_backbone(other, tmp_path / "b.pth")["loaded"] == len(imagenet)
    mine = net.nodes["c1_c2_c3_c4"].state_dict()
    assert all(torch.equal(v, mine[k]) for k, v in other.nodes["c1_c2_c3_c4"].state_dict().items())


# -- MACs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("res", [(1024, 2048), pytest.param((512, 1024), marks=pytest.mark.slow),
                                 pytest.param((768, 1536), marks=pytest.mark.slow)])
def test_primary_counter_equals_the_official_fvcore_total(res):
    """The primary counter (meta tensors) sees the attention matmuls as fvcore does: the official totals."""
    assert primary_macs("segformer_b0", *res) == FVCORE_MACS["segformer_b0"][res]


@pytest.mark.slow
def test_fvcore_macs_512x1024_and_the_attention_matmuls():
    flops = fvcore_analysis(arena.build("segformer_b0").eval(), torch.randn(1, 3, 512, 1024))
    assert flops.total() == FVCORE_MACS["segformer_b0"][(512, 1024)]
    assert flops.by_operator()["matmul"] == FVCORE_MATMUL_B0[(512, 1024)]


@pytest.mark.slow
@pytest.mark.parametrize("res", [(512, 1024), (1024, 2048)])
def test_b1_primary_macs(res):
    assert primary_macs("segformer_b1", *res) == FVCORE_MACS["segformer_b1"][res]


# -- any resolution, swaps ----------------------------------------------------------------------

def test_runs_at_every_protocol_resolution():
    """No positional embedding: every size runs (720x960: stage maps 180x240 ... 23x30, keys 22x30)."""
    with torch.device("meta"):
        net = arena.build("segformer_b0").eval()
        for res in ((512, 1024), (1024, 2048), (720, 960)):
            net.check_resolution(*res)
            assert net(torch.empty(1, 3, *res)).shape == (1, 19, *res)


@pytest.mark.parametrize("swap", ["attention=gc", "attention=aff", "attention=sct", "attention=efficient_sa(ffn=False)",
                                  "upsampler=gai", "fusion=add", "head=dsconv"])
def test_swaps_reach_the_family_nodes(swap):
    with torch.device("meta"):
        net = arena.build(f"segformer_b0[{swap}]").eval()
        assert net(torch.empty(1, 3, 64, 128)).shape == (1, 19, 64, 128)
    role, block = swap.split("=", 1)
    if role == "attention":  # the block argument of backbone.mit: every MiT block of every stage
        mit = net.nodes["c1_c2_c3_c4"]
        blocks = [b for i in (1, 2, 3, 4) for b in getattr(mit, f"block{i}")]
        assert len(blocks) == 8 and all(b.block_name == block.split("(")[0] for b in blocks)
        if "ffn=False" in block:  # the swap's own keyword wins; the per-stage heads and sr still apply
            assert all(b.mlp is None for b in blocks) and [b.sr for b in blocks[::2]] == [8, 4, 2, 1]


# -- training -----------------------------------------------------------------------------------

def test_paper_schedule_puts_the_decode_head_at_ten_times_the_lr():
    """Official paramwise_cfg: `decode_head.*` at lr x10 = the four op.linear projections and the head."""
    from arena.train.schedules import PAPER
    from arena.train.setup import param_groups

    sched = PAPER["segformer"]
    assert (sched.lr, sched.weight_decay, sched.batch, sched.crop, sched.iters) == (6e-5, 0.01, 8, (1024, 1024), 160_000)
    assert (sched.power, sched.warmup_iters, sched.warmup_start) == (1.0, 1500, 1e-6)
    with torch.device("meta"):
        net = arena.build("segformer_b0")
    fast = {id(p) for g in param_groups(net, 0.01, False, sched.lr_mult) if g["lr_mult"] == 10.0 for p in g["params"]}
    decoder = {id(p) for n in ("linear_c4", "linear_c3", "linear_c2", "linear_c1", "logits")
               for p in net.nodes[n].parameters()}
    assert fast == decoder


@pytest.mark.slow
def test_demo_schedule_trains(tmp_path):
    r = run_cli("train", "segformer_b0", "--schedule", "demo", "--iters", 20, "--batch", 2, "--crop", "64x128",
                "--threads", 1, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert row["spec"] == "segformer_b0" and row["metrics"]["iterations"] == 20
    assert 0.0 < row["metrics"]["final_loss"] < 10.0  # finite: neither NaN nor diverged
