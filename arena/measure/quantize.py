"""Static int8 after training: the exported fp32 graph quantised once, run by both CPU engines.

Why one quantiser for both: ONNX Runtime's static quantiser writes a QDQ graph (QuantizeLinear /
DequantizeLinear pairs around each conv and matmul, per-channel int8 weights, int8 activations with
scales from a calibration pass), and OpenVINO reads exactly that graph and runs it with its own int8
kernels. So `--backend onnxruntime --dtype int8` and `--backend openvino --dtype int8` time the same
quantised network (one accuracy, two engines), and no second toolkit (NNCF, which would bring
scikit-learn, networkx and more) is installed. The choice is recorded in the row (`quantiser`).

Before quantising, `quant_pre_process` (ONNX Runtime's recommended step) runs shape inference and
ORT's basic graph optimisations, which fold BatchNorm into the convolutions so the folded weights are
what gets quantised. Calibration: MinMax over a fixed set of training images (`calibration_set`),
the set's data, seed, size and indices recorded. DEFAULT_CALIBRATION = 300 is NNCF's default
subset size (ONNX Runtime names none); fewer images make a faster, rougher calibration.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

DEFAULT_CALIBRATION = 300
METHOD = "MinMax"


class Images:
    """The calibration images, read one at a time (3 x H x W, float32, ImageNet-normalised): 300 images
    at 512x1024 would hold 1.9 GB at once."""

    def __init__(self, dataset, indices: list[int]):
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int):
        return self.dataset[self.indices[k]][0]


def calibration_set(n: int, seed: int, res: tuple[int, int], data: str = "synthetic") -> tuple[Images, dict[str, Any]]:
    """(images, record): `n` training images of `data` at `res`, as a lazy sequence.

    Synthetic: the training scenes (seed, 0..n-1) rendered at `res`. A folder dataset: `n` images
    drawn without replacement by numpy's default_rng(seed), each through the training pipeline's
    crop at `res` (ArenaError when the split holds fewer than `n`)."""
    import numpy as np

    from arena.data import open_dataset

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArenaError(f"--calibration must be an integer >= 1, got {n}")
    synthetic = str(data).split(":", 1)[0].strip().lower() == "synthetic"
    ds, desc = open_dataset(data, "train", crop=res, seed=seed, length=n if synthetic else None)
    if len(ds) < n:
        raise ArenaError(f"--calibration {n} is larger than the {len(ds)} training images of {data}: "
                         f"use --calibration {len(ds)} or fewer")
    indices = list(range(n)) if synthetic else sorted(np.random.default_rng(seed).choice(len(ds), n, replace=False)
                                                      .tolist())
    record = {"data": desc["name"] if synthetic else data, "split": "train", "size": n, "seed": seed,
              "res": list(res), "indices": indices if not synthetic else f"scenes (seed {seed}, 0..{n - 1})"}
    return Images(ds, indices), record


class _Reader:
    """ONNX Runtime's CalibrationDataReader protocol: one {input: image} per call, then None; the
    graph's static batch is filled with copies of the image."""

    def __init__(self, name: str, images, batch: int):
        self.name, self.items, self.batch = name, iter(images), batch

    def get_next(self):
        import numpy as np

        item = next(self.items, None)
        if item is None:
            return None
        return {self.name: np.repeat(item.numpy()[None], self.batch, 0)}  # batch x 3 x H x W

    def rewind(self):  # pragma: no cover - not used by the MinMax pass
        raise NotImplementedError


def quantize(src: str | os.PathLike, dst: str | os.PathLike, images, batch: int = 1) -> dict[str, Any]:
    """Write the static int8 QDQ graph of `src` to `dst`, calibrated on `images` (each 3 x H x W).

    Returns the settings to record. ArenaError (naming the step and the root message, with its node
    when the quantiser names one) when pre-processing, calibration or quantisation fails."""
    from arena.measure.onnx_backend import _first_line, require_onnxruntime

    require_onnxruntime()
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    import onnx

    src, dst = Path(src), Path(dst)
    pre = dst.with_name(dst.stem + ".pre.onnx")
    name = onnx.load(str(src), load_external_data=False).graph.input[0].name
    step = "pre-processing"
    try:
        with _silenced():
            quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
            step = "calibration and quantisation"
            quantize_static(str(pre), str(dst), _Reader(name, images, batch),
                            quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QInt8,
                            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    except Exception as e:  # noqa: BLE001 - the quantiser's own message, one line
        raise ArenaError(f"the int8 quantiser failed in {step} ({_first_line(e)[:240]}): "
                         f"drop --dtype int8 for this network") from e
    finally:
        with contextlib.suppress(OSError):
            pre.unlink()
    return {"quantiser": "onnxruntime.quantization.quantize_static (one QDQ graph for both engines)",
            "format": "QDQ", "weights": "int8, per channel", "activations": "int8, per tensor",
            "method": METHOD, "pre_process": "quant_pre_process (shape inference, BN folded)",
            "onnx_bytes_int8": os.path.getsize(dst)}


@contextlib.contextmanager
def _silenced():
    """The quantiser logs and prints progress: library code never prints."""
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        logger.setLevel(level)


__all__ = ["DEFAULT_CALIBRATION", "Images", "calibration_set", "quantize"]
