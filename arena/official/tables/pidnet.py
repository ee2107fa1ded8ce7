"""PIDNet's key table: official `XuJiacong/PIDNet` PIDNet module paths -> pidnet*.arena nodes.

Stages, PAPPM/DAPPM, Bag/Light-Bag and the heads keep their official names inside arena's nodes
(specs/pidnet.md §4). Single-block D stages built by `_make_single_layer` (`layer3_d` always,
`layer4_d` in L) have no block index in their keys; arena's stage holds that block as block 0. Pag's
`f_y` is its own node in arena (`pagN_fy`: see pidnet.arena). Released Cityscapes checkpoints are
`FullModel` state dicts: every key prefixed `model.` (accepted by every rule) plus the loss's class
weights (skipped).
"""
from __future__ import annotations

from arena.official.keys import KeyTable, parts
from arena.official.tables.ddrnet import FULL_MODEL, LOSS_WEIGHT, SEGHEAD, STEM

CONV_BN = (("0", "body.0"), ("1", "body.1"))


def pidnet() -> KeyTable:
    m = FULL_MODEL
    rules = parts(rf"{m}conv1", "nodes.conv1", STEM)
    rules += [(rf"{m}(layer\d_d)\.(\d+)", r"nodes.\1.\2"), (rf"{m}(layer\d_d)", r"nodes.\1.0"),
              (rf"{m}(layer\d_?)", r"nodes.\1"), (rf"{m}(pag\d)\.f_x", r"nodes.\1.f_x"),
              (rf"{m}spp", "nodes.spp"), (rf"{m}dfm", "nodes.dfm")]
    rules += parts(rf"{m}(pag\d)\.f_y", r"nodes.\1_fy", CONV_BN)
    rules += parts(rf"{m}(compression\d|diff\d)", r"nodes.\1", CONV_BN)
    for official, node in (("seghead_p", "aux1"), ("seghead_d", "aux2"), ("final_layer", "final_layer")):
        rules += parts(rf"{m}{official}", f"nodes.{node}", SEGHEAD)
    return KeyTable("PIDNet", "XuJiacong/PIDNet models/pidnet.py PIDNet", tuple(rules),
                    ((r"sem_loss\.criterion\.weight", LOSS_WEIGHT),))
