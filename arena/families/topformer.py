"""TopFormer: "TopFormer: Token Pyramid Transformer for Mobile Semantic Segmentation", Zhang et al., CVPR 2022,
arXiv:2204.05525.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable
from arena.schedule import Schedule

# An attention-era baseline (issue 26): in the swap matrix, not in the default ablation set.
FAMILY = Family("topformer", "TopFormer: Token Pyramid Transformer for Mobile Semantic Segmentation", "2204.05525",
                "hustvl/TopFormer", "topformer_b", "docs/networks.md#topformer", order=11, short="TopFormer",
                summary="MobileNetV2 token pyramid, stride-64 transformer (SASE), semantic injection, sum head",
                final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
_SRC = "hustvl/TopFormer @ `cc0f436`, `Topformer` + `SimpleHead`"
VARIANTS = (
    Variant("topformer_t", "topformer", 1_389_011, (1.194, 4.928), backbone="TopFormer-T (token pyramid)",
            key_table="topformer", source=f"{_SRC}, topformer_tiny_1024x512_80k_2x8_city.py"),
    Variant("topformer_s", "topformer", 3_009_379, (2.178, 8.940), backbone="TopFormer-S (token pyramid)",
            key_table="topformer", source=f"{_SRC}, topformer_small.py (ADE20K) with 19 classes: no Cityscapes "
                                          "config exists"),
    Variant("topformer_b", "topformer", 4_839_667, (2.848, 11.695), backbone="TopFormer-B (token pyramid)",
            key_table="topformer", source=f"{_SRC}, topformer_base_1024x512_80k_2x8city.py"),
)
# fvcore's exact totals (specs/topformer.md §7.2), final resize included: the tests' golden figures.
FVCORE_MACS = {"topformer_t": (1_194_164_224, 4_927_651_840), "topformer_s": (2_178_457_600, 8_940_322_816),
               "topformer_b": (2_848_374_784, 11_695_489_024)}

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# The B Cityscapes config (80k iterations) with the T config's half-resolution resize (images 512r x 1024r,
# r in [0.5, 2]: scale 0.25-1.0 of the 1024x2048 frame); the B config's own (512, 512) scale trains at a
# quarter of the test resolution, probably a slip (specs/topformer.md §5.1, A5). Official: AdamW 3e-4,
# betas (0.9, 0.999), wd 0.01 on every parameter (the `norm` key matches no BN), head lr x 10, poly 1.0
# after a 1500-iteration linear warm-up from 1e-6, batch 8 (1 x 8 GPUs as the config is written), plain CE
# averaged over all pixels. From scratch here (no ImageNet backbone can be downloaded).
PAPER = Schedule("paper", iters=80_000, batch=8, crop=(512, 1024), lr=3e-4, weight_decay=0.01,
                 decay_norms_and_biases=True, warmup=1500 / 80_000, warmup_start=1e-6, power=1.0,
                 scale=(0.25, 1.0), eval_every=4000, ckpt_every=4000, log_every=50, lr_mult=(("head", 10.0),),
                 optimizer="adamw", betas=(0.9, 0.999), ce_all_pixels=True,
                 source="hustvl/TopFormer local_configs/topformer/topformer_base_1024x512_80k_2x8city.py with the "
                        "T config's resize: AdamW, CE over all pixels (mmseg 0.19) (docs/networks.md#topformer)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_NONE = ("the authors published no Cityscapes number for this variant (ADE20K, Pascal Context and COCO-Stuff "
         "only); README: 1.4 M params (T) / 3.1 M (S) at 150 classes")
PUBLISHED = (
    Published("topformer_b", "TopFormer-B", "TopFormer-B", "cityscapes", "val", 70.7, None, None, None, "512x1024",
              None, 2.7, "GMACs", "paper's Cityscapes table, quoted in hustvl/TopFormer#39; GFLOPs recalled from "
              "SeaFormer's Cityscapes table (specs/topformer.md §6, unverified)", headline=True,
              note="half-resolution input, logits resized to 1024x2048; ImageNet-pretrained"),
    Published("topformer_b", "TopFormer-B", "TopFormer-B", "cityscapes", "val", 75.0, None, None, None, "1024x2048",
              None, 11.2, "GMACs", "SeaFormer's Cityscapes table as recalled by specs/topformer.md §6 (unverified)"),
    Published("topformer_t", "TopFormer-T", "TopFormer-T", "cityscapes", None, None, None, None, None, None, 1.4,
              None, None, "hustvl/TopFormer README", headline=True, note=_NONE),
    Published("topformer_s", "TopFormer-S", "TopFormer-S", "cityscapes", None, None, None, None, None, None, 3.1,
              None, None, "hustvl/TopFormer README", headline=True, note=_NONE),
)

# -- the official key table ------------------------------------------------------------
# Official `Topformer` (backbone.*) + `SimpleHead` (decode_head.*) -> topformer.arena nodes. Conv2d_BN
# units are `.c` / `.bn` (arena: `.0` / `.1`), mmcv ConvModules `.conv` / `.bn`; inverted residual i
# (1-based) is the tpm node's `layers.{i-1}` (the stem: the strided_conv node x2); the SASE keeps its official
# names inside the token_mhsa node.
TPM, LAYERS = "nodes.x4_x8_x16_x32", 10  # the most layers of a variant (-S, -B)


def topformer() -> KeyTable:
    rules = [(r"backbone\.tpm\.stem\.0\.c", "nodes.x2.body.0"), (r"backbone\.tpm\.stem\.0\.bn", "nodes.x2.body.1")]
    for i in range(1, LAYERS + 1):
        rules += [(rf"backbone\.tpm\.layer{i}\.conv\.(\d)\.c", rf"{TPM}.layers.{i - 1}.conv.\1.0"),
                  (rf"backbone\.tpm\.layer{i}\.conv\.(\d)\.bn", rf"{TPM}.layers.{i - 1}.conv.\1.1")]
    rules += [(r"backbone\.trans\.(.+)\.c", r"nodes.trans.\1.0"), (r"backbone\.trans\.(.+)\.bn", r"nodes.trans.\1.1"),
              (r"backbone\.trans", "nodes.trans")]  # the MLP's biased depthwise conv: `mlp.dwconv`
    for i, node in ((1, "sim8"), (2, "sim16"), (3, "sim32")):
        rules += [(rf"backbone\.SIM\.{i}\.(\w+)\.conv", rf"nodes.{node}.\1.0"),
                  (rf"backbone\.SIM\.{i}\.(\w+)\.bn", rf"nodes.{node}.\1.1")]
    rules += [(r"decode_head\.linear_fuse\.conv", "nodes.logits.body.0.0"),
              (r"decode_head\.linear_fuse\.bn", "nodes.logits.body.0.1"),
              (r"decode_head\.conv_seg", "nodes.logits.body.2")]
    reordered = ((r"decode_head\.conv_seg\..*", "the decode head's base class creates the classifier before "
                                                "linear_fuse, which runs first"),)
    return KeyTable("TopFormer", "hustvl/TopFormer Topformer + SimpleHead (mmseg EncoderDecoder)", tuple(rules), (),
                    reordered)


KEY_TABLES = {"topformer": topformer}
