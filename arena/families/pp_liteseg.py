"""PP-LiteSeg: "PP-LiteSeg: A Superior Real-Time Semantic Segmentation Model", Peng et al., arXiv:2204.02681.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
The official code is PaddlePaddle (PaddleSeg): its `.pdparams` files are read without Paddle by
arena/official/paddle.py, which turns `<bn>._mean` / `._variance` into torch's `running_mean` /
`running_var`; the key tables below are written in those torch-side names (specs/pp_liteseg.md §4.3).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.families.stdc import trunk_rules
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("pp_liteseg", "PP-LiteSeg: A Superior Real-Time Semantic Segmentation Model", "2204.02681",
                "PaddlePaddle/PaddleSeg", "pp_liteseg_t", "docs/networks.md#pp-liteseg", order=15,
                short="PP-LiteSeg", summary="STDC trunk, SPPM, three spatial-attention UAFMs (aux heads in training)",
                final_align_corners=False, default_study=False)

# The three UAFM `_scale` scalars: Paddle parameters that never train (stop_gradient, value 1), buffers here.
_SCALE = 3
_SCALE_WHY = "the three UAFM `_scale` scalars, frozen at 1 (arena holds them as persistent buffers)"

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("pp_liteseg_t", "pp_liteseg", 8_028_323, (11.512, 46.040), unused_params=_SCALE, unused_why=_SCALE_WHY,
            backbone="STDC1 (PaddleSeg)", key_table="pp_liteseg_t",
            source="PaddlePaddle/PaddleSeg @ `d7975e7`, `PPLiteSeg` (STDC1, configs pp_liteseg_stdc1_*)", notes="[p]"),
    Variant("pp_liteseg_b", "pp_liteseg", 12_234_755, (19.337, 77.339), unused_params=_SCALE, unused_why=_SCALE_WHY,
            backbone="STDC2 (PaddleSeg)", key_table="pp_liteseg_b",
            source="PaddlePaddle/PaddleSeg @ `d7975e7`, `PPLiteSeg` (STDC2, configs pp_liteseg_stdc2_*)", notes="[p]"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=160_000, batch=16, crop=(512, 1024), lr=0.005, weight_decay=5e-4,
                 decay_norms_and_biases=True, warmup=1000 / 160_000, warmup_start=1e-5 / 0.005, power=0.9,
                 ohem=0.7, ohem_min_kept=130_000, scale=(0.5, 2.0), eval_every=16_000, ckpt_every=16_000,
                 log_every=50,
                 source="PaddleSeg configs/pp_liteseg/*_160k.yml + _base_/cityscapes.yml (4 GPUs x 4): SGD "
                        "momentum 0.9, L2 5e-4 on every parameter, 1 K linear warm-up from 1e-5 then poly 0.9, "
                        "OHEM (0.7, 130 K) on the main and both auxiliary heads, weights 1/1/1. Scales 0.5-2.0 "
                        "as the scale1.0 config (scale0.5/0.75 configs: 0.125-1.5). Approximations: arena's "
                        "ImageNet normalisation (official: (x/255 - 0.5)/0.5), from scratch "
                        "(docs/networks.md#pp-liteseg)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_TABLE = "paper comparison table as the official README reproduces it (arXiv:2204.02681)"
_SCALES = "T1/B1, T2/B2: the same network fed 0.5 / 0.75 of 1024x2048; FPS: ONNX -> TensorRT 7 FP32"
_REPO = "official README, Performance > Cityscapes (repo model, config scale{s}_160k)"

PUBLISHED = (
    Published("pp_liteseg_t", "PP-LiteSeg-T1", "STDC1", "cityscapes", "test", 72.0, 273.6, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, "abstract (arXiv:2204.02681)", headline=True, note=_SCALES),
    Published("pp_liteseg_t", "PP-LiteSeg-T1", "STDC1", "cityscapes", "val", 73.1, None, None, None, "512x1024",
              None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_t", "PP-LiteSeg-T2", "STDC1", "cityscapes", "test", 74.9, 143.6, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_t", "PP-LiteSeg-T2", "STDC1", "cityscapes", "val", 76.0, None, None, None, "768x1536",
              None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_t", "PP-LiteSeg-T", "STDC1", "cityscapes", "val", 77.04, None, None, None, "1024x2048",
              None, None, None, _REPO.format(s="1.0"), note="single scale, no flip"),
    Published("pp_liteseg_b", "PP-LiteSeg-B2", "STDC2", "cityscapes", "test", 77.5, 102.6, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, "abstract (arXiv:2204.02681)", headline=True, note=_SCALES),
    Published("pp_liteseg_b", "PP-LiteSeg-B2", "STDC2", "cityscapes", "val", 78.2, None, None, None, "768x1536",
              None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_b", "PP-LiteSeg-B1", "STDC2", "cityscapes", "test", 73.9, 195.3, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_b", "PP-LiteSeg-B1", "STDC2", "cityscapes", "val", 75.3, None, None, None, "512x1024",
              None, None, None, _TABLE, note=_SCALES),
    Published("pp_liteseg_b", "PP-LiteSeg-B", "STDC2", "cityscapes", "val", 79.04, None, None, None, "1024x2048",
              None, None, None, _REPO.format(s="1.0"), note="single scale, no flip"),
    Published("pp_liteseg_t", "PP-LiteSeg-T", "STDC1", "camvid", None, 73.30, 222.3, None, None, "720x960", None,
              None, None, "official README CamVid table; FPS via Papers with Code (unverified)", headline=True,
              note="no flip; the README's split is not stated"),
    Published("pp_liteseg_b", "PP-LiteSeg-B", "STDC2", "camvid", None, 75.10, 154.8, None, None, "720x960", None,
              None, None, "official README CamVid table; FPS via Papers with Code (unverified)", headline=True,
              note="no flip; the README's split is not stated"),
)

# -- the official key tables (torch-side names: arena/official/paddle.py renames the BN statistics) -----

T_REPEATS, B_REPEATS = (2, 2, 2), (4, 5, 3)  # specs/pp_liteseg.md §2.2
PADDLE_CBR = (("_conv", "0"), ("_batch_norm", "1"))  # PaddleSeg layer_libs ConvBNReLU / ConvBN
SEG_HEAD = (("conv._conv", "body.0.0"), ("conv._batch_norm", "body.0.1"), ("conv_out", "body.2"))


def _pp_liteseg(repeats: tuple[int, ...], name: str) -> KeyTable:
    rules = trunk_rules("backbone", repeats)  # PaddleSeg's STDC port: STDC-Seg's names
    rules += parts(r"ppseg_head\.cm\.stages\.(\d)\.1", r"nodes.sppm.stages.\1", PADDLE_CBR)
    rules += parts(r"ppseg_head\.cm\.conv_out", "nodes.sppm.conv_out", PADDLE_CBR)
    for i, node in enumerate(("arm8", "arm16", "arm32")):  # arm_list.0 runs at stride 8 (§2.4)
        arm = rf"ppseg_head\.arm_list\.{i}"
        rules += [(rf"{arm}\._scale", f"nodes.{node}._scale")]
        rules += parts(rf"{arm}\.conv_x", f"nodes.{node}.conv_x", PADDLE_CBR)
        rules += parts(rf"{arm}\.conv_out", f"nodes.{node}.conv_out", PADDLE_CBR)
        rules += parts(rf"{arm}\.conv_xy_atten\.(\d)", rf"nodes.{node}.conv_xy_atten.\1", PADDLE_CBR)
    for i, node in enumerate(("logits", "aux1", "aux2")):  # seg_heads.1 reads stride 16, .2 stride 32
        rules += parts(rf"seg_heads\.{i}", f"nodes.{node}", SEG_HEAD)
    reordered = ((r"ppseg_head\.arm_list\.[01]\..*", "official creates the UAFMs shallow first (arm_list.0 = stride "
                                                     "8), arena in call order (stride 32 first)"),)
    arena_only = ((r"nodes\..*\.num_batches_tracked", "Paddle's BatchNorm2D keeps no step counter: one per BN "
                                                      "layer, left as built"),)
    return KeyTable(name, "PaddlePaddle/PaddleSeg PPLiteSeg (paddleseg/models/pp_liteseg.py)", tuple(rules), (),
                    reordered, arena_only)


def pp_liteseg_t() -> KeyTable:
    return _pp_liteseg(T_REPEATS, "PP-LiteSeg-T")


def pp_liteseg_b() -> KeyTable:
    return _pp_liteseg(B_REPEATS, "PP-LiteSeg-B")


KEY_TABLES = {"pp_liteseg_t": pp_liteseg_t, "pp_liteseg_b": pp_liteseg_b}
