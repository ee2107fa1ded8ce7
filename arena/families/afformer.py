"""AFFormer: "Head-Free Lightweight Semantic Segmentation with Linear Transformer", Dong et al., AAAI 2023,
arXiv:2301.04648.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

import re

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("afformer", "Head-Free Lightweight Semantic Segmentation with Linear Transformer", "2301.04648",
                "dongbo811/AFFormer", "afformer_t", "docs/networks.md#afformer", order=13, short="AFFormer",
                summary="pixel path + strided prototypes through adaptive-frequency-filter encoders, stride 8, "
                        "head-free (1x1 GN head)",
                final_align_corners=False, default_study=False,
                training_note="no ImageNet-1K backbone weights (the official recipe starts from them)")

# -- the shipped variants and their official figures (arena.networks) ------------------------------
# fvcore MACs of the official eval forward, final resize included, at 512x1024 and 1024x2048
# (specs/afformer.md §7.2; the official einsums, rounded by fvcore to 4 digits, §7.3)
FVCORE_MACS = {"afformer_t": (6_037_700_368, 24_150_753_472), "afformer_s": (6_549_952_464, 26_199_801_856),
               "afformer_b": (8_594_011_360, 34_376_089_440)}
# The two attention products per encoder layer as fvcore counts the official einsums (rounded) and their
# exact MACs (8 N Ch^2 each): arena writes them as matmul, which fvcore counts exactly (spec §7.3).
EINSUM_MACS = {  # variant -> ((fvcore, exact) @512x1024, (fvcore, exact) @1024x2048)
    "afformer_t": ((81_162_000, 81_149_952), (324_600_000, 324_599_808)),
    "afformer_s": ((92_162_000, 92_160_000), (368_640_000, 368_640_000)),
    "afformer_b": ((144_844_000, 144_850_944), (579_420_000, 579_403_776)),
}
ALIGN_PARAMS = 66_048  # decode_head.align: ConvModule 256 -> 256 + GN, built and never called (spec §2.6)
_UNUSED = "the head's `align` (conv 256 -> 256 + GN), built and never called"
_SRC = "dongbo811/AFFormer @ `c42ad25`, tools/afformer.py `{}` + aff_head.py `CLS` (Cityscapes config)"


def _variant(name: str, official: str, params: int, backbone: str) -> Variant:
    macs = FVCORE_MACS[name]
    return Variant(name, "afformer", params, (macs[0] / 1e9, macs[1] / 1e9), ALIGN_PARAMS, _UNUSED, backbone,
                   "afformer", source=_SRC.format(official))


# params: every official parameter (the authors' count, `align` included); expected = that - ALIGN_PARAMS
VARIANTS = (
    _variant("afformer_t", "afformer_tiny", 2_159_687, "AFFormer-Tiny (32, 64, 160, 216)"),
    _variant("afformer_s", "afformer_small", 2_355_487, "AFFormer-Small (32, 64, 176, 216)"),
    _variant("afformer_b", "afformer_base", 2_970_287, "AFFormer-Base (32, 96, 176, 216)"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# Official Cityscapes configs (spec §5.1): AdamW lr 4e-4, betas (0.9, 0.999), weight decay 0.01 on every
# parameter (the config's promise of no decay on norms is not implemented), poly(1.0) to 0 with a 1500-iteration
# linear warm-up from 1e-6, 160k iterations, 4 images x 2 GPUs, crop 1024x1024, scale 0.5-2.0, plain CE.
PAPER = Schedule("paper", iters=160_000, batch=8, crop=(1024, 1024), lr=4e-4, weight_decay=0.01,
                 decay_norms_and_biases=True, warmup=1500 / 160_000, warmup_start=1e-6, power=1.0,
                 scale=(0.5, 2.0), eval_every=5000, ckpt_every=16_000, log_every=50, optimizer="adamw",
                 betas=(0.9, 0.999), ce_all_pixels=True,
                 source="AFFormer official configs/AFFormer/AFFormer_*_cityscapes.py + bases (specs/afformer.md "
                        "§5.1); the batch is the config's 4 per GPU x the 2 GPUs of tools/cmd.sh. From scratch "
                        "here (the authors start from their ImageNet-1K backbone); BN, not SyncBN")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_NOT_RETRIEVED = "paper Cityscapes table not retrievable (specs/afformer.md §6)"

PUBLISHED = (
    # AFFormer (docs/networks.md#afformer; specs/afformer.md §6): "GFLOPs" are fvcore MACs with the final resize
    # (34.4 = 34,376,089,440 measured on the official code); "3M" counts the unused `align` too.
    Published("afformer_b", "AFFormer-B", "AFFormer-Base", "cityscapes", "val", 78.7, None, None, None,
              "1024x2048", 3.0, 34.4, "GFLOPs", "abstract (arXiv:2301.04648)", headline=True,
              note="GFLOPs as published are fvcore MACs incl. the final resize (spec §6); single-scale whole image"),
    Published("afformer_t", "AFFormer-T", "AFFormer-Tiny", "cityscapes", None, None, None, None, None, None, None,
              None, None, _NOT_RETRIEVED, headline=True, note="the paper's AFFormer-T Cityscapes figures are unknown"),
    Published("afformer_s", "AFFormer-S", "AFFormer-Small", "cityscapes", None, None, None, None, None, None, None,
              None, None, _NOT_RETRIEVED, headline=True, note="the paper's AFFormer-S Cityscapes figures are unknown"),
)

# -- the official key tables ------------------------------------------------------------
# AFFormer's key table: official `dongbo811/AFFormer` (backbone `AFFormer`, head `CLS`) -> afformer.arena nodes.
# Stage s: patch_embeds.0 / .1 = pixel embedding e{s} / prototype embedding p{s}; Restore = r{s}; aggregate =
# a{s}; mhca_blks.0 = the encoder g{s} (stages 1-3). The same names serve all three variants.

_BB = r"backbone\."
_ENC = _BB + r"mhca_stages\.([1-3])\.mhca_blks\.0"
RESTORE = (("conv1.conv", "conv1.0"), ("conv1.bn", "conv1.1"), ("dwconv", "dwconv"), ("norm", "norm"),
           ("conv2.conv", "conv2.0"), ("conv2.bn", "conv2.1"))
LAYER = (("factoratt_crpe.qkv", "qkv"), ("factoratt_crpe.proj", "proj"), ("mlp.fc1", "fc1"),
         ("mlp.dwconv.dwconv", "dwconv"), ("mlp.fc2", "fc2"), ("norm1", "norm1"), ("norm2", "norm2"))


def afformer() -> KeyTable:
    rules = [(_BB + r"stem\.(\d)\.conv", r"nodes.stem.convs.\1.0"), (_BB + r"stem\.(\d)\.bn", r"nodes.stem.convs.\1.1")]
    for index, path in ((0, "e"), (1, "p")):
        rules.append((_BB + rf"patch_embed_stages\.(\d)\.patch_embeds\.{index}\.patch_conv", rf"nodes.{path}\1"))
    rules += [(_BB + rf"mhca_stages\.(\d)\.Restore\.{re.escape(o)}", rf"nodes.r\1.{a}")
              for o, a in RESTORE]
    rules += [(_BB + r"mhca_stages\.(\d)\.aggregate\.conv", r"nodes.a\1.body.0"),
              (_BB + r"mhca_stages\.(\d)\.aggregate\.bn", r"nodes.a\1.body.1")]
    rules += [(_ENC + r"\.cpe\.proj", r"nodes.g\1.cpe.0"), (_ENC + r"\.crpe", r"nodes.g\1.crpe.0")]
    rules += [(_ENC + rf"\.MHCA_layers\.(\d+)\.{re.escape(o)}", rf"nodes.g\1.layers.\2.{a}")
              for o, a in LAYER]
    rules += parts(r"decode_head", "nodes.logits", (("conv_seg", "conv_seg"), ("squeeze.conv", "squeeze.0"),
                                                    ("squeeze.gn", "squeeze.1")))
    skips = ((r"decode_head\.align\..*", "the head's `align` ConvModule: built, never called (66,048 parameters)"),)
    aliases = ((_ENC + r"\.MHCA_layers\.\d+\.cpe\.(.*)", r"backbone.mhca_stages.\1.mhca_blks.0.cpe.\2",
                "each encoder's positional conv, shared by its layers"),
               (_ENC + r"\.MHCA_layers\.\d+\.(?:factoratt_crpe\.)?crpe\.(.*)",
                r"backbone.mhca_stages.\1.mhca_blks.0.crpe.\2",
                "each encoder's frequency filter, shared by its layers"))
    reordered = (
        (_BB + r"patch_embed_stages\.[1-3]\..*", "official creates every stage's patch embeddings before the first "
                                                  "MHCA stage; stage s reads stage s-1's aggregate"),
        (_BB + r"mhca_stages\.[1-3]\.aggregate\..*", "official creates `aggregate` before the encoder whose output "
                                                      "it reads"),
    )
    return KeyTable("AFFormer", "dongbo811/AFFormer AFFormer + CLS (tools/afformer.py, aff_head.py)", tuple(rules),
                    skips, reordered, aliases=aliases)


KEY_TABLES = {"afformer": afformer}
