"""BiSeNetV2's key table: reference `CoinCheung/BiSeNet` module paths -> bisenetv2.arena nodes."""
from __future__ import annotations

from arena.official.keys import KeyTable, parts

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
