"""Official checkpoints: load the authors' released weights into a published variant.

Every published variant creates and calls its modules in the order the official code does, but
arena names them after its own nodes (`nodes.<node>.<...>`), not after the official attributes.
So each family has a key table, written as data: prefix rules from an official module path to an
arena one (regular expressions, the rest of the key kept as it is; depth-dependent parts generated
from the official stage depths), and an explicit list of the official tensors that compute nothing,
each with its reason, which are skipped by name and reported. Every other tensor must map onto
exactly one arena tensor of the same shape, or nothing is loaded and one error names what differs.

`load_official(net, source)` fills a network in place; `convert(variant, official, out)` writes an
arena checkpoint (`{"arena_spec", "state_dict", "official_source"}`) atomically. Both return a
report (plain data) and never print.
"""
from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena import atomic
from arena.errors import ArenaError

SHOWN = 4  # how many keys an error names before "..."


class OfficialCheckpointError(ArenaError):
    """An official checkpoint that cannot be loaded: missing, not a checkpoint, or another variant's."""


@dataclass(frozen=True)
class Family:
    """The key table of one official code base."""

    name: str
    code: str  # the official model class, for reports and errors
    rules: tuple[tuple[str, str], ...]  # (official prefix regex, arena prefix template), first match wins
    skips: tuple[tuple[str, str], ...]  # (official key regex, why it holds nothing arena builds)


