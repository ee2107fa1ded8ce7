"""SGCPNet: "Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation", Hao et al.,
arXiv:2005.11034.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("sgcpnet", "Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation",
                "2005.11034", "zhouyuan888888/SGCPNet", "sgcpnet", "docs/networks.md#sgcpnet", order=4,
                short="SGCPNet", summary="MobileNetV3-Small variant of the official code",
                final_align_corners=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("sgcpnet", "sgcpnet", 607_826, (0.900, 3.599), backbone="MobileNetV3-Small", key_table="sgcpnet",
            source="zhouyuan888888/SGCPNet @ `ead5adf`", notes="[e]"),
    Variant("sgcpnet_camvid", "sgcpnet", backbone="MobileNetV3-Small", key_table="sgcpnet",
            source="not measured (the official repo has a CamVid loader, no config)"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=28_700, batch=36, crop=(1024, 1024), lr=0.3, weight_decay=1e-5,
                 warmup=0.0, scale=(0.5, 2.0), eval_every=2870, ckpt_every=2870, log_every=50,
                 source="SGCPNet official src/config.py (docs/networks.md#sgcpnet)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_SGCP = "abstract (arXiv:2005.11034)"

PUBLISHED = (
    # SGCPNet (docs/networks.md#sgcpnet; specs/sgcpnet.md §5): 0.61 M parameters; FLOPs unknown.
    Published("sgcpnet", "SGCPNet", "MobileNetV3-Small", "cityscapes", None, 69.5, 178.5, "GTX 1080 Ti", None,
              "768x1536", 0.61, None, None, _SGCP, headline=True,
              note="split not stated (probably test); framework not stated (the README thanks TensorRT)"),
    Published("sgcpnet", "SGCPNet", "MobileNetV3-Small", "cityscapes", "test", 70.90, None, None, None, "1024x2048",
              0.61, None, None, "official README (released checkpoint)"),
)

# -- the official key table ------------------------------------------------------------
# SGCPNet's key table: official `zhouyuan888888/SGCPNet` module paths -> sgcpnet.arena nodes.

# -- SGCPNet: zhouyuan888888/SGCPNet models/SGCPNet.py (SGCPNet) ---------------------------------

MBV3_BLOCK = (("conv1", "expand.0"), ("bn1", "expand.1"), ("conv2", "depthwise.0"), ("bn2", "depthwise.1"),
              ("conv3", "project.0"), ("bn3", "project.1"), ("se.se.1", "se_project.gate.1.0"),
              ("se.se.2", "se_project.gate.1.1"), ("se.se.4", "se_project.gate.2.0"),
              ("se.se.5", "se_project.gate.2.1"), ("shortcut", "shortcut"))
SEPCONV = (("depthwise_conv.conv", "conv.0"), ("pointwise_conv.conv", "conv.1"), ("bn", "conv.2"))
LATERAL = (("0.conv", "body.0"), ("1", "body.1"))
# official weight vector / SeparableConv -> the fusion node of sgcpnet.arena (specs/sgcpnet.md §2.3)
TD_BU_FUSIONS = (("p6_w1", "conv6_up", "p6_td"), ("p5_w1", "conv5_up", "p5_td"), ("p4_w1", "conv4_up", "p4_td"),
                 ("p3_w1", "conv3_up", "p3_out"), ("p4_w2", "conv4_down", "p4_out"),
                 ("p5_w2", "conv5_down", "p5_out"), ("p6_w2", "conv6_down", "p6_out"),
                 ("p7_w2", "conv7_down", "p7_out"))
TD_FUSIONS = (("p6_w1", "conv6_up", "q6"), ("p5_w1", "conv5_up", "q5"), ("p4_w1", "conv4_up", "q4"),
              ("p3_w1", "conv3_up", "q3"))
# p5_to_p6 feeds the stride-64 level (arena: its lateral, then a max-pool node)
SGCP_LATERALS = (("p5_down_channel", "p5_in"), ("p4_down_channel", "p4_in"), ("p3_down_channel", "p3_in"),
                 ("p5_to_p6", "p6_lat"), ("p4_down_channel_2", "p4_in2"), ("p5_down_channel_2", "p5_in2"))


def sgcpnet() -> KeyTable:
    rules = [(r"l1\.0", "nodes.x2.body.0"), (r"l1\.1", "nodes.x2.body.1")]
    rules += parts(r"l2", "nodes.c8_c16_c32.stages.0.0", MBV3_BLOCK)  # l2 is one block, l3..l5 lists
    for layer in (3, 4, 5):
        rules += parts(rf"l{layer}\.(\d+)", rf"nodes.c8_c16_c32.stages.{layer - 2}.\1", MBV3_BLOCK)
    rules += [(rf"conv{i}", f"nodes.c{i}.body.0") for i in (3, 4, 5)]
    unit = r"sgcp\.td_bu\.unit\.0"
    for official, node in SGCP_LATERALS:
        rules += parts(rf"{unit}\.{official}", f"nodes.{node}", LATERAL)
    for module, fusions in ((unit, TD_BU_FUSIONS), (r"sgcp\.td", TD_FUSIONS)):
        for weight, conv, node in fusions:
            rules.append((rf"{module}\.{weight}", f"nodes.{node}.weight"))  # stored in the official order
            rules += parts(rf"{module}\.{conv}", f"nodes.{node}", SEPCONV)
    rules.append((r"classifier", "nodes.logits.body.1"))
    reordered = ((r"sgcp\.td(_bu\.unit\.0)?\.p\d_w\d", "official TD/BU modules hold every fusion weight as a direct "
                                                       "parameter (listed first); arena holds each in its fusion node"),)
    return KeyTable("SGCPNet", "zhouyuan888888/SGCPNet SGCPNet (models/SGCPNet.py)", tuple(rules), (), reordered)


KEY_TABLES = {"sgcpnet": sgcpnet}
