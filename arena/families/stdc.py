"""STDC-Seg: "Rethinking BiSeNet For Real-time Semantic Segmentation", Fan et al., CVPR 2021, arXiv:2104.13188.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import CONV_BN, KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("stdc", "Rethinking BiSeNet For Real-time Semantic Segmentation", "2104.13188", "MichaelFan01/STDC-Seg",
                "stdc1_seg", "docs/networks.md#stdc-seg", order=8, short="STDC-Seg",
                summary="STDC trunk, ARM context path, FFM, detail head (training)",
                final_align_corners=True, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("stdc1_seg", "stdc", 8_275_104, (16.958, 67.831), backbone="STDC1 (STDCNet813)", key_table="stdc1_seg",
            source="MichaelFan01/STDC-Seg @ `59ff37f`, `BiSeNet` (STDCNet813)", notes="[h]"),
    Variant("stdc2_seg", "stdc", 12_305_568, (23.567, 94.268), backbone="STDC2 (STDCNet1446)", key_table="stdc2_seg",
            source="MichaelFan01/STDC-Seg @ `59ff37f`, `BiSeNet` (STDCNet1446)", notes="[h]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=60_000, batch=48, crop=(512, 1024), lr=0.01, weight_decay=5e-4,
                 warmup=1000 / 60_000, warmup_start=1e-3, ohem=0.7, ohem_min_kept=48 * 512 * 1024 // 16,
                 scale=(0.125, 1.5), eval_every=6000, ckpt_every=6000, log_every=50,
                 lr_mult=(("fusion.bisenet_ffm", 10.0), ("head", 10.0)), freeze_trunk_bn_affine=False,
                 source="STDC-Seg official train.py / optimizer_loss.py, README command (3 GPUs x 16). "
                        "Differs on purpose: from scratch here, so the trunk's BN weights and biases train "
                        "(official: left out of the optimizer, which only makes sense with its ImageNet "
                        "weights; freeze_trunk_bn_affine=True restores it). Approximations: linear warm-up "
                        "from 1e-5 (official geometric), uniform scales 0.125-1.5 (official: 12 discrete "
                        "ones) (docs/networks.md#stdc-seg)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_STDC = "paper Table (Cityscapes), via Papers with Code and the official README / latency script (arXiv:2104.13188)"
_STDC_SCALES = "Seg50 / Seg75: the same network fed 0.5 / 0.75 of 1024x2048; params and FLOPs not in the paper"

PUBLISHED = (
    # STDC-Seg (docs/networks.md#stdc-seg; specs/stdc.md §6): Seg50/Seg75 are input scales of one network;
    # val figures are the best of 60 evaluations on val (official train.py). TensorRT 5.1.5 per the README.
    Published("stdc1_seg", "STDC1-Seg50", "STDC1", "cityscapes", "test", 71.9, 250.4, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, "abstract (arXiv:2104.13188)", headline=True, note=_STDC_SCALES),
    Published("stdc1_seg", "STDC1-Seg75", "STDC1", "cityscapes", "test", 75.3, 126.7, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, _STDC, note=_STDC_SCALES),
    Published("stdc1_seg", "STDC1-Seg50", "STDC1", "cityscapes", "val", 72.2, None, None, None, "512x1024", None,
              None, None, "official README (0.7222); mmseg re-evaluated the checkpoint: 72.17",
              note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc1_seg", "STDC1-Seg75", "STDC1", "cityscapes", "val", 74.5, None, None, None, "768x1536", None,
              None, None, "official README (0.7450)", note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc2_seg", "STDC2-Seg75", "STDC2", "cityscapes", "test", 76.8, 97.0, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, "abstract (arXiv:2104.13188)", headline=True, note=_STDC_SCALES),
    Published("stdc2_seg", "STDC2-Seg50", "STDC2", "cityscapes", "test", 73.4, 188.6, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, _STDC, note=_STDC_SCALES),
    Published("stdc2_seg", "STDC2-Seg50", "STDC2", "cityscapes", "val", 74.2, None, None, None, "512x1024", None,
              None, None, "official README (0.7424); mmseg re-evaluated the checkpoint: 74.16",
              note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc2_seg", "STDC2-Seg75", "STDC2", "cityscapes", "val", 77.0, None, None, None, "768x1536", None,
              None, None, "official README (0.7704)", note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc1_seg", "STDC1-Seg", "STDC1", "camvid", "test", 73.0, 197.6, "GTX 1080Ti", None, "720x960",
              None, None, None, "paper CamVid table, recalled (specs/stdc.md §6.2)", headline=True,
              note="unverified: not found in any indexed source; initialised from the Cityscapes model"),
    Published("stdc2_seg", "STDC2-Seg", "STDC2", "camvid", "test", 73.9, 152.2, "GTX 1080Ti", None, "720x960",
              None, None, None, "paper CamVid table, recalled (specs/stdc.md §6.2)", headline=True,
              note="unverified: not found in any indexed source; initialised from the Cityscapes model"),
)

# -- the official key tables ------------------------------------------------------------
# STDC-Seg's key tables: official `MichaelFan01/STDC-Seg` module paths -> stdc.arena nodes.
#
# The names are the same for STDC1 and STDC2 but for the trunk: `features.{i}` runs over the stem
# (0, 1) and then the STDC modules of every stage in order, so which stage a module index belongs to
# depends on the stage repeats, and each variant has its table.

STDC1_REPEATS, STDC2_REPEATS = (2, 2, 2), (4, 5, 3)  # specs/stdc.md §2.2
FCN_HEAD = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.2"))
DETAIL_HEAD = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.1"))


def trunk_rules(prefix: str, repeats: tuple[int, ...]) -> list[tuple[str, str]]:
    """`<prefix>.features.{i}` -> the stem's convs, then stage s, module k of `backbone.stdc`.

    `prefix` is the official module path of the STDC network (a regular expression): `cp\\.backbone` in
    STDC-Seg, `backbone` in PaddleSeg's port that PP-LiteSeg uses (same module names)."""
    rules = [(rf"{prefix}\.features\.{i}\.conv", f"nodes.x4.convs.{i}.0") for i in (0, 1)]
    rules += [(rf"{prefix}\.features\.{i}\.bn", f"nodes.x4.convs.{i}.1") for i in (0, 1)]
    i = 2
    for s, repeat in enumerate(repeats):
        for k in range(repeat):
            module = f"nodes.x8_x16_x32.stages.{s}.{k}"
            rules += [(rf"{prefix}\.features\.{i}\.conv_list\.(\d+)\.conv", rf"{module}.conv_list.\1.0"),
                      (rf"{prefix}\.features\.{i}\.conv_list\.(\d+)\.bn", rf"{module}.conv_list.\1.1"),
                      (rf"{prefix}\.features\.{i}\.avd_layer", f"{module}.avd_layer")]
            i += 1
    return rules