def _parts(official: str, arena: str, parts: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Rules for the sub-modules `parts` of one official module mapped onto one arena module."""
    return [(rf"{official}\.{re.escape(o)}", f"{arena}.{a}") for o, a in parts]


# -- FANet: feinanshan/FANet Train/ptsemseg/models/fanet (FANet with ResNet-18/34) ----------------

RESNET_BLOCK = (("conv1", "conv1.0"), ("bn1", "conv1.1"), ("conv2", "conv2.0"), ("bn2", "conv2.1"),
                ("downsample", "shortcut"))
FA = (("w_qs.conv", "q.0"), ("w_qs.bn", "q.1"), ("w_ks.conv", "k.0"), ("w_ks.bn", "k.1"),
      ("w_vs.conv", "v.0"), ("w_vs.bn", "v.1"), ("latlayer3.conv", "out.0"), ("latlayer3.bn", "out.1"))
CONV_BN = (("conv", "body.0"), ("bn", "body.1"))
FPN_OUTPUT = (("conv.conv", "body.0.0"), ("conv.bn", "body.0.1"), ("conv_out", "body.2"))


def _fanet() -> Family:
    rules = [(r"resnet\.conv1", "nodes.x4.conv.0"), (r"resnet\.bn1", "nodes.x4.conv.1")]
    rules += _parts(r"resnet\.layer(\d)\.(\d+)", r"nodes.c1_c2_c3_c4.layer\1.\2", RESNET_BLOCK)
    # ffm_32..ffm_4 are the stages at strides 64..8 (their names are stale, specs/fanet.md §2.1)
    for stage, level in (("32", 4), ("16", 3), ("8", 2), ("4", 1)):
        rules += _parts(rf"ffm_{stage}", f"nodes.a{level}", FA)
        rules += _parts(rf"ffm_{stage}\.up", f"nodes.u{level}", CONV_BN)
        rules += _parts(rf"ffm_{stage}\.smooth", f"nodes.s{level}", CONV_BN)
    # clslayer_32 reads ffm_32's smooth map (S4), clslayer_16 S3's: aux1 and aux2 in fanet.arena
    for official, node in (("clslayer_32", "aux1"), ("clslayer_16", "aux2"), ("clslayer_8", "logits")):
        rules += _parts(official, f"nodes.{node}", FPN_OUTPUT)
    skips = ((r"ffm_8\.smooth\..*", "S2's smooth 3x3 conv + BN: built, never called (docs/networks.md#fanet)"),
             (r"ffm_4\.up\..*", "S1's up 1x1 conv + BN: built, never called (docs/networks.md#fanet)"))
    return Family("FANet", "feinanshan/FANet FANet (Train/ptsemseg/models/fanet)", tuple(rules), skips)


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


def _s2fpn() -> Family:
    rules = [(r"conv1_x", "nodes.x.conv.0"), (r"bn1", "nodes.x.conv.1")]
    for i in (2, 3, 4, 5):  # conv2_x..conv5_x are torchvision's layer1..layer4
        rules += _parts(rf"conv{i}_x\.(\d+)", rf"nodes.f2_f3_f4_f5.layer{i - 1}.\1", RESNET_BLOCK)
    rules += _parts(r"cfgb\.0", "nodes.top", (("conv", "body.0.0"), ("bn", "body.0.1")))
    rules += _parts(r"fab\.0", "nodes.fab", (("conv", "body.0.0"), ("bn", "body.0.1")))
    # apf1..apf4 are APF5..APF2 (specs/s2fpn.md §2.1), each with its aux head and transition CBR
    for k, level in ((1, 5), (2, 4), (3, 3), (4, 2)):
        rules += _parts(rf"apf{k}", f"nodes.m{level}", APF)
        rules += _parts(rf"apf{k}\.classifier", f"nodes.aux{k}",
                        (("0.conv", "body.0.0"), ("0.bn", "body.0.1"), ("2.conv", "body.2")))
        rules += _parts(rf"apf{k}\.apf", f"nodes.p{level}", CONV_BN)
    for k, level in ((4, 5), (3, 4), (2, 3), (1, 2)):  # gfu4..gfu1 are GFU5..GFU2
        rules += _parts(rf"gfu{k}", f"nodes.g{level}", GFU)
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
    return Family("S2-FPN", "mohamedac29/S2-FPN SSFPN (model/SSFPNv1.py)", tuple(rules), skips)


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


def _sgcpnet() -> Family:
    rules = [(r"l1\.0", "nodes.x2.body.0"), (r"l1\.1", "nodes.x2.body.1")]
    rules += _parts(r"l2", "nodes.c8_c16_c32.stages.0.0", MBV3_BLOCK)  # l2 is one block, l3..l5 lists
    for layer in (3, 4, 5):
        rules += _parts(rf"l{layer}\.(\d+)", rf"nodes.c8_c16_c32.stages.{layer - 2}.\1", MBV3_BLOCK)
    rules += [(rf"conv{i}", f"nodes.c{i}.body.0") for i in (3, 4, 5)]
    unit = r"sgcp\.td_bu\.unit\.0"
    for official, node in SGCP_LATERALS:
        rules += _parts(rf"{unit}\.{official}", f"nodes.{node}", LATERAL)
    for module, fusions in ((unit, TD_BU_FUSIONS), (r"sgcp\.td", TD_FUSIONS)):
        for weight, conv, node in fusions:
            rules.append((rf"{module}\.{weight}", f"nodes.{node}.weight"))  # stored in the official order
            rules += _parts(rf"{module}\.{conv}", f"nodes.{node}", SEPCONV)
    rules.append((r"classifier", "nodes.logits.body.1"))
    return Family("SGCPNet", "zhouyuan888888/SGCPNet SGCPNet (models/SGCPNet.py)", tuple(rules), ())


# -- GAIN: hustvl/simpleseg ResCLANet (CLAHead) and DFCLANet (CLALightHead) ----------------------

GAI = (("attention.gamma", "gamma"), ("attention.query_conv", "q"), ("attention.key_conv", "k"),
       ("attention.value_conv", "v"), ("conv1", "guide_conv"), ("conv2", "value_init"),
       ("bottleneck", "bottleneck"))
AUX = (("layers.0", "body.0.0"), ("layers.1", "body.0.1"), ("layers.4", "body.2"))
DFNET_REPEATS = (2, 1, 10, 1, 4, 2)  # DFNetV2 stage2_1, stage2_2, stage3_1, ... (specs/gain.md §3.2)


def _gain_head(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """fpn_in laterals, GAP context, the two GAIs (0: p4 onto p3, 1: p5 onto p3) and the dsn heads."""
    rules = [(rf"seg_head\.fpn_in\.{i}", f"nodes.{p}.body") for i, p in enumerate(levels)]
    rules += [(r"seg_head\.ppm\.conv1", "nodes.ctx.glob"), (r"seg_head\.ppm\.conv2", "nodes.ctx.fuse")]
    for i, node in enumerate(("g4", "g5")):
        rules += _parts(rf"seg_head\.cross_layer_attentions\.{i}", f"nodes.{node}", GAI)
    for i, node in enumerate(("aux1", "aux2")):  # dsn[i] reads the head's out_features[1:][i]: p4', p5'
        rules += _parts(rf"dsn\.{i}", f"nodes.{node}", AUX)
    return rules


def _gain18() -> Family:
    rules = _parts(r"backbone", "nodes.x4", (("conv1.0", "convs.0.0"), ("conv1.1", "convs.0.1"),
                                             ("conv1.3", "convs.1.0"), ("conv1.4", "convs.1.1"),
                                             ("conv1.6", "convs.2.0"), ("bn1", "convs.2.1")))
    rules += _parts(r"backbone\.layer(\d)\.(\d+)", r"nodes.c2_c3_c4_c5.layer\1.\2", RESNET_BLOCK)
    rules += _gain_head(("p2", "p3", "p4", "p5"))
    rules += [(r"seg_head\.merge\.0", "nodes.merged.project.0"), (r"seg_head\.merge\.1", "nodes.merged.project.1"),
              (r"seg_head\.merge\.3", "nodes.refined.body.0"), (r"seg_head\.merge\.4", "nodes.refined.body.1")]
    rules += _parts(r"seg_head\.output", "nodes.logits", (("0", "body.0.0"), ("1", "body.0.1"), ("4", "body.2")))
    return Family("GAIN-R18", "hustvl/simpleseg ResCLANet + CLAHead", tuple(rules), ())


def _gain_df2() -> Family:
    rules = _parts(r"backbone\.stage1", "nodes.x4.convs", (("0", "0.0"), ("1", "0.1"), ("3", "1.0"), ("4", "1.1")))
    for s, stage in enumerate((2, 3, 4)):  # stageN_1 then stageN_2 are arena's one stageN
        first = DFNET_REPEATS[2 * s]
        for part, offset in ((1, 0), (2, first)):
            for j in range(DFNET_REPEATS[2 * s + part - 1]):
                rules += _parts(rf"backbone\.stage{stage}_{part}\.{j}", f"nodes.c3_c4_c5.stage{stage}.{offset + j}",
                                RESNET_BLOCK)
    rules += _gain_head(("p3", "p4", "p5"))
    # CLALightHead's output: 1x1 CBR (arena: the concat's projection), 3x3 CBR, dropout, classifier
    rules += [(r"seg_head\.output\.0", "nodes.merged.project.0"), (r"seg_head\.output\.1", "nodes.merged.project.1"),
              (r"seg_head\.output\.3", "nodes.logits.body.0.0"), (r"seg_head\.output\.4", "nodes.logits.body.0.1"),
              (r"seg_head\.output\.7", "nodes.logits.body.2")]
    return Family("GAIN-DF2", "hustvl/simpleseg DFCLANet + CLALightHead", tuple(rules), ())


FAMILIES = {"fanet": _fanet(), "s2fpn": _s2fpn(), "sgcpnet": _sgcpnet(), "gain18": _gain18(),
            "gain_df2": _gain_df2()}
VARIANTS = {"fanet18": "fanet", "fanet34": "fanet", "s2fpn18": "s2fpn", "s2fpn34": "s2fpn",
            "s2fpn34m": "s2fpn", "sgcpnet": "sgcpnet", "sgcpnet_camvid": "sgcpnet", "gain18": "gain18",
            "gain18_camvid": "gain18", "gain_df2": "gain_df2", "gain_df2_camvid": "gain_df2"}
NO_OFFICIAL_CODE = {"fast_scnn": "Fast-SCNN has no official code (arena follows the paper, docs/networks.md#fast-scnn)",
                    "fast_scnn_camvid": "Fast-SCNN has no official code (arena follows the paper, docs/networks.md#fast-scnn)"}


def family(variant: str) -> Family:
    """The key table of a published variant; an error for anything else."""
    if variant in NO_OFFICIAL_CODE:
        raise OfficialCheckpointError(f"{variant}: no official checkpoint can be loaded: {NO_OFFICIAL_CODE[variant]}")
    if variant not in VARIANTS:
        raise OfficialCheckpointError(f"{variant} is not a published variant with official code "
                                      f"(one of {', '.join(VARIANTS)})")
    return FAMILIES[VARIANTS[variant]]


@dataclass
class KeyMap:
    """Official keys sorted by what the table does with them."""

    mapped: dict[str, str]  # official key -> arena key
    skipped: dict[str, str]  # official key -> reason
    unmatched: list[str]


def map_keys(variant: str, keys) -> KeyMap:
    """Apply a family's table to official keys (no shapes involved)."""
    fam = family(variant)
    out = KeyMap({}, {}, [])
    for key in keys:
        reason = next((why for pattern, why in fam.skips if re.fullmatch(pattern, key)), None)
        if reason is not None:
            out.skipped[key] = reason
            continue
        for pattern, template in fam.rules:
            m = re.match(rf"(?:{pattern})(?=\.|$)", key)
            if m:
                out.mapped[key] = m.expand(template) + key[m.end():]
                break
        else:
            out.unmatched.append(key)
    return out


# -- loading ------------------------------------------------------------------------------------

def _read(source) -> tuple[dict, list[str], str]:
    """The flat official state dict inside `source`, the wrappers taken off, and a label for it."""
    import torch

    label = "the given dict"
    if not isinstance(source, dict):
        path = Path(source)
        label = str(path)
        if not path.is_file():
            raise OfficialCheckpointError(f"no such checkpoint file: {path}")
        try:
            source = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            raise OfficialCheckpointError(f"{path} is not a PyTorch checkpoint: torch.load(weights_only=True) "
                                          "cannot read it (not a saved file, or it holds arbitrary Python objects)")
        except Exception as e:  # noqa: BLE001: any failure to load means "not a checkpoint"
            first = (str(e).strip().splitlines() or [""])[0][:120]
            raise OfficialCheckpointError(f"{path} is not a PyTorch checkpoint ({type(e).__name__}: {first})")
    source, unwrapped = unwrap(source)
    if not isinstance(source, dict) or not source:
        raise OfficialCheckpointError(f"{label} is not a checkpoint: it holds {type(source).__name__}"
                                      f"{' (empty)' if isinstance(source, dict) else ''}, not a dict of tensors")
    bad = [k for k, v in source.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise OfficialCheckpointError(f"{label} is not a state dict: {len(bad)} entries are not tensors "
                                      f"({_names(bad)})")
    return source, unwrapped, label


def unwrap(source: Any, prefixes: tuple[str, ...] = ("module.",)) -> tuple[Any, list[str]]:
    """The state dict inside the usual wrappers ({"state_dict": ...}, {"model": ...}, nested) with a
    prefix every key shares (DataParallel's `module.`) taken off; and what was taken off, in order."""
    unwrapped = []
    while isinstance(source, dict):
        inner = next((k for k in ("state_dict", "model") if isinstance(source.get(k), dict)), None)
        if inner is None:
            break
        unwrapped.append(inner)
        source = source[inner]
    for prefix in prefixes:
        if isinstance(source, dict) and source and all(isinstance(k, str) and k.startswith(prefix) for k in source):
            source = {k[len(prefix):]: v for k, v in source.items()}
            unwrapped.append(prefix)
    return source, unwrapped


def _names(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (", ..." if len(items) > SHOWN else "")


def _shape(t) -> str:
    return str(tuple(t.shape))


def _net(net):
    """A GraphNet of a published variant (built from its name when given a string); hybrids refused."""
    if isinstance(net, str):
        import arena

        net = arena.build(net)
    swaps = getattr(net, "swaps", ())
    if swaps:
        raise OfficialCheckpointError(f"{net.canonical} is a hybrid (swapped blocks): an official checkpoint "
                                      f"fits only a published variant such as {net.name}")
    return net


def load_official(net, source) -> dict[str, Any]:
    """Load an official state dict (path or dict) into `net` in place; returns a report.

    On any mismatch nothing is loaded and one `OfficialCheckpointError` names the first keys and
    shapes that do not fit.
    """
    net = _net(net)
    fam = family(net.name)
    official, unwrapped, label = _read(source)
    keys = map_keys(net.name, official)
    ours = net.state_dict()
    unknown, shapes, filled, misfit = list(keys.unmatched), [], {}, set()
    for key, target in keys.mapped.items():
        if target not in ours or target in filled:
            unknown.append(key)
        elif ours[target].shape != official[key].shape:
            shapes.append(f"{key} {_shape(official[key])} vs {_shape(ours[target])}")
            misfit.add(target)
        else:
            filled[target] = official[key]
    missing = [k for k in ours if k not in filled and k not in misfit]
    # checkpoints saved before PyTorch 0.4.1 have no BN step counters; eval outputs never read them
    counters = [k for k in missing if k.endswith("num_batches_tracked")]
    missing = [k for k in missing if k not in counters]
    if unknown and all(k.startswith("nodes.") for k in official):
        raise OfficialCheckpointError(f"{label} is an arena checkpoint, not an official one: load it with "
                                      "net.load_state_dict(torch.load(path)['state_dict'])")
    if unknown or shapes or missing:
        parts = [f"{len(unknown)} keys unmatched ({_names(unknown)})"] if unknown else []
        if shapes:
            parts.append(f"{len(shapes)} shapes differ ({_names(shapes)})")
        if missing:
            parts.append(f"{len(missing)} of its tensors missing ({_names(missing)})")
        raise OfficialCheckpointError(f"{label} does not fit {net.canonical} ({fam.code}): {', '.join(parts)}: "
                                      "is it a checkpoint of another variant?")
    net.load_state_dict({**filled, **{k: ours[k] for k in counters}}, strict=True)
    return {"variant": net.canonical, "family": fam.name, "official_code": fam.code, "source": label,
            "loaded": len(filled), "skipped": dict(keys.skipped), "unwrapped": unwrapped,
            "counters_kept": len(counters)}


def convert(variant: str, official_path, out_path) -> dict[str, Any]:
    """Write an arena checkpoint of `variant` from an official one; atomic (nothing written on error).

    The file holds {"arena_spec": canonical, "state_dict": ..., "official_source": path} and loads with
    `arena.build(variant).load_state_dict(torch.load(out)["state_dict"])`.
    """
    out = Path(out_path)
    if not out.parent.is_dir():
        raise OfficialCheckpointError(f"output folder {out.parent} does not exist")
    net = _net(variant)
    report = load_official(net, Path(official_path))
    payload = {"arena_spec": net.canonical, "state_dict": net.state_dict(), "official_source": str(official_path)}
    atomic.torch_save(payload, out)
    return {**report, "out": str(out)}
