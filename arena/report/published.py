"""The papers' own reported figures for every published variant, with the source of each.

Plain data, transcribed from docs/networks.md ("Published results" of each network), which cites
the team's specs (`../shared/specs/<net>.md`, §5 or §6). A value the sources do not state is None,
never guessed; where a source hedges ("presumably 1024x2048", "split not stated"), the value is
None and `note` says what is known. These figures were measured by the authors on their own GPUs,
frameworks and protocols: they are never mixed unmarked with arena's re-measured numbers (plots put
them in their own panel, tables mark them with a dagger and their source).

Units: `miou` in percent, `fps` frames per second, `params_m` millions of parameters, `cost` in the
unit the paper states (`cost_unit`: "GFLOPs" or "GMACs"; None when the paper gives no figure; none
of the five seed papers' cost columns could be retrieved, so their `cost` is None; DDRNet's and PIDNet's
are the recalled paper tables the specs mark unverified; BiSeNetV2's 21.15 GFLOPs is the paper's). `headline` marks
the row a paper leads with for that variant and dataset (the one plots and tables use by default).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """One reported result of a paper (or its official README) for one arena variant."""

    variant: str  # the arena variant it corresponds to
    method: str  # the paper's own name
    backbone: str | None
    dataset: str  # "cityscapes" or "camvid"
    split: str | None  # "test", "val"; None when the source does not say
    miou: float | None  # percent
    fps: float | None
    gpu: str | None
    framework: str | None
    resolution: str | None  # "HxW" of the timed / evaluated input
    params_m: float | None  # millions, as the paper states it
    cost: float | None  # as the paper states it, in cost_unit
    cost_unit: str | None  # "GFLOPs" or "GMACs"
    source: str  # where the numbers come from
    headline: bool = False
    note: str = ""

    @property
    def latency_ms(self) -> float | None:
        """1000 / FPS: the paper's frame time (its own protocol), for a latency axis."""
        return None if not self.fps else 1000.0 / self.fps

    @property
    def gmacs(self) -> float | None:
        """The cost in GMACs when the paper states it in GMACs; None otherwise (a paper's "GFLOPs"
        are often MACs: converting them would be a guess)."""
        return self.cost if self.cost_unit == "GMACs" else None


_FANET = "abstract (arXiv:2007.03815)"
_FANET_TIMING = "official timing: batch 1, fp32, 1024x2048, model without BN and without the final upsample"
_SCNN = "paper (arXiv:1902.04502) and the Cityscapes server"
_S2FPN = "abstract (arXiv:2206.07298); GPU and framework: official README"
_SGCP = "abstract (arXiv:2005.11034)"
_GAIN = "abstract (arXiv:2601.01167)"
_DDR = "abstract (arXiv:2101.06085, current version) and official README (ydhongHIT/DDRNet)"
_DDR_TIMING = ("official timing copy: BN folded into the convs, fp32, no TensorRT, batch 1, the x8 logits resize "
               "inside; 109 FPS in arXiv v1 (an overclocked card, per the maintainer)")
_DDR_TABLE = ("params and GFLOPs: the paper's table as recalled by specs/ddrnet.md §6 (unverified against the "
              "PDF); they equal the official code's conv-only MACs measured there, so the 'GFLOPs' are MACs")
_PID = "abstract (arXiv:2206.02066) and official README (XuJiacong/PIDNet)"
_PID_TIMING = "official speed script: BN after convs removed, fp32 PyTorch, no TensorRT, batch 1, no logits resize"
_PID_TABLE = "params and GFLOPs: the paper's table as recalled by specs/pidnet.md §6 (unverified against the PDF)"
_STDC = "paper Table (Cityscapes), via Papers with Code and the official README / latency script (arXiv:2104.13188)"
_STDC_SCALES = "Seg50 / Seg75: the same network fed 0.5 / 0.75 of 1024x2048; params and FLOPs not in the paper"
_BISE_TIMING = "TensorRT fp32, 2048x1024 image fed at 1024x512 (inference resolution), prediction upsampled"