def _stdc(repeats: tuple[int, ...], name: str) -> KeyTable:
    rules = trunk_rules(r"cp\.backbone", repeats)
    for level in ("16", "32"):  # cp.armN: its 3x3 conv is an op.cbr node, its gate attention.arm
        rules += parts(rf"cp\.arm{level}\.conv", f"nodes.r{level}.body", (("conv", "0"), ("bn", "1")))
        rules += [(rf"cp\.arm{level}\.conv_atten", f"nodes.a{level}.conv_atten"),
                  (rf"cp\.arm{level}\.bn_atten", f"nodes.a{level}.bn_atten")]
    # conv_head32 runs at stride 16 after the first x2 (cp16), conv_head16 at stride 8 (cp8): §2.3
    rules += parts(r"cp\.conv_head32", "nodes.cp16", CONV_BN) + parts(r"cp\.conv_head16", "nodes.cp8", CONV_BN)
    rules += parts(r"cp\.conv_avg", "nodes.g32.conv", (("conv", "0"), ("bn", "1")))
    rules += parts(r"ffm", "nodes.fused", (("convblk.conv", "convblk.0"), ("convblk.bn", "convblk.1"),
                                          ("conv1", "conv1"), ("conv2", "conv2")))
    # conv_out16 reads feat_cp8 (stride 8), conv_out32 feat_cp16: aux1 and aux2 in stdc.arena
    for official, node in (("conv_out", "logits"), ("conv_out16", "aux1"), ("conv_out32", "aux2")):
        rules += parts(official, f"nodes.{node}", FCN_HEAD)
    rules += parts(r"conv_out_sp8", "nodes.aux3", DETAIL_HEAD)
    skips = ((r"cp\.backbone\.x(2|4|8|16|32)\..*",
              "alias: the same tensor as cp.backbone.features.* (the official stage slices x2..x32)"),
             (r"cp\.backbone\.(conv_last|fc|bn|linear)\..*",
              "the backbone's ImageNet classifier: unused (use_conv_last=False)"),
             (r"conv_out_sp(2|4|16)\..*", "detail heads at strides 2, 4, 16: unused in the published model"))
    reordered = ((r"cp\.conv_avg\..*", "official creates the pooled context's conv last in the context path, but "
                                      "conv_head32 consumes it"),)
    arena_only = (
        (r"nodes\.(r16|a16|r32|a32|g32|cp16|cp8|fused|logits|aux1|aux2|aux3)\..*num_batches_tracked",
         "InPlaceABNSync (the decoder's BNs) has no step counter: 15 of them, less the three unused detail heads "
         "(specs/stdc.md §2.0, §2.5)"),
        (r"nodes\.aux3\.fuse", "the detail loss's fuse kernel: official in the loss module, not the model"),
    )
    return KeyTable(name, "MichaelFan01/STDC-Seg BiSeNet (models/model_stages.py)", tuple(rules), skips, reordered,
                    arena_only)


def stdc1_seg() -> KeyTable:
    return _stdc(STDC1_REPEATS, "STDC1-Seg")


def stdc2_seg() -> KeyTable:
    return _stdc(STDC2_REPEATS, "STDC2-Seg")


KEY_TABLES = {"stdc1_seg": stdc1_seg, "stdc2_seg": stdc2_seg}
