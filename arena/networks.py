"""The one table of shipped variants: family, network file, documentation and official figures.

Official figures were measured on each network's official code (docs/networks.md gives the source
of every number): inference parameters (no auxiliary heads, 19 classes) and fvcore MACs (one
multiply-add = 1, BN and interpolation included, final resize included) at 512x1024 and 1024x2048.
Where arena builds fewer parameters on purpose, `unused_params` says how many the official model
holds in layers it never calls, and why: the expected figure is then official - unused, checked as
strictly as any other (DESIGN.md §4 tolerances: 0.5 % parameters, 2 % MACs).
"""
from __future__ import annotations

from dataclasses import dataclass

PARAM_TOLERANCE = 0.005
MAC_TOLERANCE = 0.02
RESOLUTIONS = ((512, 1024), (1024, 2048))  # the two sizes official MACs were measured at


@dataclass(frozen=True)
class Family:
    """One published network: its paper and official code, and the variant that stands for it."""

    name: str
    title: str
    arxiv: str
    code: str  # official repository, or "" when there is none
    representative: str  # the variant studies and the swap matrix use for the family
    doc: str  # section of docs/networks.md
    default_study: bool = True  # in `arena ablate`'s default network set (False: `--nets all` or by name)


@dataclass(frozen=True)
class Variant:
    """A shipped variant and what the official code measured for it (None: no official figure)."""

    name: str
    family: str
    params: int | None = None  # official inference parameters
    gmacs: tuple[float, float] | None = None  # official GMACs at RESOLUTIONS
    unused_params: int = 0  # held by official layers that compute nothing; arena does not build them
    unused_why: str = ""
    backbone: str = ""  # as arena builds it (tables' Backbone column)
    key_table: str = ""  # official checkpoint names: a table of arena/official/tables ("" when none)

    @property
    def expected_params(self) -> int | None:
        return None if self.params is None else self.params - self.unused_params


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("fanet", "Real-time Semantic Segmentation with Fast Attention", "2007.03815",
           "feinanshan/FANet", "fanet18", "docs/networks.md#fanet"),
    Family("fast_scnn", "Fast-SCNN: Fast Semantic Segmentation Network", "1902.04502",
           "", "fast_scnn", "docs/networks.md#fast-scnn"),
    Family("s2fpn", "S2-FPN: Scale-ware Strip Attention Guided Feature Pyramid Network", "2206.07298",
           "mohamedac29/S2-FPN", "s2fpn18", "docs/networks.md#s2-fpn"),
    Family("sgcpnet", "Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation",
           "2005.11034", "zhouyuan888888/SGCPNet", "sgcpnet", "docs/networks.md#sgcpnet"),
    Family("gain", "Cross-Layer Attentive Feature Upsampling for Low-latency Semantic Segmentation",
           "2601.01167", "hustvl/simpleseg", "gain18", "docs/networks.md#gain"),
    # The field's newer baselines (issue 19): in the swap matrix, not in the default ablation set, whose
    # budget is sized for the five families above.
    Family("ddrnet", "Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road "
           "Scenes", "2101.06085", "ydhongHIT/DDRNet", "ddrnet23_slim", "docs/networks.md#ddrnet",
           default_study=False),
    Family("pidnet", "PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers",
           "2206.02066", "XuJiacong/PIDNet", "pidnet_s", "docs/networks.md#pidnet", default_study=False),
    Family("stdc", "Rethinking BiSeNet For Real-time Semantic Segmentation", "2104.13188",
           "MichaelFan01/STDC-Seg", "stdc1_seg", "docs/networks.md#stdc-seg", default_study=False),
    Family("bisenetv2", "BiSeNet V2: Bilateral Network with Guided Aggregation for Real-time Semantic Segmentation",
           "2004.02147", "CoinCheung/BiSeNet", "bisenetv2",  # the reference code: the authors released none
           "docs/networks.md#bisenetv2", default_study=False),
)}

