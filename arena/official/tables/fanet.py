"""FANet's key table: official `feinanshan/FANet` module paths -> fanet.arena nodes (FANet-18/34)."""
from __future__ import annotations

from arena.official.keys import CONV_BN, RESNET_BLOCK, KeyTable, parts

# -- FANet: feinanshan/FANet Train/ptsemseg/models/fanet (FANet with ResNet-18/34) ----------------

FA = (("w_qs.conv", "q.0"), ("w_qs.bn", "q.1"), ("w_ks.conv", "k.0"), ("w_ks.bn", "k.1"),
      ("w_vs.conv", "v.0"), ("w_vs.bn", "v.1"), ("latlayer3.conv", "out.0"), ("latlayer3.bn", "out.1"))
FPN_OUTPUT = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.2"))


def fanet() -> KeyTable:
    rules = [(r"resnet\.conv1", "nodes.x4.conv.0"), (r"resnet\.bn1", "nodes.x4.conv.1")]
    rules += parts(r"resnet\.layer(\d)\.(\d+)", r"nodes.c1_c2_c3_c4.layer\1.\2", RESNET_BLOCK)
    # ffm_32..ffm_4 are the stages at strides 64..8 (their names are stale, specs/fanet.md §2.1)
    for stage, level in (("32", 4), ("16", 3), ("8", 2), ("4", 1)):
        rules += parts(rf"ffm_{stage}", f"nodes.a{level}", FA)
        rules += parts(rf"ffm_{stage}\.up", f"nodes.u{level}", CONV_BN)
        rules += parts(rf"ffm_{stage}\.smooth", f"nodes.s{level}", CONV_BN)
    # clslayer_32 reads ffm_32's smooth map (S4), clslayer_16 S3's: aux1 and aux2 in fanet.arena
    for official, node in (("clslayer_32", "aux1"), ("clslayer_16", "aux2"), ("clslayer_8", "logits")):
        rules += parts(official, f"nodes.{node}", FPN_OUTPUT)
    skips = ((r"ffm_8\.smooth\..*", "S2's smooth 3x3 conv + BN: built, never called (docs/networks.md#fanet)"),
             (r"ffm_4\.up\..*", "S1's up 1x1 conv + BN: built, never called (docs/networks.md#fanet)"))
    return KeyTable("FANet", "feinanshan/FANet FANet (Train/ptsemseg/models/fanet)", tuple(rules), skips)
