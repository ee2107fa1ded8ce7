"""GAIN: "Cross-Layer Attentive Feature Upsampling for Low-latency Semantic Segmentation", arXiv:2601.01167.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import RESNET_BLOCK, KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("gain", "Cross-Layer Attentive Feature Upsampling for Low-latency Semantic Segmentation",
                "2601.01167", "hustvl/simpleseg", "gain18", "docs/networks.md#gain", order=5, short="GAIN",
                summary="deep-stem ResNet-18 with its head, or DFNetV2 with the light head; two GAI upsamplers",
                final_align_corners=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("gain18", "gain", 11_955_317, (38.88, 157.35), backbone="ResNet-18, deep stem", key_table="gain18",
            source="hustvl/simpleseg @ `26ebda6`, `ResCLANet`"),
    Variant("gain18_camvid", "gain", backbone="ResNet-18, deep stem", key_table="gain18", source="not measured"),
    Variant("gain_df2", "gain", 18_063_061, (22.00, 89.83), backbone="DFNetV2", key_table="gain_df2",
            source="hustvl/simpleseg @ `26ebda6`, `DFCLANet`"),
    Variant("gain_df2_camvid", "gain", backbone="DFNetV2", key_table="gain_df2", source="not measured"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=80_000, batch=16, crop=(1024, 1024), lr=0.01, weight_decay=1e-4,
                 decay_norms_and_biases=True, warmup=0.0, ohem=0.7, ohem_min_kept=100_000, scale=(0.5, 2.0),
                 eval_every=8000, ckpt_every=8000, log_every=50,
                 source="GAIN official configs (docs/networks.md#gain)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_GAIN = "abstract (arXiv:2601.01167)"

PUBLISHED = (
    # GAIN (docs/networks.md#gain; specs/gain.md §6): the abstract does not name the backbone (R18 most
    # likely); resolutions "presumably" full size; params, FLOPs and per-backbone rows unknown.
    Published("gain18", "GAIN", "ResNet-18 (assumed)", "cityscapes", "val", 78.8, 22.3, "GTX 1080Ti", None, None,
              None, None, None, _GAIN, headline=True,
              note="backbone not stated in the abstract (ResNet-18 most likely); presumably 1024x2048"),
    Published("gain18", "GAIN", "ResNet-18 (assumed)", "camvid", "test", 80.6, 64.5, "GTX 1080Ti", None, None,
              None, None, None, _GAIN, headline=True,
              note="backbone not stated in the abstract; presumably 720x960"),
    Published("gain_df2", "GAIN-DF2", "DFNetV2", "cityscapes", None, None, None, None, None, None, None, None, None,
              "paper (per-backbone rows not retrievable)", headline=True,
              note="the paper's DF2 figures are unknown; the abstract's numbers are attributed to gain18"),
)

# -- the official key tables ------------------------------------------------------------
# GAIN's key tables: official `hustvl/simpleseg` ResCLANet / DFCLANet module paths -> gain*.arena nodes.

# -- GAIN: hustvl/simpleseg ResCLANet (CLAHead) and DFCLANet (CLALightHead) ----------------------

GAI = (("attention.gamma", "gamma"), ("attention.query_conv", "q"), ("attention.key_conv", "k"),
       ("attention.value_conv", "v"), ("conv1", "guide_conv"), ("conv2", "value_init"),
       ("bottleneck", "bottleneck"))
AUX = (("layers.0", "body.0.0"), ("layers.1", "body.0.1"), ("layers.4", "body.2"))
DFNET_REPEATS = (2, 1, 10, 1, 4, 2)  # DFNetV2 stage2_1, stage2_2, stage3_1, ... (specs/gain.md §3.2)


def _gain_head(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """fpn_in laterals, GAP context, the two GAIs (0: p4 onto p3, 1: p5 onto p3) and the dsn heads."""
    rules = [(rf"seg_head\.fpn_in\.{i}", f"nodes.{p}.body") for i, p in enumerate(levels)]
    rules += [(r"seg_head\.ppm\.conv1", "nodes.ctx.glob"), (r"seg_head\.ppm\.conv2", "nodes.ctx.fuse")]
    for i, node in enumerate(("g4", "g5")):
        rules += parts(rf"seg_head\.cross_layer_attentions\.{i}", f"nodes.{node}", GAI)
    for i, node in enumerate(("aux1", "aux2")):  # dsn[i] reads the head's out_features[1:][i]: p4', p5'
        rules += parts(rf"dsn\.{i}", f"nodes.{node}", AUX)
    return rules


def gain18() -> KeyTable:
    rules = parts(r"backbone", "nodes.x4", (("conv1.0", "convs.0.0"), ("conv1.1", "convs.0.1"),
                                             ("conv1.3", "convs.1.0"), ("conv1.4", "convs.1.1"),
                                             ("conv1.6", "convs.2.0"), ("bn1", "convs.2.1")))
    rules += parts(r"backbone\.layer(\d)\.(\d+)", r"nodes.c2_c3_c4_c5.layer\1.\2", RESNET_BLOCK)
    rules += _gain_head(("p2", "p3", "p4", "p5"))
    rules += [(r"seg_head\.merge\.0", "nodes.merged.project.0"), (r"seg_head\.merge\.1", "nodes.merged.project.1"),
              (r"seg_head\.merge\.3", "nodes.refined.body.0"), (r"seg_head\.merge\.4", "nodes.refined.body.1")]
    rules += parts(r"seg_head\.output", "nodes.logits", (("0", "body.0.0"), ("1", "body.0.1"), ("4", "body.2")))
    reordered = ((r"seg_head\.merge\..*", "official CLAHead creates merge before the two GAIs, but merge consumes "
                                          "their outputs"),)
    return KeyTable("GAIN-R18", "hustvl/simpleseg ResCLANet + CLAHead", tuple(rules), (), reordered)


def gain_df2() -> KeyTable:
    rules = parts(r"backbone\.stage1", "nodes.x4.convs", (("0", "0.0"), ("1", "0.1"), ("3", "1.0"), ("4", "1.1")))
    for s, stage in enumerate((2, 3, 4)):  # stageN_1 then stageN_2 are arena's one stageN
        first = DFNET_REPEATS[2 * s]
        for part, offset in ((1, 0), (2, first)):
            for j in range(DFNET_REPEATS[2 * s + part - 1]):
                rules += parts(rf"backbone\.stage{stage}_{part}\.{j}", f"nodes.c3_c4_c5.stage{stage}.{offset + j}",
                                RESNET_BLOCK)
    rules += _gain_head(("p3", "p4", "p5"))
    # CLALightHead's output: 1x1 CBR (arena: the concat's projection), 3x3 CBR, dropout, classifier
    rules += [(r"seg_head\.output\.0", "nodes.merged.project.0"), (r"seg_head\.output\.1", "nodes.merged.project.1"),
              (r"seg_head\.output\.3", "nodes.logits.body.0.0"), (r"seg_head\.output\.4", "nodes.logits.body.0.1"),
              (r"seg_head\.output\.7", "nodes.logits.body.2")]
    return KeyTable("GAIN-DF2", "hustvl/simpleseg DFCLANet + CLALightHead", tuple(rules), ())


KEY_TABLES = {"gain18": gain18, "gain_df2": gain_df2}
