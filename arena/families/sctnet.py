"""SCTNet: "SCTNet: Single-Branch CNN with Transformer Semantic Information for Real-Time Segmentation",
Xu et al., AAAI 2024, arXiv:2312.17071.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
What arena does not build: the training-only semantic information alignment module (SIAM: a frozen
SegFormer-B2/B3 teacher, three 1x1 student projections and the channel-wise distillation loss), because
its Cityscapes-trained teacher cannot be loaded here; arena trains the student and its auxiliary head
only, from scratch, and every training row says so (TEACHER_GAP; docs/networks.md#sctnet).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

# Every SCTNet train row carries this (its protocol's training_note): the published training had both.
TEACHER_GAP = ("no SIAM teacher: trained without the SegFormer alignment loss (its Cityscapes-trained "
               "teacher cannot be loaded here) and without ImageNet pre-training; the published SCTNet rows "
               "had both (docs/networks.md#sctnet)")
FAMILY = Family("sctnet", "SCTNet: Single-Branch CNN with Transformer Semantic Information for Real-Time "
                "Segmentation", "2312.17071", "xzz777/SCTNet", "sctnet_s", "docs/networks.md#sctnet", order=14,
                short="SCTNet", summary="single-branch CNN, CFBlocks (conv attention), DAPPM; no SIAM teacher",
                final_align_corners=False, default_study=False, training_note=TEACHER_GAP)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
# specs/sctnet.md §7.2: the inference graph (backbone + decode_head), fvcore with the final resize.
_SRC = "xzz777/SCTNet @ `d4bd6d8`, `mmseg/models/backbones/sctnet.py` + `decode_heads/sct_head.py`"
VARIANTS = (
    Variant("sctnet_s", "sctnet", 4_654_643, (8.084, 32.335), backbone="SCTNet-S (single branch, CFBlocks)",
            key_table="sctnet", source=_SRC + " (sctnet-s_seg50 config)"),
    Variant("sctnet_b", "sctnet", 17_437_779, (29.995, 119.980), backbone="SCTNet-B (single branch, CFBlocks)",
            key_table="sctnet", source=_SRC + " (sctnet-b_seg50 config)"),
)
# Exact fvcore totals (specs/sctnet.md §7.2), for the tests: (512x1024, 1024x2048); 768x1536 (Seg75) beside.
FVCORE_MACS = {"sctnet_s": (8_083_640_832, 32_334_512_640), "sctnet_b": (29_995_148_288, 119_980_393_472)}
FVCORE_MACS_SEG75 = {"sctnet_s": 18_188_170_752, "sctnet_b": 67_489_000_448}
# Training graph figures the tests check: AU_SCTHead (auxiliary_head.0) parameters.
AUX_PARAMS = {"sctnet_s": 38_419, "sctnet_b": 150_547}

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# Official configs/sctnet/cityscapes/sctnet-{s,b}_seg{50,75}_8x2_160k_cityscapes.py (specs/sctnet.md §5.1):
# AdamW lr 4e-4, betas (0.9, 0.999), weight decay 0.0125 on every parameter; parameters named "head" x10
# (decode and auxiliary heads: arena's head role); poly power 1.0 after a 1,500-iteration linear warm-up
# from 1e-6; 160k iterations, batch 16 (2 GPUs x 8), crop 512x1024, scale 0.25-1.5; CE 1.0 + aux CE 0.4,
# mmseg's mean over all pixels (ignored ones count 0). Approximations: poly decays to 0 (official: to
# min_lr 1e-6) and starts after the warm-up (mmcv: over all iterations); arena's colour jitter for
# mmseg's photometric distortion. Not reproduced: the alignment loss [3, 15, 15, 15] with the
# SegFormer teacher and the ImageNet backbone (TEACHER_GAP). B-Seg100 trains 1024x1024 crops at scale
# 0.5-2.0: `--crop 1024,1024` (the scale range stays 0.25-1.5).
PAPER = Schedule("paper", iters=160_000, batch=16, crop=(512, 1024), lr=4e-4, weight_decay=0.0125,
                 decay_norms_and_biases=True, warmup=1500 / 160_000, warmup_start=1e-6, power=1.0,
                 optimizer="adamw", betas=(0.9, 0.999), ce_all_pixels=True, scale=(0.25, 1.5), eval_every=2000,
                 ckpt_every=16_000, log_every=50, lr_mult=(("head", 10.0),),
                 source="SCTNet official configs/sctnet/cityscapes (AdamW 4e-4 / 0.0125 on all parameters, heads "
                        "x10, poly 1.0, 1.5k warm-up, CE 1.0 + aux 0.4 averaged over all pixels); "
                        + TEACHER_GAP)

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_README = "official README (xzz777/SCTNet), Cityscapes val, single scale"
_TIMING = ("RTX 3090, the authors' timing copy (speed/SCTNet.py, fp32, batch 1, final resize included); "
           "TensorRT FP16 via mmdeploy: {trt} FPS")
_TRAINED = "ImageNet-pretrained backbone and a SegFormer-{t} teacher (SIAM) in training"
_SCALES = "Seg50 / Seg75 / Seg100: the same network fed 0.5 / 0.75 / 1.0 of 1024x2048"

PUBLISHED = (
    # SCTNet (docs/networks.md#sctnet; specs/sctnet.md §6.1). The paper's tables were not retrievable.
    Published("sctnet_s", "SCTNet-S-Seg50", "SCTNet-S", "cityscapes", "val", 72.94, 160.3, "RTX 3090",
              "PyTorch fp32", "512x1024", 4.6, None, None, _README, headline=True,
              note=f"{_TIMING.format(trt=451.2)}; {_TRAINED.format(t='B2')}; {_SCALES}"),
    Published("sctnet_s", "SCTNet-S-Seg75", "SCTNet-S", "cityscapes", "val", 76.33, 149.2, "RTX 3090",
              "PyTorch fp32", "768x1536", 4.6, None, None, _README,
              note=f"{_TIMING.format(trt=233.3)}; {_TRAINED.format(t='B2')}"),
    Published("sctnet_b", "SCTNet-B-Seg50", "SCTNet-B", "cityscapes", "val", 76.46, 144.9, "RTX 3090",
              "PyTorch fp32", "512x1024", 17.4, None, None, _README,
              note=f"{_TIMING.format(trt=374.6)}; {_TRAINED.format(t='B3')}"),
    Published("sctnet_b", "SCTNet-B-Seg75", "SCTNet-B", "cityscapes", "val", 79.83, 105.2, "RTX 3090",
              "PyTorch fp32", "768x1536", 17.4, None, None, _README,
              note=f"{_TIMING.format(trt=186.6)}; {_TRAINED.format(t='B3')}"),
    Published("sctnet_b", "SCTNet-B-Seg100", "SCTNet-B", "cityscapes", "val", 80.51, 62.8, "RTX 3090",
              "PyTorch fp32", "1024x2048", 17.4, None, None, _README, headline=True,
              note=f"{_TIMING.format(trt=105.0)}; {_TRAINED.format(t='B3')}; trained on 1024x1024 crops"),
)

# -- the official key table ------------------------------------------------------------
# Official `xzz777/SCTNet` (mmseg EncoderDecoder_Distill) module paths -> sctnet.arena nodes. The trunk,
# CFBlocks and DAPPM keep their official names inside arena's nodes (specs/sctnet.md §4.4); the heads
# are head.fcn(preact=True). The timing copy speed/SCTNet.py names the decode head `decoder`.

SCTHEAD = (("bn1", "pre.0"), ("conv1", "body.0.0"), ("bn2", "body.0.1"), ("conv_seg", "body.2"))
STEM = (("0", "convs.0.0"), ("1", "convs.0.1"), ("3", "convs.1.0"), ("4", "convs.1.1"))
SIAM = ("training only, not built: SIAM (the student's 1x1 alignment projections) and the frozen SegFormer "
        "teacher; its weights cannot be loaded here (docs/networks.md#sctnet)")
HEAD_ORDER = ("mmseg's BaseDecodeHead creates conv_seg before the subclass adds bn1/conv1/bn2, though the "
              "forward calls it last")


def sctnet() -> KeyTable:
    rules = parts(r"backbone\.conv1", "nodes.conv1", STEM)
    rules += [(r"backbone\.(layer[123])", r"nodes.\1"), (r"backbone\.(layer3_2|layer4|layer5)", r"nodes.\1.0"),
              (r"backbone\.spp", "nodes.spp")]
    rules += parts(r"backbone\.convdown4", "nodes.convdown4", (("0", "body.0"), ("1", "body.1")))
    rules += parts(r"(?:decode_head|decoder)", "nodes.decode_head", SCTHEAD)
    rules += parts(r"auxiliary_head\.0", "nodes.aux1", SCTHEAD)
    skips = ((r"auxiliary_head\.1\..*", SIAM),)
    reordered = ((r"(decode_head|auxiliary_head\.0)\.conv_seg\..*", HEAD_ORDER),)
    return KeyTable("SCTNet", "xzz777/SCTNet EncoderDecoder_Distill (SCTNet + SCTHead + AU_SCTHead)", tuple(rules),
                    skips, reordered)


KEY_TABLES = {"sctnet": sctnet}
