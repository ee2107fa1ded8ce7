"""SeaFormer: "SeaFormer: Squeeze-enhanced Axial Transformer for Mobile Semantic Segmentation", Wan et al., ICLR 2023,
arXiv:2301.13156.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable
from arena.schedule import Schedule

# An attention-era baseline (issue 26): in the swap matrix, not in the default ablation set.
FAMILY = Family("seaformer", "SeaFormer: Squeeze-enhanced Axial Transformer for Mobile Semantic Segmentation",
                "2301.13156", "fudan-zvg/SeaFormer", "seaformer_s", "docs/networks.md#seaformer", order=12,
                short="SeaFormer", summary="MobileNetV2 trunk, squeeze-enhanced axial attention at strides 32 and 64, "
                "gated fusions, light head", final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
_SRC = "fudan-zvg/SeaFormer @ `9718d05`, `SeaFormer` + `LightHead`"
VARIANTS = (
    Variant("seaformer_s", "seaformer", 3_973_219, (2.049, 8.172), backbone="SeaFormer-S (MobileNetV2 + Sea layers)",
            key_table="seaformer", source=f"{_SRC}, seaformer_small.py (the Cityscapes configs' model)"),
    Variant("seaformer_b", "seaformer", 8_584_563, (3.483, 13.877), backbone="SeaFormer-B (MobileNetV2 + Sea layers)",
            key_table="seaformer", source=f"{_SRC}, seaformer_base.py (the Cityscapes configs' model)"),
)
# fvcore's exact totals (specs/seaformer.md §7.2), final resize included: the tests' golden figures.
FVCORE_MACS = {"seaformer_s": (2_048_675_328, 8_171_947_008), "seaformer_b": (3_482_664_960, 13_876_838_400)}

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# The full-resolution Cityscapes configs (seaformer_{small,base}_1024x1024_160k_1x8city.py): AdamW 3e-4, betas
# (0.9, 0.999), wd 0.01 (0 on the positional tables; the `norm` key matches no BN, so BN weights decay),
# decode head lr x 10, poly 1.0 after a 1500-iteration linear warm-up from 1e-6, 160k iterations, batch 8
# (1 x 8 GPUs), crop 1024x1024, resize (2048, 1024) x [0.5, 2], plain CE averaged over all pixels, ImageNet
# backbone (none can be downloaded: from scratch here). The head's two fusions are `fusion.sea` nodes: lr x 10
# as every `decode_head.*` parameter. Not reproduced: no decay on the positional tables (arena decays every
# parameter here, as the official does all but those 4 tables per attention).
PAPER = Schedule("paper", iters=160_000, batch=8, crop=(1024, 1024), lr=3e-4, weight_decay=0.01,
                 decay_norms_and_biases=True, warmup=1500 / 160_000, warmup_start=1e-6, power=1.0,
                 scale=(0.5, 2.0), eval_every=4000, ckpt_every=4000, log_every=50,
                 lr_mult=(("head", 10.0), ("fusion.sea", 10.0)), optimizer="adamw", betas=(0.9, 0.999),
                 ce_all_pixels=True,
                 source="fudan-zvg/SeaFormer local_configs/seaformer/seaformer_*_1024x1024_160k_1x8city.py: "
                        "AdamW, CE over all pixels (mmseg 0.19) (docs/networks.md#seaformer)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_README = "fudan-zvg/SeaFormer seaformer-seg/README.md (Cityscapes, Light Head)"
_MACS = "GFLOPs are fvcore totals without the final resize, i.e. MACs (specs/seaformer.md §6); ImageNet-pretrained"
PUBLISHED = (
    Published("seaformer_s", "SeaFormer-S", "SeaFormer-S", "cityscapes", "val", 76.4, None, None, None, "1024x2048",
              None, 8.0, "GMACs", _README, headline=True, note="(f) config, full resolution; " + _MACS),
    Published("seaformer_s", "SeaFormer-S", "SeaFormer-S", "cityscapes", "val", 71.1, None, None, None, "512x1024",
              None, 2.0, "GMACs", _README, note="(h) config: input 512x1024, logits resized to 1024x2048; " + _MACS),
    Published("seaformer_b", "SeaFormer-B", "SeaFormer-B", "cityscapes", "val", 77.7, None, None, None, "1024x2048",
              None, 13.7, "GMACs", _README, headline=True, note="(f) config, full resolution; " + _MACS),
    Published("seaformer_b", "SeaFormer-B", "SeaFormer-B", "cityscapes", "val", 72.2, None, None, None, "512x1024",
              None, 3.4, "GMACs", _README, note="(h) config: input 512x1024, logits resized to 1024x2048; " + _MACS),
)

# -- the official key table ------------------------------------------------------------
# Official `SeaFormer` (backbone.*) + `LightHead` (decode_head.*) -> seaformer.arena nodes. Conv2d_BN units
# are `.c` / `.bn` (arena `.0` / `.1`), mmcv ConvModules `.conv` / `.bn`. smb1-smb4 are the first tpm node's
# layers 0-7 (the stem is the strided_conv node x2), smb5 the second's; the Sea layers keep their official names.
TPM = "nodes.x8_x32"
SMB = {1: (1, 2, 3), 2: (4, 5), 3: (6, 7), 4: (8,)}  # official smb -> its layers' 1-based places in the trunk


def seaformer() -> KeyTable:
    rules = [(r"backbone\.smb1\.stem_block\.0\.c", "nodes.x2.body.0"),
             (r"backbone\.smb1\.stem_block\.0\.bn", "nodes.x2.body.1")]
    layers = [(f"smb{s}", j + 1, f"{TPM}.layers.{i - 1}") for s, places in SMB.items() for j, i in enumerate(places)]
    for smb, j, target in layers + [("smb5", 1, "nodes.smb5.layers.0")]:
        rules += [(rf"backbone\.{smb}\.layer{j}\.conv\.(\d)\.c", rf"{target}.conv.\1.0"),
                  (rf"backbone\.{smb}\.layer{j}\.conv\.(\d)\.bn", rf"{target}.conv.\1.1")]
    for t in ("trans1", "trans2"):
        rules += [(rf"backbone\.{t}\.(.+)\.c", rf"nodes.{t}.\1.0"), (rf"backbone\.{t}\.(.+)\.bn", rf"nodes.{t}.\1.1"),
                  (rf"backbone\.{t}", f"nodes.{t}")]  # positional tables and the FFN's biased depthwise conv
    for f in ("fuse1", "fuse2"):
        rules += [(rf"decode_head\.{f}\.(\w+)\.conv", rf"nodes.{f}.\1.0"),
                  (rf"decode_head\.{f}\.(\w+)\.bn", rf"nodes.{f}.\1.1")]
    rules += [(r"decode_head\.linear_fuse\.conv", "nodes.logits.linear_fuse.0"),
              (r"decode_head\.linear_fuse\.bn", "nodes.logits.linear_fuse.1"),
              (r"decode_head\.conv_seg", "nodes.logits.conv_seg")]
    reordered = ((r"backbone\.smb5\..*", "official creates smb5 with the other MobileNetV2 stages, but it reads "
                                         "trans1's output"),
                 (r"decode_head\.fuse[12]\..*", "the Light Head creates its fusion blocks after linear_fuse and "
                                                "conv_seg, and runs them first"))
    return KeyTable("SeaFormer", "fudan-zvg/SeaFormer SeaFormer + LightHead (mmseg EncoderDecoder)", tuple(rules), (),
                    reordered)


KEY_TABLES = {"seaformer": seaformer}
