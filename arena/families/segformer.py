"""SegFormer: "SegFormer: Simple and Efficient Design for Semantic Segmentation with Transformers", Xie et al.,
NeurIPS 2021, arXiv:2105.15203.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).

Not built: the decode head's `conv_seg` (BaseDecodeHead's 1x1 128 -> 19 classifier, 2,451 parameters):
the official SegFormerHead creates it and never calls it (it classifies with `linear_pred`); its keys
are skipped on load with that reason (specs/segformer.md §2.5, A1).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable
from arena.schedule import Schedule

FAMILY = Family("segformer", "SegFormer: Simple and Efficient Design for Semantic Segmentation with Transformers",
                "2105.15203", "NVlabs/SegFormer", "segformer_b0", "docs/networks.md#segformer", order=10,
                short="SegFormer", summary="MiT encoder (efficient self-attention, Mix-FFN), all-MLP decoder",
                final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
_UNUSED = "the decode head's conv_seg, built by BaseDecodeHead and never called"
_SOURCE = "NVlabs/SegFormer @ `65fa8cf`, mit_{} + SegFormerHead in EncoderDecoder (specs/segformer.md §7)"
VARIANTS = (
    Variant("segformer_b0", "segformer", 3_721_478, (17.977, 121.836), 2_451, _UNUSED, "MiT-B0", "segformer",
            source=_SOURCE.format("b0")),
    # B1 is the spec's reference: figures measured, but no official key list recorded (no key table test)
    Variant("segformer_b1", "segformer", 13_684_582, (35.100, 240.257), 2_451, _UNUSED, "MiT-B1",
            source=_SOURCE.format("b1")),
)

# fvcore totals of the official eval forward, final resize included (specs/segformer.md §7.2): (H, W) -> MACs
FVCORE_MACS = {
    "segformer_b0": {(512, 1024): 17_976_655_872, (1024, 2048): 121_835_618_304, (768, 1536): 52_149_583_872,
                     (640, 1280): 31_745_433_600, (1024, 1024): 44_274_810_880},
    "segformer_b1": {(512, 1024): 35_099_770_880, (1024, 2048): 240_257_073_152},
}
# fvcore by operator at 1024x2048 (B0, §7.2): the attention products are matmuls, counted only when explicit
FVCORE_MATMUL_B0 = {(1024, 2048): 66_571_993_088, (512, 1024): 4_160_749_568}

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=160_000, batch=8, crop=(1024, 1024), lr=6e-5, weight_decay=0.01,
                 warmup=1500 / 160_000, warmup_start=1e-6, power=1.0, scale=(0.5, 2.0), eval_every=4000,
                 ckpt_every=16_000, log_every=50, lr_mult=(("op.linear", 10.0), ("head", 10.0)),
                 source="SegFormer official config segformer.b0.1024x1024.city.160k.py + _base_ (specs/segformer.md "
                        "§5.1): lr 6e-5, wd 0.01, x10 on decode_head (here its linear_c* op.linear nodes and the "
                        "head), poly 1.0 after a 1500-iteration linear warm-up from 1e-6x, batch 8, crop 1024x1024, "
                        "scale 0.5-2.0, no auxiliary loss. Differs: the official optimiser is AdamW (betas 0.9, "
                        "0.999), arena's loop steps SGD with momentum; official weight decay spares only the "
                        "LayerNorms (biases and the decoder BN decay), arena spares every 1-D tensor; the "
                        "official CE divides by all pixels, ignored ones included; from scratch "
                        "(docs/networks.md#segformer)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_PAPER = "paper Tables 1/2 (arXiv:2105.15203), recalled: unverified against the PDF (specs/segformer.md §6)"
_RT = "paper real-time table (arXiv:2105.15203), recalled: unverified (specs/segformer.md §6)"
_SLIDE = ("sliding-window test: three 1024x1024 windows, stride 768, on 1024x2048 (1.09x the whole-image MACs); "
          "trained at 1024x1024 from ImageNet-1K MiT weights; 'GFLOPs' are fvcore-style MACs")
_WHOLE = "whole image, short side {}: the same network; 'GFLOPs' are MACs (fvcore agrees within 2 %)"

PUBLISHED = (
    Published("segformer_b0", "SegFormer-B0", "MiT-B0", "cityscapes", "val", 76.2, 15.2, "V100", None, "1024x2048",
              3.8, 125.5, "GFLOPs", _PAPER, headline=True,
              note=_SLIDE + "; 3.8 M is the ADE20K model's count (19 classes: 3.72 M)"),
    Published("segformer_b0", "SegFormer-B0", "MiT-B0", "cityscapes", "val", 75.3, 26.3, "V100", None, "768x1536",
              3.8, 51.7, "GFLOPs", _RT, note=_WHOLE.format(768)),
    Published("segformer_b0", "SegFormer-B0", "MiT-B0", "cityscapes", "val", 73.7, 37.1, "V100", None, "640x1280",
              3.8, 31.5, "GFLOPs", _RT, note=_WHOLE.format(640)),
    Published("segformer_b0", "SegFormer-B0", "MiT-B0", "cityscapes", "val", 71.9, 47.6, "V100", None, "512x1024",
              3.8, 17.7, "GFLOPs", _RT, note=_WHOLE.format(512)),
    Published("segformer_b1", "SegFormer-B1", "MiT-B1", "cityscapes", "val", 78.5, None, None, None, "1024x2048",
              13.7, 243.7, "GFLOPs", _PAPER, headline=True, note=_SLIDE),
)

# -- the official key table ------------------------------------------------------------
# NVlabs/SegFormer EncoderDecoder(mit_b0, SegFormerHead) -> segformer.arena nodes. The MiT backbone is one
# node (`c1_c2_c3_c4`) that keeps the official module names below it (an ImageNet `mit_b0.pth` loads with
# `--pretrained` once its classifier `head.*` is left out). Linear weights keep their (out, in) shape.
_MIT = "nodes.c1_c2_c3_c4"


def segformer() -> KeyTable:
    rules = [(r"backbone\.(patch_embed\d|block\d|norm\d)", rf"{_MIT}.\1"),
             (r"decode_head\.linear_c(\d)", r"nodes.linear_c\1"),
             (r"decode_head\.linear_fuse\.conv", "nodes.logits.body.0.0"),
             (r"decode_head\.linear_fuse\.bn", "nodes.logits.body.0.1"),
             (r"decode_head\.linear_pred", "nodes.logits.body.2")]
    skips = ((r"decode_head\.conv_seg\..*", "never called: BaseDecodeHead builds conv_seg (1x1, 128 -> classes), "
                                           "SegFormerHead.forward classifies with linear_pred"),)
    return KeyTable("SegFormer", "NVlabs/SegFormer EncoderDecoder (mix_transformer.py, segformer_head.py)",
                    tuple(rules), skips)


KEY_TABLES = {"segformer": segformer}
