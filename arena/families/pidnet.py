"""PIDNet: "A Real-time Semantic Segmentation Network Inspired by PID Controllers", Xu et al.,
arXiv:2206.02066.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.ddrnet import FULL_MODEL, LOSS_WEIGHT, SEGHEAD, STEM
from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("pidnet", "PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers",
                "2206.02066", "XuJiacong/PIDNet", "pidnet_s", "docs/networks.md#pidnet", order=7, short="PIDNet",
                summary="P/I/D branches, Pag, PAPPM/DAPPM, (Light-)Bag, boundary head",
                final_align_corners=True, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("pidnet_s", "pidnet", 7_625_715, (11.919, 47.676), backbone="PIDNet-S (three-branch)",
            key_table="pidnet", source="XuJiacong/PIDNet @ `4c158cf`, `models/pidnet.py`", notes="[f]"),
    Variant("pidnet_m", "pidnet", 28_538_515, (44.531, 178.124), backbone="PIDNet-M (three-branch)",
            key_table="pidnet", source="XuJiacong/PIDNet @ `4c158cf`, `models/pidnet.py`", notes="[f] [g]"),
    Variant("pidnet_l", "pidnet", 36_939_571, (68.956, 275.822), backbone="PIDNet-L (three-branch)",
            key_table="pidnet", source="XuJiacong/PIDNet @ `4c158cf`, `models/pidnet.py`", notes="[f]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=119_548, batch=12, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                 decay_norms_and_biases=True, warmup=0.0, ohem=0.9, ohem_min_kept=2 * 131_072,
                 scale=(0.5, 2.1), eval_every=11_955, ckpt_every=11_955, log_every=50,
                 source="PIDNet official configs/cityscapes/pidnet_small_cityscapes.yaml and tools/train.py; "
                        "from scratch, no class weights (docs/networks.md#pidnet)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_PID = "abstract (arXiv:2206.02066) and official README (XuJiacong/PIDNet)"
_PID_TIMING = "official speed script: BN after convs removed, fp32 PyTorch, no TensorRT, batch 1, no logits resize"
_PID_TABLE = "params and GFLOPs: the paper's table as recalled by specs/pidnet.md §6 (unverified against the PDF)"

PUBLISHED = (
    # PIDNet (docs/networks.md#pidnet; specs/pidnet.md §6): ImageNet-pretrained; val = best checkpoint.
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "cityscapes", "test", 78.6, 93.2, "RTX 3090", "PyTorch fp32",
              "1024x2048", 7.6, 47.6, "GFLOPs", _PID, headline=True, note=_PID_TIMING + "; " + _PID_TABLE),
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "cityscapes", "val", 78.8, None, None, None, "1024x2048", 7.6, None,
              None, "official README", note="the best checkpoint of the run on val"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "cityscapes", "test", 79.8, 42.2, "RTX 3090", "PyTorch fp32",
              "1024x2048", 34.4, 197.4, "GFLOPs", "mIoU and FPS: official README; " + _PID_TABLE, headline=True,
              note=_PID_TIMING + "; the recalled 34.4 M / 197.4 G match the code only with n = 4 (the code and "
                                 "arena: n = 3, 28.5 M / 178.0 G)"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "cityscapes", "val", 79.9, None, None, None, "1024x2048", None,
              None, None, "official README"),
    Published("pidnet_l", "PIDNet-L", "PIDNet-L", "cityscapes", "test", 80.6, 31.1, "RTX 3090", "PyTorch fp32",
              "1024x2048", 36.9, 275.8, "GFLOPs", "mIoU and FPS: official README; " + _PID_TABLE, headline=True,
              note=_PID_TIMING),
    Published("pidnet_l", "PIDNet-L", "PIDNet-L", "cityscapes", "val", 80.9, None, None, None, "1024x2048", None,
              None, None, "official README"),
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "camvid", "test", 80.1, 153.7, "RTX 3090", "PyTorch fp32",
              "720x960", None, None, None, _PID, headline=True,
              note="Cityscapes-pretrained; numbers of the latest arXiv version (CamVid split bug fixed)"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "camvid", "test", 82.0, 85.6, "RTX 3090", "PyTorch fp32",
              "720x960", None, None, None, "official README", headline=True, note="Cityscapes-pretrained"),
)

# -- the official key table ------------------------------------------------------------
# PIDNet's key table: official `XuJiacong/PIDNet` PIDNet module paths -> pidnet*.arena nodes.
#
# Stages, PAPPM/DAPPM, Bag/Light-Bag and the heads keep their official names inside arena's nodes
# (specs/pidnet.md §4). Single-block D stages built by `_make_single_layer` (`layer3_d` always,
# `layer4_d` in L) have no block index in their keys; arena's stage holds that block as block 0. Pag's
# `f_y` is its own node in arena (`pagN_fy`: see pidnet.arena). Released Cityscapes checkpoints are
# `FullModel` state dicts: every key prefixed `model.` (accepted by every rule) plus the loss's class
# weights (skipped).

CONV_BN = (("0", "body.0"), ("1", "body.1"))


def pidnet() -> KeyTable:
    m = FULL_MODEL
    rules = parts(rf"{m}conv1", "nodes.conv1", STEM)
    rules += [(rf"{m}(layer\d_d)\.(\d+)", r"nodes.\1.\2"), (rf"{m}(layer\d_d)", r"nodes.\1.0"),
              (rf"{m}(layer\d_?)", r"nodes.\1"), (rf"{m}(pag\d)\.f_x", r"nodes.\1.f_x"),
              (rf"{m}spp", "nodes.spp"), (rf"{m}dfm", "nodes.dfm")]
    rules += parts(rf"{m}(pag\d)\.f_y", r"nodes.\1_fy", CONV_BN)
    rules += parts(rf"{m}(compression\d|diff\d)", r"nodes.\1", CONV_BN)
    for official, node in (("seghead_p", "aux1"), ("seghead_d", "aux2"), ("final_layer", "final_layer")):
        rules += parts(rf"{m}{official}", f"nodes.{node}", SEGHEAD)
    reordered = (
        (r"pag\d\..*", "official creates pag3/pag4 (and f_x before f_y) before the P stages they read; arena's Pag "
                        "follows its inputs and its f_y is a node of its own, before it"),
        (r"diff\d\..*", "official creates diff3/diff4 after layer4_d, which reads the stage-3 D sum (diff3's)"),
        (r"layer5_d\..*", "official creates layer5_d after dfm, which reads it"),
    )
    return KeyTable("PIDNet", "XuJiacong/PIDNet models/pidnet.py PIDNet", tuple(rules),
                    ((r"sem_loss\.criterion\.weight", LOSS_WEIGHT),), reordered)


KEY_TABLES = {"pidnet": pidnet}
