"""DDRNet: "Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road Scenes",
Hong et al., arXiv:2101.06085.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

# The field's newer baselines (issue 19, this and the next three): in the swap matrix, not in the default
# ablation set, whose budget is sized for the five families before them.
FAMILY = Family("ddrnet", "Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road "
                "Scenes", "2101.06085", "ydhongHIT/DDRNet", "ddrnet23_slim", "docs/networks.md#ddrnet", order=6,
                short="DDRNet", summary="dual-resolution trunk, bilateral fusion, DAPPM",
                final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("ddrnet23_slim", "ddrnet", 5_695_987, (9.168, 36.670), backbone="DDRNet-23-slim (dual-resolution)",
            key_table="ddrnet", source="ydhongHIT/DDRNet @ `de0db31`, `segmentation/DDRNet_23_slim.py`", notes="[f]"),
    Variant("ddrnet23", "ddrnet", 20_148_947, (35.919, 143.677), backbone="DDRNet-23 (dual-resolution)",
            key_table="ddrnet", source="ydhongHIT/DDRNet @ `de0db31`, `segmentation/DDRNet_23.py`", notes="[f]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# DDRNet and PIDNet train in the HRNet-v1.1 loop: 484 epochs x floor(2975 / 12) = 119,548 iterations,
# SGD 0.01 / 0.9 / 5e-4 on every parameter, poly 0.9 without warm-up, crops 1024x1024, OHEM 0.9 keeping
# at least 131,072 pixels per replica of 6 images (x2 for one batch of 12). Not reproduced: the 19
# Cityscapes class weights of the losses, the discrete scale set 0.5..2.1 (sampled continuously here),
# and the ImageNet initialisation (none can be downloaded: arena trains from scratch; expect far lower
# mIoU, e.g. about 55 % val reported for DDRNet-23-slim from scratch, ydhongHIT/DDRNet#18).
PAPER = Schedule("paper", iters=119_548, batch=12, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                 decay_norms_and_biases=True, warmup=0.0, ohem=0.9, ohem_min_kept=2 * 131_072,
                 scale=(0.5, 2.1), eval_every=11_955, ckpt_every=11_955, log_every=50,
                 source="HRNet-v1.1 defaults the DDRNet maintainer follows (the repo has no training code); "
                        "aux weight 0.4 as chenjun2hao/mmseg; from scratch (docs/networks.md#ddrnet)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_DDR = "abstract (arXiv:2101.06085, current version) and official README (ydhongHIT/DDRNet)"
_DDR_TIMING = ("official timing copy: BN folded into the convs, fp32, no TensorRT, batch 1, the x8 logits resize "
               "inside; 109 FPS in arXiv v1 (an overclocked card, per the maintainer)")
_DDR_TABLE = ("params and GFLOPs: the paper's table as recalled by specs/ddrnet.md §6 (unverified against the "
              "PDF); they equal the official code's conv-only MACs measured there, so the 'GFLOPs' are MACs")

PUBLISHED = (
    # DDRNet (docs/networks.md#ddrnet; specs/ddrnet.md §6): ImageNet-pretrained in every row.
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "cityscapes", "test", 77.4, 102.0, "RTX 2080Ti",
              "PyTorch fp32", "1024x2048", 5.7, 36.3, "GFLOPs", _DDR, headline=True,
              note=_DDR_TIMING + "; " + _DDR_TABLE),
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "cityscapes", "val", 77.8, None, None, None,
              "1024x2048", 5.7, None, None, "official README"),
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "camvid", "test", 74.7, 230.0, "RTX 2080Ti",
              "PyTorch fp32", "720x960", None, None, None, _DDR, headline=True, note="74.4 in arXiv v1"),
    Published("ddrnet23", "DDRNet-23", "DDRNet-23", "cityscapes", "test", 79.4, 37.1, "RTX 2080Ti", "PyTorch fp32",
              "1024x2048", 20.1, 143.1, "GFLOPs", "mIoU: official README; FPS, params, GFLOPs: paper table as "
              "recalled by specs/ddrnet.md §6 (unverified)", headline=True, note=_DDR_TIMING),
    Published("ddrnet23", "DDRNet-23", "DDRNet-23", "cityscapes", "val", 79.5, None, None, None, "1024x2048",
              20.1, None, None, "official README"),
)

# -- the official key table ------------------------------------------------------------
# DDRNet's key table: official `ydhongHIT/DDRNet` DualResNet module paths -> ddrnet.arena nodes.
#
# The stages, DAPPM and heads keep their official names inside arena's nodes (specs/ddrnet.md §4), so
# most rules only add the `nodes.` prefix. Released Cityscapes checkpoints are HRNet `FullModel` state
# dicts: every key prefixed `model.` (accepted by every rule) plus the loss's class weights (skipped).

FULL_MODEL = r"(?:model\.)?"  # HRNet's FullModel wraps the network as `model`
# segmenthead (bn1, conv1, bn2, conv2) -> head.fcn(preact=True)
SEGHEAD = (("bn1", "pre.0"), ("conv1", "body.0.0"), ("bn2", "body.0.1"), ("conv2", "body.2"))
STEM = (("0", "convs.0.0"), ("1", "convs.0.1"), ("3", "convs.1.0"), ("4", "convs.1.1"))
DDRNET_ORDER = (
    (r"layer4\..*", "official creates the low layer4 before the high branch, but layer4 reads the stage-3 fusion, "
                    "which needs layer3_ and down3"),
    (r"(compression|down)[34]\..*", "official creates the fusion convs after layer4; arena beside the stage they fuse"),
    (r"layer[34]_\..*", "official creates the high stages after layer4; layer4 reads their stage-3 fusion"),
)
LOSS_WEIGHT = ("the class weights of the training loss (HRNet FullModel's criterion buffer), not a "
               "parameter of the network")


def ddrnet() -> KeyTable:
    m = FULL_MODEL
    rules = parts(rf"{m}conv1", "nodes.conv1", STEM)
    rules += [(rf"{m}(layer\d_?)", r"nodes.\1"), (rf"{m}spp", "nodes.spp")]
    rules += parts(rf"{m}(compression\d)", r"nodes.\1", (("0", "body.0"), ("1", "body.1")))
    rules += parts(rf"{m}(down\d)", r"nodes.\1", STEM)  # down3: 0, 1; down4: 0, 1, (ReLU), 3, 4
    rules += parts(rf"{m}seghead_extra", "nodes.aux1", SEGHEAD) + parts(rf"{m}final_layer", "nodes.final_layer",
                                                                       SEGHEAD)
    return KeyTable("DDRNet", "ydhongHIT/DDRNet segmentation DualResNet", tuple(rules),
                    ((r"loss\.criterion\.weight", LOSS_WEIGHT),), DDRNET_ORDER)


KEY_TABLES = {"ddrnet": ddrnet}
