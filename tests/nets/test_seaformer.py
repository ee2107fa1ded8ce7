"""SeaFormer (arXiv:2301.13156): seaformer_s/_b and their blocks (tpm, sea_layers, attention.sea, fusion.sea,
head.light).

Golden numbers come from specs/seaformer.md (measured on the official code fudan-zvg/SeaFormer), read from
arena/families/seaformer.py or quoted from the spec here, never from our output:
- §2.1, §7.2: inference parameters (the family module), 590 / 722 state-dict entries, the per-part split;
  fvcore MACs (the family module's FVCORE_MACS).
- §2.10, §3.2: any input size runs; the positional tables are linearly interpolated (align_corners=False).
- §3.3, §9: the fusion's hard-sigmoid gate before its upsampling; ReLU in the trunk, ReLU6 in the layers;
  the attention's three output BNs start at 0; per-stage DropPath linspace(0, 0.1, n).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.families.seaformer import FVCORE_MACS
from arena.networks import VARIANTS
from blocks.registry import FeatureSpec, get
from tests.helpers import fvcore_total, primary_macs, randomise_bn, rel

S, B = "seaformer_s", "seaformer_b"


def meta(variant: str):
    with torch.device("meta"):
        return arena.build(variant)


@pytest.mark.parametrize("variant, entries, parts", [
    # smb1-smb4, trans1, smb5, trans2, fuse1, fuse2, linear_fuse + conv_seg (§2.1)
    (S, 590, (8_808 + 25_464 + 82_032 + 109_760, 1_039_296, 350_784, 2_296_512, 20_352, 37_376, 384 + 2_451)),
    (B, 722, (12_352 + 42_400 + 143_168 + 179_072, 2_183_680, 531_584, 5_393_408, 33_280, 62_080, 480 + 3_059)),
])
def test_param_counts_and_split(variant, entries, parts):
    net = meta(variant)
    counts = net.param_counts()
    assert counts["inference"] == counts["total"] == VARIANTS[variant].params
    assert len(net.state_dict()) == entries
    per = counts["per_node"]
    per = {**per, "x8_x32": per["x2"] + per["x8_x32"]}  # the stem is its own node
    assert tuple(per[n] for n in ("x8_x32", "trans1", "smb5", "trans2", "fuse1", "fuse2", "logits")) == parts


@pytest.mark.parametrize("variant, i", [(S, 1)] + [pytest.param(v, i, marks=pytest.mark.slow)
                                                   for v, i in ((S, 0), (B, 0), (B, 1))])
def test_primary_macs_within_two_percent_of_the_official_fvcore_count(variant, i):
    (h, w), official = ((512, 1024), (1024, 2048))[i], FVCORE_MACS[variant][i]
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
@pytest.mark.parametrize("variant", [S, B])
def test_fvcore_macs_equal_the_official_count(variant):
    assert fvcore_total(variant, 512, 1024) == FVCORE_MACS[variant][0]


def _out(variant: str, h: int, w: int) -> tuple[int, ...]:
    net = meta(variant).eval()
    return tuple(net(torch.empty(1, 3, h, w, device="meta")).shape)


OTHER_SIZES = ((S, 512, 1024), (S, 1024, 2048), (B, 512, 1024), (B, 1024, 2048), (B, 720, 960))


@pytest.mark.parametrize("variant, h, w",
                         [(S, 720, 960)] + [pytest.param(*c, marks=pytest.mark.slow) for c in OTHER_SIZES])
def test_any_resolution(variant, h, w):
    """§2.10: the axial tables follow each stage's size (s64 at 720x960 is 12x15, not 16x16)."""
    assert _out(variant, h, w) == (1, 19, h, w)


def test_positional_tables_follow_the_official_resize_rule():
    """§3.2: the (1, nq, 16) table linearly interpolated to n, align_corners=False, added to the squeeze."""
    torch.manual_seed(0)
    attn = get("attention", "sea")(FeatureSpec(8, 32), key_dim=4, heads=2)
    q = torch.randn(1, 8, 12)
    table = attn.pos_emb_rowq.pos_embed
    want = q + F.interpolate(table, size=12, mode="linear", align_corners=False)
    assert table.shape == (1, 8, 16) and torch.equal(attn.pos_emb_rowq(q), want)
    assert torch.equal(attn.pos_emb_rowq(torch.zeros(1, 8, 16)), table.detach().expand(1, 8, 16))


def test_fusion_gates_before_upsampling():
    """§3.3: out = BN(W_l x_l) * up(hsigmoid(BN(W_g x_g))); no global-embedding term."""
    torch.manual_seed(0)
    fuse = randomise_bn(get("fusion", "sea")(FeatureSpec(6, 8), FeatureSpec(5, 32), out=4))
    assert [n for n, _ in fuse.named_children()][:2] == ["local_embedding", "global_act"]
    assert not hasattr(fuse, "global_embedding")
    xl, g = torch.randn(1, 6, 12, 20), 10 * torch.randn(1, 5, 3, 5)  # gates beyond the linear part
    up = lambda t: F.interpolate(t, size=(12, 20), mode="bilinear", align_corners=False)  # noqa: E731
    with torch.no_grad():
        want = fuse.local_embedding(xl) * up(F.relu6(fuse.global_act(g) + 3) / 6)
        assert torch.allclose(fuse(xl, g), want, atol=1e-6)
        assert not torch.allclose(fuse(xl, g), fuse.local_embedding(xl) * F.relu6(up(fuse.global_act(g)) + 3) / 6,
                                  atol=1e-4)


def test_activations_init_and_drop_path_schedule():
    net = arena.build(S)
    trunk_acts = {type(m).__name__ for m in net.nodes["x8_x32"].modules() if "ReLU" in type(m).__name__}
    assert trunk_acts == {"ReLU"}
    block = net.nodes["trans1"].transformer_blocks[0]
    assert isinstance(block.attn.act, torch.nn.ReLU6) and isinstance(block.mlp.act, torch.nn.ReLU6)
    for name in ("proj", "proj_encode_row", "proj_encode_column"):
        assert (getattr(block.attn, name)[1][1].weight == 0).all()
    assert [b.attn.rate for b in net.nodes["trans2"].transformer_blocks] == [0.0, 0.05, 0.1]
    assert [b.rate for b in net.nodes["trans2"].transformer_blocks] == [0.0, 0.05, 0.1]
    head = net.nodes["logits"]
    assert [n for n, _ in head.named_children()][:2] == ["conv_seg", "linear_fuse"]
    assert head.linear_fuse[0].groups == 128  # depthwise 1x1 (official is_dw=True)


def test_swapped_mixer_reaches_the_sea_layers():
    with torch.device("meta"):
        net = arena.build("seaformer_s[attention=gc]")
    assert type(net.nodes["trans1"].transformer_blocks[0].attn).block_name == "gc"


def test_paper_schedule_is_the_official_config():
    """§5.1 (f): AdamW lr 3e-4, wd 0.01, every decode_head parameter
    (the two fusions too) lr x 10, poly 1.0 after 1500 warm-up iterations from 1e-6, 160k, batch 8, 1024x1024."""
    from arena.families.seaformer import PAPER

    assert (PAPER.lr, PAPER.weight_decay, PAPER.power, PAPER.warmup_iters, PAPER.warmup_start) == (3e-4, 0.01, 1.0,
                                                                                                   1500, 1e-6)
    assert (PAPER.iters, PAPER.batch, PAPER.crop) == (160_000, 8, (1024, 1024))
    assert dict(PAPER.lr_mult) == {"head": 10.0, "fusion.sea": 10.0} and "AdamW" in PAPER.source
