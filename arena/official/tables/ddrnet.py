"""DDRNet's key table: official `ydhongHIT/DDRNet` DualResNet module paths -> ddrnet.arena nodes.

The stages, DAPPM and heads keep their official names inside arena's nodes (specs/ddrnet.md §4), so
most rules only add the `nodes.` prefix. Released Cityscapes checkpoints are HRNet `FullModel` state
dicts: every key prefixed `model.` (accepted by every rule) plus the loss's class weights (skipped).
"""
from __future__ import annotations

from arena.official.keys import KeyTable, parts

FULL_MODEL = r"(?:model\.)?"  # HRNet's FullModel wraps the network as `model`
# segmenthead (bn1, conv1, bn2, conv2) -> head.fcn(preact=True)
SEGHEAD = (("bn1", "pre.0"), ("conv1", "body.0.0"), ("bn2", "body.0.1"), ("conv2", "body.2"))
STEM = (("0", "convs.0.0"), ("1", "convs.0.1"), ("3", "convs.1.0"), ("4", "convs.1.1"))
LOSS_WEIGHT = ("the class weights of the training loss (HRNet FullModel's criterion buffer), not a "
               "parameter of the network")


def ddrnet() -> KeyTable:
    m = FULL_MODEL
    rules = parts(rf"{m}conv1", "nodes.conv1", STEM)
    rules += [(rf"{m}(layer\d_?)", r"nodes.\1"), (rf"{m}spp", "nodes.spp")]
    rules += parts(rf"{m}(compression\d)", r"nodes.\1", (("0", "body.0"), ("1", "body.1")))
    rules += parts(rf"{m}(down\d)", r"nodes.\1", STEM)  # down3: 0, 1; down4: 0, 1, (ReLU), 3, 4
    rules += parts(rf"{m}seghead_extra", "nodes.aux1", SEGHEAD) + parts(rf"{m}final_layer", "nodes.final_layer",
                                                                       SEGHEAD)
    return KeyTable("DDRNet", "ydhongHIT/DDRNet segmentation DualResNet", tuple(rules),
                    ((r"loss\.criterion\.weight", LOSS_WEIGHT),))
