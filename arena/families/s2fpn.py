"""S2-FPN: "Scale-ware Strip Attention Guided Feature Pyramid Network", Elhassan et al., arXiv:2206.07298.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import CONV_BN, RESNET_BLOCK, KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("s2fpn", "S2-FPN: Scale-ware Strip Attention Guided Feature Pyramid Network", "2206.07298",
                "mohamedac29/S2-FPN", "s2fpn18", "docs/networks.md#s2-fpn", order=3, short="S2-FPN",
                summary="code version v1", final_align_corners=True)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("s2fpn18", "s2fpn", 17_095_140, (27.97, 111.86), backbone="ResNet-18", key_table="s2fpn",
            source="mohamedac29/S2-FPN `model/SSFPNv1.py` @ `b09500b`", notes="[d]"),
    Variant("s2fpn34", "s2fpn", 27_203_300, (47.32, 189.27), backbone="ResNet-34", key_table="s2fpn",
            source="mohamedac29/S2-FPN `model/SSFPNv1.py` @ `b09500b`", notes="[d]"),
    Variant("s2fpn34m", "s2fpn", 27_203_300, (185.40, 741.56), backbone="ResNet-34, no max-pool", key_table="s2fpn",
            source="mohamedac29/S2-FPN `model/SSFPNv1.py` @ `b09500b`", notes="[d]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=500 * 2975 // 8, batch=8, crop=(512, 1024), lr=3e-4, weight_decay=1e-4,
                 warmup=500 / (500 * 2975 // 8), warmup_start=1 / 3, scale=(0.75, 2.0), eval_every=20_000,
                 ckpt_every=20_000, log_every=50,
                 source="S2-FPN official README command (lr uncertain: docs/networks.md#s2-fpn)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_S2FPN = "abstract (arXiv:2206.07298); GPU and framework: official README"

PUBLISHED = (
    # S2-FPN (docs/networks.md#s2-fpn; specs/s2fpn.md §6): params and FLOPs unknown; split not stated;
    # timed resolution probably 512x1024 for Cityscapes (uncertain), unknown for CamVid.
    Published("s2fpn18", "S2-FPN18", "ResNet-18", "cityscapes", None, 76.2, 87.3, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn34", "S2-FPN34", "ResNet-34", "cityscapes", None, 77.4, 67.0, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn34m", "S2-FPN34M", "ResNet-34M", "cityscapes", None, 77.8, 30.5, "GTX 1080Ti", "PyTorch fp32",
              None, None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn18", "S2-FPN18", "ResNet-18", "camvid", None, 69.6, 124.2, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True,
              note="69.5 in a paper listing; 70.1 for the released checkpoint"),
    Published("s2fpn34", "S2-FPN34", "ResNet-34", "camvid", None, 71.0, 107.2, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True),
    Published("s2fpn34m", "S2-FPN34M", "ResNet-34M", "camvid", None, 74.2, 55.5, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True,
              note="74.76 for the released checkpoint"),
)

# -- the official key table ------------------------------------------------------------
# S2-FPN's key table: official `mohamedac29/S2-FPN` SSFPNv1 module paths -> s2fpn.arena nodes.

# -- S2-FPN v1: mohamedac29/S2-FPN model/SSFPNv1.py (SSFPN) -------------------------------------

APF = (("lateral_low.conv", "lateral.0"), ("lateral_low.bn", "lateral.1"),
       ("FRB.0.conv", "refine.0.0"), ("FRB.0.bn", "refine.0.1"), ("FRB.1.conv", "refine.1.0"),
       ("FRB.1.bn", "refine.1.1"),
       ("conv_high.conv", "conv_high.0"), ("conv_high.bn", "conv_high.1"),
       ("conv_low.conv", "conv_low.0"), ("conv_low.bn", "conv_low.1"),
       # SSAM (specs/s2fpn.md §3.3): bn_sh1 normalises the max-pooled strip, bn_sh2 the average one
       ("sa.gamma", "spatial.gamma"), ("sa.conv_sh", "spatial.shared"),
       ("sa.bn_sh1", "spatial.bn_max"), ("sa.bn_sh2", "spatial.bn_avg"), ("sa.fuse.conv", "spatial.out_conv"),
       ("ca.conv_pool.0.conv", "channel.gate.1"), ("ca.conv_pool.2.conv", "channel.gate.3"))
GFU = (("conv1.conv", "guide.0"), ("conv1.bn", "guide.1"), ("conv2.0.conv", "deep.0"),
       ("conv3.conv", "fuse.0"), ("conv3.bn", "fuse.1"))


def s2fpn() -> KeyTable:
    rules = [(r"conv1_x", "nodes.x.conv.0"), (r"bn1", "nodes.x.conv.1")]
    for i in (2, 3, 4, 5):  # conv2_x..conv5_x are torchvision's layer1..layer4
        rules += parts(rf"conv{i}_x\.(\d+)", rf"nodes.f2_f3_f4_f5.layer{i - 1}.\1", RESNET_BLOCK)
    rules += parts(r"cfgb\.0", "nodes.top", (("conv", "body.0.0"), ("bn", "body.0.1")))
    rules += parts(r"fab\.0", "nodes.fab", (("conv", "body.0.0"), ("bn", "body.0.1")))
    # apf1..apf4 are APF5..APF2 (specs/s2fpn.md §2.1), each with its aux head and transition CBR
    for k, level in ((1, 5), (2, 4), (3, 3), (4, 2)):
        rules += parts(rf"apf{k}", f"nodes.m{level}", APF)
        rules += parts(rf"apf{k}\.classifier", f"nodes.aux{k}",
                        (("0.conv", "body.0.0"), ("0.bn", "body.0.1"), ("2.conv", "body.2")))
        rules += parts(rf"apf{k}\.apf", f"nodes.p{level}", CONV_BN)
    for k, level in ((4, 5), (3, 4), (2, 3), (1, 2)):  # gfu4..gfu1 are GFU5..GFU2
        rules += parts(rf"gfu{k}", f"nodes.g{level}", GFU)
    rules.append((r"classifier\.fc\.conv", "nodes.logits.classifier"))
    skips = (
        (r"down[2-5]\..*", "ResNet-50 channel adapters down2..down5, built for every backbone, "
                           "called only for ResNet-50/101/152 (docs/networks.md#s2-fpn)"),
        (r"apf\d\.sa\.conv_res\..*", "SSAM's conv_res: built, never called (docs/networks.md#s2-fpn)"),
        (r"apf\d\.sa\.conv_sh\.bias", "SSAM's strip conv bias: forward applies the weight only"),
        (r"apf\d\.sa\.fuse\.bn\..*", "BN of a conv_block with bn_act=False: never called"),
        (r"apf\d\.ca\.conv_pool\.[02]\.bn\..*", "BN of a conv_block with bn_act=False: never called"),
        (r"apf\d\.classifier\.2\.bn\..*", "BN of a conv_block with bn_act=False: never called"),
        (r"gfu\d\.conv2\.0\.bn\..*", "BN of a conv_block with bn_act=False: never called"),
        (r"classifier\.fc\.bn\..*", "BN of a conv_block with bn_act=False: never called"),
    )
    reordered = ((r"gfu\d\..*", "official creates the four GFUs before the APFs, but each GFU consumes an APF output"),)
    return KeyTable("S2-FPN", "mohamedac29/S2-FPN SSFPN (model/SSFPNv1.py)", tuple(rules), skips, reordered)


KEY_TABLES = {"s2fpn": s2fpn}