PUBLISHED: tuple[Published, ...] = (
    # FANet (docs/networks.md#fanet; specs/fanet.md §6): params and FLOPs of the paper unknown.
    Published("fanet18", "FANet-18", "ResNet-18", "cityscapes", "test", 74.4, 72.0, "Titan X", "PyTorch fp32",
              "1024x2048", None, None, None, _FANET, headline=True,
              note="split: test by the abstract's context; " + _FANET_TIMING),
    Published("fanet18", "FANet-18", "ResNet-18", "cityscapes", "val", 75.0, None, None, None, None, None, None,
              None, "paper, as quoted in zh320's README (unchecked)"),
    Published("fanet34", "FANet-34", "ResNet-34", "cityscapes", "test", 75.5, 58.0, "Titan X", None, "1024x2048",
              None, None, None, _FANET, headline=True,
              note="split: test by the abstract's context; " + _FANET_TIMING),
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
    # S2-FPN (docs/networks.md#s2-fpn; specs/s2fpn.md §6): params and FLOPs unknown; split not stated;
    # timed resolution probably 512x1024 for Cityscapes (uncertain), unknown for CamVid.
    Published("s2fpn18", "S2-FPN18", "ResNet-18", "cityscapes", None, 76.2, 87.3, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn34", "S2-FPN34", "ResNet-34", "cityscapes", None, 77.4, 67.0, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn34m", "S2-FPN34M", "ResNet-34M", "cityscapes", None, 77.8, 30.5, "GTX 1080Ti", "PyTorch fp32",
              None, None, None, None, _S2FPN, headline=True,
              note="split not stated (the README calls it test); FPS resolution probably 512x1024 (uncertain)"),
    Published("s2fpn18", "S2-FPN18", "ResNet-18", "camvid", None, 69.6, 124.2, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True,
              note="69.5 in a paper listing; 70.1 for the released checkpoint"),
    Published("s2fpn34", "S2-FPN34", "ResNet-34", "camvid", None, 71.0, 107.2, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True),
    Published("s2fpn34m", "S2-FPN34M", "ResNet-34M", "camvid", None, 74.2, 55.5, "GTX 1080Ti", "PyTorch fp32", None,
              None, None, None, "mIoU: abstract; FPS: official README (v1)", headline=True,
              note="74.76 for the released checkpoint"),
    # SGCPNet (docs/networks.md#sgcpnet; specs/sgcpnet.md §5): 0.61 M parameters; FLOPs unknown.
    Published("sgcpnet", "SGCPNet", "MobileNetV3-Small", "cityscapes", None, 69.5, 178.5, "GTX 1080 Ti", None,
              "768x1536", 0.61, None, None, _SGCP, headline=True,
              note="split not stated (probably test); framework not stated (the README thanks TensorRT)"),
    Published("sgcpnet", "SGCPNet", "MobileNetV3-Small", "cityscapes", "test", 70.90, None, None, None, "1024x2048",
              0.61, None, None, "official README (released checkpoint)"),
    # GAIN (docs/networks.md#gain; specs/gain.md §6): the abstract does not name the backbone (R18 most
    # likely); resolutions "presumably" full size; params, FLOPs and per-backbone rows unknown.
    Published("gain18", "GAIN", "ResNet-18 (assumed)", "cityscapes", "val", 78.8, 22.3, "GTX 1080Ti", None, None,
              None, None, None, _GAIN, headline=True,
              note="backbone not stated in the abstract (ResNet-18 most likely); presumably 1024x2048"),
    Published("gain18", "GAIN", "ResNet-18 (assumed)", "camvid", "test", 80.6, 64.5, "GTX 1080Ti", None, None,
              None, None, None, _GAIN, headline=True,
              note="backbone not stated in the abstract; presumably 720x960"),
    Published("gain_df2", "GAIN-DF2", "DFNetV2", "cityscapes", None, None, None, None, None, None, None, None, None,
              "paper (per-backbone rows not retrievable)", headline=True,
              note="the paper's DF2 figures are unknown; the abstract's numbers are attributed to gain18"),
    # DDRNet (docs/networks.md#ddrnet; specs/ddrnet.md §6): ImageNet-pretrained in every row.
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "cityscapes", "test", 77.4, 102.0, "RTX 2080Ti",
              "PyTorch fp32", "1024x2048", 5.7, 36.3, "GFLOPs", _DDR, headline=True,
              note=_DDR_TIMING + "; " + _DDR_TABLE),
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "cityscapes", "val", 77.8, None, None, None,
              "1024x2048", 5.7, None, None, "official README"),
    Published("ddrnet23_slim", "DDRNet-23-slim", "DDRNet-23-slim", "camvid", "test", 74.7, 230.0, "RTX 2080Ti",
              "PyTorch fp32", "720x960", None, None, None, _DDR, headline=True, note="74.4 in arXiv v1"),
    Published("ddrnet23", "DDRNet-23", "DDRNet-23", "cityscapes", "test", 79.4, 37.1, "RTX 2080Ti", "PyTorch fp32",
              "1024x2048", 20.1, 143.1, "GFLOPs", "mIoU: official README; FPS, params, GFLOPs: paper table as "
              "recalled by specs/ddrnet.md §6 (unverified)", headline=True, note=_DDR_TIMING),
    Published("ddrnet23", "DDRNet-23", "DDRNet-23", "cityscapes", "val", 79.5, None, None, None, "1024x2048",
              20.1, None, None, "official README"),
    # PIDNet (docs/networks.md#pidnet; specs/pidnet.md §6): ImageNet-pretrained; val = best checkpoint.
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "cityscapes", "test", 78.6, 93.2, "RTX 3090", "PyTorch fp32",
              "1024x2048", 7.6, 47.6, "GFLOPs", _PID, headline=True, note=_PID_TIMING + "; " + _PID_TABLE),
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "cityscapes", "val", 78.8, None, None, None, "1024x2048", 7.6, None,
              None, "official README", note="the best checkpoint of the run on val"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "cityscapes", "test", 79.8, 42.2, "RTX 3090", "PyTorch fp32",
              "1024x2048", 34.4, 197.4, "GFLOPs", "mIoU and FPS: official README; " + _PID_TABLE, headline=True,
              note=_PID_TIMING + "; the recalled 34.4 M / 197.4 G match the code only with n = 4 (the code and "
                                 "arena: n = 3, 28.5 M / 178.0 G)"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "cityscapes", "val", 79.9, None, None, None, "1024x2048", None,
              None, None, "official README"),
    Published("pidnet_l", "PIDNet-L", "PIDNet-L", "cityscapes", "test", 80.6, 31.1, "RTX 3090", "PyTorch fp32",
              "1024x2048", 36.9, 275.8, "GFLOPs", "mIoU and FPS: official README; " + _PID_TABLE, headline=True,
              note=_PID_TIMING),
    Published("pidnet_l", "PIDNet-L", "PIDNet-L", "cityscapes", "val", 80.9, None, None, None, "1024x2048", None,
              None, None, "official README"),
    Published("pidnet_s", "PIDNet-S", "PIDNet-S", "camvid", "test", 80.1, 153.7, "RTX 3090", "PyTorch fp32",
              "720x960", None, None, None, _PID, headline=True,
              note="Cityscapes-pretrained; numbers of the latest arXiv version (CamVid split bug fixed)"),
    Published("pidnet_m", "PIDNet-M", "PIDNet-M", "camvid", "test", 82.0, 85.6, "RTX 3090", "PyTorch fp32",
              "720x960", None, None, None, "official README", headline=True, note="Cityscapes-pretrained"),
    # STDC-Seg (docs/networks.md#stdc-seg; specs/stdc.md §6): Seg50/Seg75 are input scales of one network;
    # val figures are the best of 60 evaluations on val (official train.py). TensorRT 5.1.5 per the README.
    Published("stdc1_seg", "STDC1-Seg50", "STDC1", "cityscapes", "test", 71.9, 250.4, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, "abstract (arXiv:2104.13188)", headline=True, note=_STDC_SCALES),
    Published("stdc1_seg", "STDC1-Seg75", "STDC1", "cityscapes", "test", 75.3, 126.7, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, _STDC, note=_STDC_SCALES),
    Published("stdc1_seg", "STDC1-Seg50", "STDC1", "cityscapes", "val", 72.2, None, None, None, "512x1024", None,
              None, None, "official README (0.7222); mmseg re-evaluated the checkpoint: 72.17",
              note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc1_seg", "STDC1-Seg75", "STDC1", "cityscapes", "val", 74.5, None, None, None, "768x1536", None,
              None, None, "official README (0.7450)", note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc2_seg", "STDC2-Seg75", "STDC2", "cityscapes", "test", 76.8, 97.0, "GTX 1080Ti", "TensorRT",
              "768x1536", None, None, None, "abstract (arXiv:2104.13188)", headline=True, note=_STDC_SCALES),
    Published("stdc2_seg", "STDC2-Seg50", "STDC2", "cityscapes", "test", 73.4, 188.6, "GTX 1080Ti", "TensorRT",
              "512x1024", None, None, None, _STDC, note=_STDC_SCALES),
    Published("stdc2_seg", "STDC2-Seg50", "STDC2", "cityscapes", "val", 74.2, None, None, None, "512x1024", None,
              None, None, "official README (0.7424); mmseg re-evaluated the checkpoint: 74.16",
              note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc2_seg", "STDC2-Seg75", "STDC2", "cityscapes", "val", 77.0, None, None, None, "768x1536", None,
              None, None, "official README (0.7704)", note="best checkpoint of 60 validations (official train.py)"),
    Published("stdc1_seg", "STDC1-Seg", "STDC1", "camvid", "test", 73.0, 197.6, "GTX 1080Ti", None, "720x960",
              None, None, None, "paper CamVid table, recalled (specs/stdc.md §6.2)", headline=True,
              note="unverified: not found in any indexed source; initialised from the Cityscapes model"),
    Published("stdc2_seg", "STDC2-Seg", "STDC2", "camvid", "test", 73.9, 152.2, "GTX 1080Ti", None, "720x960",
              None, None, None, "paper CamVid table, recalled (specs/stdc.md §6.2)", headline=True,
              note="unverified: not found in any indexed source; initialised from the Cityscapes model"),
    # BiSeNetV2 (docs/networks.md#bisenetv2; specs/bisenetv2.md §6): from scratch in the paper. Its 21.15
    # "GFLOPs" behave like MACs at the 512x1024 input and assume a narrower head than the reference code.
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "cityscapes", "test", 72.6, 156.0,
              "GTX 1080 Ti", "TensorRT", "512x1024", None, 21.15, "GFLOPs",
              "abstract (arXiv:2004.02147); GFLOPs: the paper's ablation as quoted in CoinCheung/BiSeNet#177",
              headline=True, note=_BISE_TIMING + "; the reference code's default costs 24.75 GMACs (head 1024 wide)"),
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "cityscapes", "val", 73.4, None, None, None,
              "512x1024", None, None, None, "paper, as quoted in mmsegmentation PR #804 (73.36 with OHEM)",
              note="from scratch"),
    Published("bisenetv2", "BiSeNetV2 (reference code)", "Detail + Semantic branches", "cityscapes", "val", 74.95,
              103.0, "A40", "TensorRT 10.3 fp32", "1024x2048", None, None, None, "CoinCheung/BiSeNet README",
              note="ImageNet-pretrained branches (not the paper's from-scratch recipe); fp16 161 FPS"),
    Published("bisenetv2", "BiSeNetV2", "Detail + Semantic branches", "camvid", "test", 72.4, 124.5, "GTX 1080 Ti",
              "TensorRT", "720x960", None, None, None, "paper Table 8, recalled (specs/bisenetv2.md §6.1)",
              headline=True, note="unverified: from a secondary note of the paper; from scratch"),
)

FIELDS = tuple(f.name for f in dataclasses.fields(Published)) + ("latency_ms", "gmacs")


def records(variants=None, dataset: str | None = None, headline_only: bool = False) -> tuple[Published, ...]:
    """The published records, optionally for some variants, one dataset, or only the headline rows."""
    wanted = None if variants is None else set(variants)
    return tuple(p for p in PUBLISHED
                 if (wanted is None or p.variant in wanted)
                 and (dataset is None or p.dataset == dataset)
                 and (not headline_only or p.headline))


def frame(variants=None, dataset: str | None = None, headline_only: bool = False):
    """The published records as a pandas DataFrame (columns: FIELDS; unknowns are None/NaN)."""
    import pandas as pd

    rows = [{**dataclasses.asdict(p), "latency_ms": p.latency_ms, "gmacs": p.gmacs}
            for p in records(variants, dataset, headline_only)]
    return pd.DataFrame(rows, columns=list(FIELDS))


def backbone(variant: str) -> str | None:
    """The backbone the paper names for an arena variant (None for a variant no paper describes)."""
    return next((p.backbone for p in PUBLISHED if p.variant == variant), None)
