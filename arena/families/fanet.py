"""FANet: "Real-time Semantic Segmentation with Fast Attention", Hu et al., arXiv:2007.03815.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import CONV_BN, RESNET_BLOCK, KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("fanet", "Real-time Semantic Segmentation with Fast Attention", "2007.03815", "feinanshan/FANet",
                "fanet18", "docs/networks.md#fanet", order=1, short="FANet",
                summary="official code, extra Res-1 reduction", final_align_corners=True)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
_FANET_UNUSED = "two layers it builds but never calls (S2 smooth, S1 up)"
VARIANTS = (
    Variant("fanet18", "fanet", 13_820_032, (11.865, 47.437), 149_824, _FANET_UNUSED, "ResNet-18", "fanet",
            source="feinanshan/FANet @ `d4e5e3c`, Train/", notes="[a]"),
    Variant("fanet34", "fanet", 23_928_192, (16.704, 66.791), 149_824, _FANET_UNUSED, "ResNet-34", "fanet",
            source="feinanshan/FANet @ `d4e5e3c`, Testing/", notes="[a] [b]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=80_000, batch=16, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                 decay_norms_and_biases=True, warmup=1000 / 80_000, warmup_start=1e-3, ohem=0.7,
                 ohem_min_kept=16 * 1024 * 1024 // 16, scale=(0.75, 2.0), eval_every=8000, ckpt_every=8000,
                 log_every=50, source="FANet official Train/ config and paper (batch, crop and iterations "
                                      "assumed: docs/networks.md#fanet)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_FANET = "abstract (arXiv:2007.03815)"
_FANET_TIMING = "official timing: batch 1, fp32, 1024x2048, model without BN and without the final upsample"

PUBLISHED = (
    # FANet (docs/networks.md#fanet; specs/fanet.md §6): params and FLOPs of the paper unknown.
    Published("fanet18", "FANet-18", "ResNet-18", "cityscapes", "test", 74.4, 72.0, "Titan X", "PyTorch fp32",
              "1024x2048", None, None, None, _FANET, headline=True,
              note="split: test by the abstract's context; " + _FANET_TIMING),
    Published("fanet18", "FANet-18", "ResNet-18", "cityscapes", "val", 75.0, None, None, None, None, None, None,
              None, "paper, as quoted in zh320's README (unchecked)"),
    Published("fanet34", "FANet-34", "ResNet-34", "cityscapes", "test", 75.5, 58.0, "Titan X", None, "1024x2048",
              None, None, None, _FANET, headline=True,
              note="split: test by the abstract's context; " + _FANET_TIMING),
)

# -- the official key table ------------------------------------------------------------
# FANet's key table: official `feinanshan/FANet` module paths -> fanet.arena nodes (FANet-18/34).

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


KEY_TABLES = {"fanet": fanet}
