"""RTFormer: "RTFormer: Efficient Design for Real-Time Semantic Segmentation with Transformer", Wang et al.,
NeurIPS 2022, arXiv:2210.07124.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.ddrnet import SEGHEAD, STEM
from arena.families.records import Family, Published, Variant
from arena.official.keys import KeyTable, parts
from arena.schedule import Schedule

FAMILY = Family("rtformer", "RTFormer: Efficient Design for Real-Time Semantic Segmentation with Transformer",
                "2210.07124", "PaddlePaddle/PaddleSeg", "rtformer_slim", "docs/networks.md#rtformer", order=16,
                short="RTFormer", summary="dual-resolution trunk, GPU-friendly and cross-resolution attention, DAPPM",
                final_align_corners=False, default_study=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
# specs/rtformer.md §7.2: inference parameters (torch convention: BN statistics are buffers) and fvcore-rule
# MACs on the official Paddle eval graph, the in-model final resize included.
_SRC = "PaddlePaddle/PaddleSeg @ `d7975e7`, `paddleseg/models/rtformer.py`, Cityscapes config"
VARIANTS = (
    Variant("rtformer_slim", "rtformer", 5_365_043, (9.550_287_360, 38.172_738_048),
            backbone="RTFormer-Slim (dual-resolution, GFA + cross-resolution attention)", key_table="rtformer",
            source=_SRC + " (base_channels 32, injection in both blocks)"),
    Variant("rtformer_base", "rtformer", 17_765_971, (34.895_143_936, 139.467_129_856),
            backbone="RTFormer-Base (dual-resolution, GFA + cross-resolution attention)", key_table="rtformer",
            source=_SRC + " (base_channels 64, injection in layer4 only)"),
)
# Training graph (+ seghead_extra, training only): 5,403,398 / 17,916,390 parameters (specs/rtformer.md §7.2).
TRAIN_PARAMS = {"rtformer_slim": 5_403_398, "rtformer_base": 17_916_390}
STATE_ENTRIES = {"rtformer_slim": 271, "rtformer_base": 261}  # official (Paddle) state-dict entries
AUX_WEIGHTS = (1.0, 0.4)  # [main, seghead_extra] loss coefficients of the Cityscapes configs

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
# configs/rtformer/rtformer_{slim,base}_cityscapes_1024x512_120k.yml (specs/rtformer.md §5.1): AdamW 4e-4,
# wd 0.0125 on every parameter, 1500 warm-up iterations from 1e-6, then linear decay to 1e-6 over 120k
# iterations, batch 12 (3 x 4 GPUs), crop 1024x512 (w x h), CE main + 0.4 aux (the .arena's aux weight),
# x10 learning rate on DAPPM and both heads. Not reproduced: the end LR 1e-6 (arena decays to 0); the BN
# momentum (Paddle's 0.1 = torch 0.9); the discrete scale set {0.5 .. 2.0} (sampled continuously) and the
# colour distortion; the ImageNet initialisation (none can be downloaded: from scratch here).
PAPER = Schedule("paper", iters=120_000, batch=12, crop=(512, 1024), lr=4e-4, weight_decay=0.0125,
                 decay_norms_and_biases=True, warmup=1500 / 120_000, warmup_start=1e-6 / 4e-4, power=1.0,
                 scale=(0.5, 2.0), eval_every=12_000, ckpt_every=12_000, log_every=50,
                 lr_mult=(("pyramid", 10.0), ("head", 10.0)), optimizer="adamw", betas=(0.9, 0.999),
                 source="PaddleSeg configs/rtformer/rtformer_*_cityscapes_1024x512_120k.yml (4 GPUs x 3): AdamW; "
                        "from scratch (docs/networks.md#rtformer)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_README = "official README (PaddleSeg configs/rtformer), single scale"
_PWC = "paper table as listed by PapersWithCode / HyperAI (arXiv:2210.07124); card from the CamVid listing"
_PARAMS = ("the paper's 4.8 M / 16.8 M parameters match the code only without the GFA memories "
           "(specs/rtformer.md §6, unverified); arena matches the code: 5.37 M / 17.77 M")

PUBLISHED = (
    # RTFormer (docs/networks.md#rtformer; specs/rtformer.md §6): ImageNet-pretrained trunks in every row.
    Published("rtformer_slim", "RTFormer-Slim", "RTFormer-Slim", "cityscapes", "val", 76.3, 89.6, "RTX 2080Ti",
              None, "1024x2048", 4.8, None, None, _PWC, headline=True, note=_PARAMS),
    Published("rtformer_slim", "RTFormer-Slim", "RTFormer-Slim", "cityscapes", "val", 76.31, None, None, None,
              "1024x2048", None, None, None, _README),
    Published("rtformer_slim", "RTFormer-Slim", "RTFormer-Slim", "camvid", "test", 81.4, 190.7, "RTX 2080Ti",
              None, "720x960", None, None, None, _PWC, headline=True, note="no CamVid config in the repo"),
    Published("rtformer_base", "RTFormer-Base", "RTFormer-Base", "cityscapes", "val", 79.3, 50.2, "RTX 2080Ti",
              None, "1024x2048", 16.8, None, None, _PWC, headline=True, note=_PARAMS),
    Published("rtformer_base", "RTFormer-Base", "RTFormer-Base", "cityscapes", "val", 79.24, None, None, None,
              "1024x2048", None, None, None, _README),
    Published("rtformer_base", "RTFormer-Base", "RTFormer-Base", "camvid", "test", 82.5, None, "RTX 2080Ti",
              None, "720x960", None, None, None, _PWC, note="a user could not reproduce it (PaddleSeg #3085: ~76)"),
)

# -- the official key table ------------------------------------------------------------
# RTFormer's key table: official PaddleSeg `RTFormer` layer paths -> rtformer*.arena nodes, in torch names
# (arena.official.paddle turns `<bn>._mean` / `._variance` into `running_mean` / `running_var`).
# The trunk, DAPPM and heads keep their official names inside arena's nodes; each RTFormer block is
# three nodes (low stage, compression, cross-resolution fusion) plus the injection.

BLOCK_LOW = ("attn_shortcut_l", "attn_l", "mlp_l")
BLOCK_HIGH = ("attn_h", "mlp_h", "cross_kv")
RTFORMER_ORDER = (
    (r"layer3_\..*", "official creates layer3_ before compression3, but layer3_ reads the sum that "
                     "compression3 feeds"),
)
NO_COUNTER = ("Paddle's BatchNorm keeps no step counter (torch's num_batches_tracked): left as built on load")


def rtformer() -> KeyTable:
    rules = parts("conv1", "nodes.conv1", STEM)
    rules += [(r"(layer[123]_?)", r"nodes.\1"), ("spp", "nodes.spp"), ("compression3", "nodes.compression3.body")]
    for i in (4, 5):
        rules += [(rf"layer{i}\.({'|'.join(BLOCK_LOW)})", rf"nodes.layer{i}.\1"),
                  (rf"layer{i}\.compression", f"nodes.compression{i}.body"),
                  (rf"layer{i}\.({'|'.join(BLOCK_HIGH)})", rf"nodes.cross{i}.\1"),
                  (rf"layer{i}\.down", f"nodes.down{i}.convs")]
    rules += parts("seghead", "nodes.seghead", SEGHEAD) + parts("seghead_extra", "nodes.aux1", SEGHEAD)
    return KeyTable("RTFormer", "PaddlePaddle/PaddleSeg paddleseg/models/rtformer.py RTFormer", tuple(rules), (),
                    RTFORMER_ORDER, ((r".*\.num_batches_tracked", NO_COUNTER),))


KEY_TABLES = {"rtformer": rtformer}
