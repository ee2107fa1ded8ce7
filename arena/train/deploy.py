"""`arena eval`: a trained network's mIoU under each deployment mode, on the validation split
(beside the training loop because it is the training's evaluation, run on exported graphs).

Why: a mode that is faster but changes the answer is a different network; its place on the front is
its own accuracy, not the fp32 network's. Every mode evaluates the same weights on the same images
with the training's own evaluation code (arena.train.metrics: a confusion matrix summed over the
split, classes that never occur left out of the mean, the cityscapesScripts convention). fp32 eager
is always the first mode (the reference), even when not asked for.

Per image, each mode's prediction is scored alone too: the per-image mIoU differences to fp32 eager
give the paired t-interval (arena.stats.paired_interval) beside the split's Δ mIoU, and the share of
pixels whose class equals fp32 eager's is the argmax agreement. Engines see the graph exported at the
evaluation resolution, batch 1; int8 is calibrated on training images of the same data
(arena.measure.quantize.calibration_set), recorded.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Callable

from arena.errors import ArenaError

REFERENCE = ("eager", "fp32")


def eval_modes(backends: list[str] | None, dtypes: list[str] | None) -> list[tuple[str, str]]:
    """(backend, dtype) pairs to evaluate, fp32 eager first; int8 pairs with the engines only."""
    from arena.measure.protocol import BACKENDS, ENGINES

    backends, dtypes = list(dict.fromkeys(backends or ["eager"])), list(dict.fromkeys(dtypes or ["fp32"]))
    for b in backends:
        if b not in BACKENDS:
            raise ArenaError(f"unknown backend {b!r}: choose from {', '.join(BACKENDS)}")
    for dt in dtypes:
        if dt not in ("fp32", "int8"):
            raise ArenaError(f"--dtype {dt}: arena eval runs fp32 or int8 (time reduced precision with arena bench)")
    modes = [(b, dt) for b in backends for dt in dtypes if not (dt == "int8" and b not in ENGINES)]
    if not modes:
        raise ArenaError("--dtype int8 is a quantised exported graph: add --backend onnxruntime or --backend openvino")
    if "openvino" in backends:
        from arena.measure.openvino_backend import require_openvino

        require_openvino()
    if any(b in ENGINES for b in backends):
        from arena.measure.onnx_backend import require_onnx_export, require_onnxruntime

        require_onnxruntime()
        require_onnx_export()
    return [REFERENCE] + [m for m in modes if m != REFERENCE]


def _runner(net, mode: tuple[str, str], res, folder: str, threads: int, calibration: dict[str, Any]
            ) -> tuple[Callable, dict[str, Any]]:
    """The call that maps a 1x3xHxW image to logits under `mode`, and its recorded settings."""
    import torch

    backend, dtype = mode
    if backend == "eager":
        def call(x):
            with torch.inference_mode():
                return net(x)
        return call, {"backend": "eager"}
    from arena.measure.onnx_backend import OrtModel, export_onnx

    path = os.path.join(folder, f"{backend}.{dtype}.onnx")
    export_onnx(net, path, res=res, batch=1, check=False)
    info: dict[str, Any] = {}
    if dtype == "int8":
        from arena.measure.quantize import calibration_set, quantize

        images, record = calibration_set(calibration["size"], calibration["seed"], res, calibration["data"])
        quantised = path.replace(".onnx", ".q.onnx")
        info["quantisation"] = {**quantize(path, quantised, images), "calibration": record}
        path = quantised
    if backend == "openvino":
        from arena.measure.openvino_backend import OvModel

        engine = OvModel(path, threads=threads)
    else:
        engine = OrtModel(path, threads=threads)
    info[backend] = engine.protocol
    return (lambda x: engine(x).clone()), info


def evaluate_modes(net, modes: list[tuple[str, str]], dataset, classes: int, names: list[str] | None,
                   res: tuple[int, int], *, threads: int, calibration: dict[str, Any],
                   limit: int | None = None) -> list[dict[str, Any]]:
    """Per mode: {"mode", "miou", "pixel_acc", "iou", "images", "per_image_miou", "argmax_agreement",
    "delta_miou", "delta_interval", "settings"}; the first mode is fp32 eager."""
    import torch

    from arena.stats import paired_interval
    from arena.train.metrics import confusion, scores

    net.eval()
    indices = list(range(len(dataset) if limit is None else min(limit, len(dataset))))
    folder = tempfile.mkdtemp(prefix="arena-eval-")
    try:
        runners = [_runner(net, m, res, folder, threads, calibration) for m in modes]
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the engines hold their graphs once loaded
    totals = [torch.zeros(classes, classes, dtype=torch.long) for _ in modes]
    per_image: list[list[float]] = [[] for _ in modes]
    agree, pixels = [0] * len(modes), 0
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for i in indices:
            image, label = dataset[i]
            if tuple(image.shape[-2:]) != tuple(res):
                raise ArenaError(f"validation image {i} is {image.shape[-2]}x{image.shape[-1]}, not {res[0]}x{res[1]}: "
                                 f"pass --res {image.shape[-2]}x{image.shape[-1]} or a --res the images are resized to")
            preds = [call(image[None]).argmax(1)[0] for call, _ in runners]  # H x W each
            pixels += preds[0].numel()
            for k, pred in enumerate(preds):
                cm = confusion(pred, label, classes)
                totals[k] += cm
                per_image[k].append(scores(cm)["miou"])
                agree[k] += int((pred == preds[0]).sum())
    finally:
        torch.set_num_threads(saved)
    out = []
    for k, mode in enumerate(modes):
        s = scores(totals[k], names)
        item = {"mode": {"backend": mode[0], "dtype": mode[1]}, **s, "images": len(indices),
                "per_image_miou": per_image[k], "argmax_agreement": agree[k] / max(pixels, 1),
                "delta_miou": None, "delta_interval": None, "settings": runners[k][1]}
        if k:
            item["delta_miou"] = s["miou"] - out[0]["miou"]
            if len(indices) >= 2:
                pi = paired_interval(per_image[0], per_image[k])
                item["delta_interval"] = {key: pi[key] for key in ("mean", "low", "high", "n", "confidence")}
        out.append(item)
    return out


def to_rows(results: list[dict[str, Any]], net, source: dict[str, Any], data: dict[str, Any],
            res: tuple[int, int], threads: int, latency: list[dict[str, Any] | None] | None = None) -> list[dict]:
    """One `eval` row per mode: its mIoU and its distance to fp32 eager; the protocol names the mode,
    the weights it came from and the validation set."""
    from arena import results as results_lib

    rows = []
    for k, r in enumerate(results):
        metrics = {key: r[key] for key in ("miou", "pixel_acc", "iou", "pixels", "images", "per_image_miou",
                                           "argmax_agreement", "delta_miou", "delta_interval")}
        metrics["latency_ratio"] = latency[k] if latency else None
        protocol = {**r["mode"], "res": list(res), "resolution": f"{res[0]}x{res[1]}", "threads": threads,
                    "batch": 1, "source": {key: source[key] for key in ("run", "file", "spec", "iteration", "seed")},
                    "val": {key: v for key, v in data.items() if key != "class_names"},
                    "reference": "fp32 eager, same weights, same images", **r["settings"]}
        rows.append(results_lib.make_row("eval", net.resolved.row_fields(), metrics, protocol=protocol,
                                         dataset=data.get("name"), seed=source.get("seed")))
    return rows


def prepare(spec: str, weights, data: str | None = None, res: tuple[int, int] | None = None) -> dict[str, Any]:
    """What evaluating `weights` of `spec` needs: {"net" (weights loaded), "source", "val", "desc", "size",
    "data"}. The data and resolution default to the run's (synthetic: its crop and validation size)."""
    from arena.api import build
    from arena.data import open_dataset, parse_spec
    from arena.measure.weights import load_into, read_source

    net = build(spec)
    source = read_source(weights)
    load_into(net, source, weights)
    data = data or source["data"] or "synthetic"
    synthetic = parse_spec(data)[0] == "synthetic"
    size = res or (source["crop"] if synthetic and source["crop"] else None)
    same_data = data == (source["data"] or "synthetic")
    val, desc = open_dataset(data, "val", crop=size or (512, 1024), val_size=None if synthetic else size,
                             length=source["val_images"] if synthetic and same_data else None)
    if desc["classes"] != net.classes:
        raise ArenaError(f"{net.canonical} predicts {net.classes} classes but {desc['name']} has "
                         f"{desc['classes']}: evaluate on data of {net.classes} classes")
    size = size or tuple(val[0][0].shape[-2:])
    net.check_resolution(*size)
    return {"net": net, "source": source, "val": val, "desc": desc, "size": size, "data": data}


def evaluate_run(spec: str, weights, modes: list[tuple[str, str]], *, threads: int,
                 calibration: int | None = None) -> list[dict[str, Any]]:
    """The eval rows of a training run's weights under `modes` (a study's `eval` kind), untimed."""
    from arena.measure.quantize import DEFAULT_CALIBRATION

    p = prepare(spec, weights)
    cal = {"size": calibration or DEFAULT_CALIBRATION, "seed": 0, "data": p["data"]}
    results = evaluate_modes(p["net"], modes, p["val"], p["net"].classes, p["desc"].get("class_names"), p["size"],
                             threads=threads, calibration=cal)
    return to_rows(results, p["net"], p["source"], p["desc"], p["size"], threads)


__all__ = ["REFERENCE", "eval_modes", "evaluate_modes", "evaluate_run", "prepare", "to_rows"]
