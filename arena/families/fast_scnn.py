"""Fast-SCNN: "Fast Semantic Segmentation Network", Poudel et al., BMVC 2019, arXiv:1902.04502.

Everything arena knows about the family, in one place (the parts: arena/families/__init__.py).
"""
from __future__ import annotations

from arena.families.records import Family, Published, Variant
from arena.schedule import Schedule

FAMILY = Family("fast_scnn", "Fast-SCNN: Fast Semantic Segmentation Network", "1902.04502", "", "fast_scnn",
                "docs/networks.md#fast-scnn", order=2, short="Fast-SCNN",
                summary="paper variant: FFM dilation 4, 1x1 PPM fuse", final_align_corners=False)

# -- the shipped variants and their official figures (arena.networks) ------------------------------
VARIANTS = (
    Variant("fast_scnn", "fast_scnn", 1_137_795, (1.777, 7.106), backbone="LtD + GFE",
            source="none (paper reference model)", notes="[c]"),
    Variant("fast_scnn_camvid", "fast_scnn", backbone="LtD + GFE",
            source="none (no official code; no CamVid row in the paper)"),
)

# -- the paper's training recipe (arena.train.schedules, `--schedule paper`) ----------------
PAPER = Schedule("paper", iters=160_000, batch=32, crop=(512, 1024), lr=0.12, weight_decay=4e-5,
                 warmup=0.0, scale=(0.5, 2.0), eval_every=16_000, ckpt_every=16_000, log_every=50,
                 source="mmseg fast_scnn_8xb4-160k_cityscapes-512x1024, the recipe known to reproduce "
                        "the paper (docs/networks.md#fast-scnn)")

# -- the papers' own figures (arena.report.published) ---------------------------------------------
_SCNN = "paper (arXiv:1902.04502) and the Cityscapes server"

PUBLISHED = (
    # Fast-SCNN (docs/networks.md#fast-scnn; specs/fast_scnn.md §5): 1.11 M parameters, no FLOPs reported.
    Published("fast_scnn", "Fast-SCNN", "LtD + GFE", "cityscapes", "test", 68.0, 123.5, "Titan Xp", "TensorFlow",
              "1024x2048", 1.11, None, None, _SCNN, headline=True,
              note="argmax output; trained on fine + coarse; the paper reports no FLOPs"),
    Published("fast_scnn", "Fast-SCNN", "LtD + GFE", "cityscapes", "test", 62.8, 285.8, "Titan Xp", "TensorFlow",
              "512x1024", 1.11, None, None, _SCNN, note="argmax output; fine + coarse; same network, input downsampled"),
    Published("fast_scnn", "Fast-SCNN", "LtD + GFE", "cityscapes", "test", 51.9, 485.4, "Titan Xp", "TensorFlow",
              "256x512", 1.11, None, None, _SCNN, note="argmax output; fine only; same network, input downsampled"),
    Published("fast_scnn", "Fast-SCNN", "LtD + GFE", "cityscapes", "val", 68.62, None, None, "TensorFlow", None,
              1.11, None, None, "paper Table 6", note="fine only, from scratch"),
)

KEY_TABLES: dict = {}  # no official code
