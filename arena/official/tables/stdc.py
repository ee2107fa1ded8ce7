"""STDC-Seg's key tables: official `MichaelFan01/STDC-Seg` module paths -> stdc.arena nodes.

The names are the same for STDC1 and STDC2 but for the trunk: `features.{i}` runs over the stem
(0, 1) and then the STDC modules of every stage in order, so which stage a module index belongs to
depends on the stage repeats, and each variant has its table.
"""
from __future__ import annotations

from arena.official.keys import CONV_BN, KeyTable, parts

STDC1_REPEATS, STDC2_REPEATS = (2, 2, 2), (4, 5, 3)  # specs/stdc.md §2.2
FCN_HEAD = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.2"))
DETAIL_HEAD = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.1"))


def _trunk(repeats: tuple[int, ...]) -> list[tuple[str, str]]:
    """`features.{i}` -> the stem's convs, then stage s, module k of `backbone.stdc`."""
    rules = [(rf"cp\.backbone\.features\.{i}\.conv", f"nodes.x4.convs.{i}.0") for i in (0, 1)]
    rules += [(rf"cp\.backbone\.features\.{i}\.bn", f"nodes.x4.convs.{i}.1") for i in (0, 1)]
    i = 2
    for s, repeat in enumerate(repeats):
        for k in range(repeat):
            module = f"nodes.x8_x16_x32.stages.{s}.{k}"
            rules += [(rf"cp\.backbone\.features\.{i}\.conv_list\.(\d+)\.conv", rf"{module}.conv_list.\1.0"),
                      (rf"cp\.backbone\.features\.{i}\.conv_list\.(\d+)\.bn", rf"{module}.conv_list.\1.1"),
                      (rf"cp\.backbone\.features\.{i}\.avd_layer", f"{module}.avd_layer")]
            i += 1
    return rules


def _stdc(repeats: tuple[int, ...], name: str) -> KeyTable:
    rules = _trunk(repeats)
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
    return KeyTable(name, "MichaelFan01/STDC-Seg BiSeNet (models/model_stages.py)", tuple(rules), skips)


def stdc1_seg() -> KeyTable:
    return _stdc(STDC1_REPEATS, "STDC1-Seg")


def stdc2_seg() -> KeyTable:
    return _stdc(STDC2_REPEATS, "STDC2-Seg")
