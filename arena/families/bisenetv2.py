"""BiSeNetV2: "Bilateral Network with Guided Aggregation for Real-time Semantic Segmentation", Yu et al.,
arXiv:2004.02147.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("bisenetv2",
                "BiSeNet V2: Bilateral Network with Guided Aggregation for Real-time Semantic Segmentation", "2004.02147",
                "CoinCheung/BiSeNet", "bisenetv2",  # the reference code: the authors released none
                "docs/networks.md#bisenetv2", order=9, short="BiSeNetV2",
                summary="detail and semantic branches, guided aggregation, four boosters (training)",
                final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("bisenetv2", "bisenetv2", 3_358_627, (24.747, 98.988), backbone="Detail + Semantic branches",
            key_table="bisenetv2", source="CoinCheung/BiSeNet @ `6b4b67a` (reference; no authors' code)", notes="[i]"),
    Variant("bisenetv2_camvid", "bisenetv2", backbone="Detail + Semantic branches", key_table="bisenetv2",
            source="not measured (the reference needs sizes divisible by 32; 720×960 is not)"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=150_000, batch=16, crop=(512, 1024), lr=0.05, weight_decay=5e-4,
                 warmup=1000 / 150_000, warmup_start=0.1, ohem=0.7, ohem_min_kept=16 * 512 * 1024 // 16,
                 scale=(0.25, 2.0), eval_every=15_000, ckpt_every=15_000, log_every=50,
                 source="BiSeNetV2 paper's from-scratch recipe as the reference's 2020 train.py: lr 5e-2 "
                        "for all, 1 K warm-up (linear here, exponential there), OHEM on main and "
                        "boosters. The reference's current recipe (lr 5e-3, heads x10) assumes its "
                        "ImageNet branches (docs/networks.md#bisenetv2)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_BISE_TIMING = "TensorRT fp32, 2048x1024 image fed at 1024x512 (inference resolution), prediction upsampled"

PUBLISHED = (
    # BiSeNetV2 (docs/networks.md#bisenetv2; specs/bisenetv2.md §6): from scratch in the paper. Its 21.15
    # "GFLOPs" behave like MACs at the 512x1024 input and assume a narrower head than the reference code.
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "cityscapes", "test", 72.6, 156.0,
              "GTX 1080 Ti", "TensorRT", "512x1024", None, 21.15, "GFLOPs",
              "abstract (arXiv:2004.02147); GFLOPs: the paper's ablation as quoted in CoinCheung/BiSeNet#177",
              headline=True, note=_BISE_TIMING + "; the reference code's default costs 24.75 GMACs (head 1024 wide)"),
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "cityscapes", "val", 73.4, None, None, None,
              "512x1024", None, None, None, "paper, as quoted in mmsegmentation PR #804 (73.36 with OHEM)",
              note="from scratch"),
    Published("bisenetv2", "BiSeNetV2 (reference code)", "Detail + Semantic branches", "cityscapes", "val", 74.95,
              103.0, "A40", "TensorRT 10.3 fp32", "1024x2048", None, None, None, "CoinCheung/BiSeNet README",
              note="ImageNet-pretrained branches (not the paper's from-scratch recipe); fp16 161 FPS"),
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "camvid", "test", 72.4, 124.5, "GTX 1080 Ti",
              "TensorRT", "720x960", None, None, None, "paper Table 8, recalled (specs/bisenetv2.md §6.1)",
              headline=True, note="unverified: from a secondary note of the paper; from scratch"),
)

# -- the official key table ------------------------------------------------------------
# BiSeNetV2's key table: reference `CoinCheung/BiSeNet` module paths -> bisenetv2.arena nodes.

GE_STAGES = (("S3", 0), ("S4", 1), ("S5_4", 2))  # segment.S3/S4/S5_4 -> backbone.ge stages
CBR = (("conv", "0"), ("bn", "1"))  # the reference ConvBNReLU (conv, bn) -> blocks.layers.ConvBNAct
BOOSTER = (("conv.conv", "conv.0"), ("conv.bn", "conv.1"), ("conv_out.0.1.conv", "conv2.0"),
           ("conv_out.0.1.bn", "conv2.1"), ("conv_out.1", "cls"))


def bisenetv2() -> KeyTable:
    rules = parts(r"detail\.(S\d)\.(\d)", r"nodes.d8.\1.\2", CBR)
    rules += parts(r"segment\.S1S2", "nodes.s4", (("conv.conv", "conv.0"), ("conv.bn", "conv.1"),
                                                   ("fuse.conv", "fuse.0"), ("fuse.bn", "fuse.1")))
    rules += parts(r"segment\.S1S2\.left\.(\d)", r"nodes.s4.left.\1", CBR)
    for official, stage in GE_STAGES:  # inside a GE layer the names are the reference's, but conv1's CBR
        layer = rf"segment\.{official}\.(\d)"
        rules += parts(rf"{layer}\.conv1", rf"nodes.s8_s16_s32.stages.{stage}.\1.conv1", CBR)
        rules.append((layer, rf"nodes.s8_s16_s32.stages.{stage}.\1"))
    rules += [(r"segment\.S5_5\.bn", "nodes.ctx.pool_bn")]
    rules += parts(r"segment\.S5_5", "nodes.ctx", (("conv_gap.conv", "glob.0"), ("conv_gap.bn", "glob.1"),
                                                    ("conv_last.conv", "fuse.0"), ("conv_last.bn", "fuse.1")))
    rules.append((r"bga", "nodes.fused"))  # same sub-module names (left1, left2, right1, right2, conv)
    rules += parts(r"head", "nodes.logits", (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"),
                                             ("conv_out.1", "body.2")))
    for i, official in enumerate(("aux2", "aux3", "aux4", "aux5_4"), 1):  # the boosters on s4, s8, s16, s32
        rules += parts(official, f"nodes.aux{i}", BOOSTER)
    return KeyTable("BiSeNetV2", "CoinCheung/BiSeNet BiSeNetV2 (lib/models/bisenetv2.py), the reference code",
                    tuple(rules), ())


KEY_TABLES = {"bisenetv2": bisenetv2}