_FANET_UNUSED = "two layers it builds but never calls (S2 smooth, S1 up)"

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("fanet18", "fanet", 13_820_032, (11.87, 47.44), 149_824, _FANET_UNUSED, "ResNet-18", "fanet"),
    Variant("fanet34", "fanet", 23_928_192, (16.70, 66.79), 149_824, _FANET_UNUSED, "ResNet-34", "fanet"),
    Variant("fast_scnn", "fast_scnn", 1_137_795, (1.777, 7.106), backbone="LtD + GFE"),
    Variant("fast_scnn_camvid", "fast_scnn", backbone="LtD + GFE"),
    Variant("s2fpn18", "s2fpn", 17_095_140, (27.97, 111.86), backbone="ResNet-18", key_table="s2fpn"),
    Variant("s2fpn34", "s2fpn", 27_203_300, (47.32, 189.27), backbone="ResNet-34", key_table="s2fpn"),
    Variant("s2fpn34m", "s2fpn", 27_203_300, (185.40, 741.56), backbone="ResNet-34, no max-pool", key_table="s2fpn"),
    Variant("sgcpnet", "sgcpnet", 607_826, (0.900, 3.599), backbone="MobileNetV3-Small", key_table="sgcpnet"),
    Variant("sgcpnet_camvid", "sgcpnet", backbone="MobileNetV3-Small", key_table="sgcpnet"),
    Variant("gain18", "gain", 11_955_317, (38.88, 157.35), backbone="ResNet-18, deep stem", key_table="gain18"),
    Variant("gain18_camvid", "gain", backbone="ResNet-18, deep stem", key_table="gain18"),
    Variant("gain_df2", "gain", 18_063_061, (22.00, 89.83), backbone="DFNetV2", key_table="gain_df2"),
    Variant("gain_df2_camvid", "gain", backbone="DFNetV2", key_table="gain_df2"),
    Variant("ddrnet23_slim", "ddrnet", 5_695_987, (9.168, 36.670), backbone="DDRNet-23-slim (dual-resolution)",
            key_table="ddrnet"),
    Variant("ddrnet23", "ddrnet", 20_148_947, (35.919, 143.677), backbone="DDRNet-23 (dual-resolution)",
            key_table="ddrnet"),
    Variant("pidnet_s", "pidnet", 7_625_715, (11.919, 47.676), backbone="PIDNet-S (three-branch)",
            key_table="pidnet"),
    Variant("pidnet_m", "pidnet", 28_538_515, (44.531, 178.124), backbone="PIDNet-M (three-branch)",
            key_table="pidnet"),
    Variant("pidnet_l", "pidnet", 36_939_571, (68.956, 275.822), backbone="PIDNet-L (three-branch)",
            key_table="pidnet"),
    Variant("stdc1_seg", "stdc", 8_275_104, (16.958, 67.831), backbone="STDC1 (STDCNet813)", key_table="stdc1_seg"),
    Variant("stdc2_seg", "stdc", 12_305_568, (23.567, 94.268), backbone="STDC2 (STDCNet1446)", key_table="stdc2_seg"),
    Variant("bisenetv2", "bisenetv2", 3_358_627, (24.747, 98.988), backbone="Detail + Semantic branches",
            key_table="bisenetv2"),
    Variant("bisenetv2_camvid", "bisenetv2", backbone="Detail + Semantic branches", key_table="bisenetv2"),
)}

# `arena profile all`, `arena verify`: every variant with official figures.
PUBLISHED: tuple[str, ...] = tuple(v.name for v in VARIANTS.values() if v.params is not None)
# One variant per published network of the default study set: what studies run by default (the
# budget of `arena ablate` is planned for these five; `--nets all` adds the others).
REPRESENTATIVES: tuple[str, ...] = tuple(f.representative for f in FAMILIES.values() if f.default_study)
# One variant of every family: what the swap matrix (`arena swaps`) covers by default.
EVERY_FAMILY: tuple[str, ...] = tuple(f.representative for f in FAMILIES.values())


def family_of(variant: str) -> Family | None:
    """The published family of a shipped variant, or None for a user's own network."""
    v = VARIANTS.get(variant)
    return FAMILIES[v.family] if v else None
