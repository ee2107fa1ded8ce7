"""OpenVINO inference of the exported ONNX graph: `arena bench --backend openvino`.

Why: on a CPU the engines people ship with are ONNX Runtime and OpenVINO, and which one wins depends
on the CPU and the network, so both are timed from the same exported graph under the same protocol.

openvino is the optional extra ``pip install 'arena-seg[openvino]'`` and is imported only here, on
use. `OvModel` reads the .onnx file (fp32, or the QDQ int8 graph of arena.measure.quantize, which
OpenVINO runs with int8 kernels), compiles it for the CPU plugin with every setting the timing
depends on set explicitly, never left to the plugin's defaults: INFERENCE_NUM_THREADS, one stream,
the LATENCY hint, and INFERENCE_PRECISION_HINT f32 (on a CPU with bf16 or fp16 units the plugin
would otherwise run an fp32 graph in reduced precision). What the compiled model reports for each is
read back into `.protocol`, with the plugin's full device name and OpenVINO's version.

A call shares the input's memory (a contiguous fp32 CPU tensor, no copy) and returns a view of the
request's output buffer, which the next call overwrites: the timer consumes it first (as a CUDA
graph's replay), and anything that keeps it clones it.
"""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

EXTRA = "pip install 'arena-seg[openvino]'"
PLUGIN = "CPU"


def require_openvino():
    """The openvino module, or ArenaError naming the extra."""
    try:
        return importlib.import_module("openvino")
    except ImportError:
        raise ArenaError(f"openvino is not installed: {EXTRA} (or use --backend onnxruntime or eager)") from None


_NOISE = ("Exception from", "Check ", "FrontEnd API failed", "Model wasn't fully converted", "Summary")


def _first_line(e: BaseException) -> str:
    """The line of an OpenVINO error that says what went wrong (it wraps it in source locations)."""
    lines = [ln.strip(" -") for ln in str(e).splitlines() if ln.strip(" -")]
    useful = [ln for ln in lines if not ln.startswith(_NOISE)]
    return (useful or lines or [type(e).__name__])[0]


def _nodes_named(message: str, path: Path) -> list[str]:
    """The ONNX nodes an OpenVINO error points at: by name when it quotes one, else every node of
    the op types it could not convert ("No conversion rule found for operations: Foo-20")."""
    quoted = re.findall(r"node(?: with name)?[: ]+'?\[?\s*([\w./:\-]+)", message)
    if quoted:
        return quoted[:3]
    types = {t.rsplit("-", 1)[0] for t in re.findall(r"operations:\s*([^\n]+)", message)[0].split(", ")} \
        if "operations:" in message else set()
    if not types:
        return []
    try:
        import onnx

        graph = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # noqa: BLE001 - the names are a courtesy; the message stands without them
        return []
    return [n.name or n.op_type for n in graph.node if n.op_type in types][:3]


def _name(value) -> str:
    """An OpenVINO element type as its short name ("f32"), anything else as its string."""
    return value.get_type_name() if hasattr(value, "get_type_name") else str(value)


class OvModel:
    """A compiled OpenVINO model callable on torch tensors, with its settings in `.protocol`."""

    def __init__(self, path: str | os.PathLike, device: str = "cpu", threads: int | None = None):
        import torch

        ov = require_openvino()
        path = Path(path)
        if not path.is_file():
            raise ArenaError(f"no ONNX file at {path}: export one first (arena export SPEC --onnx FILE)")
        if torch.device(device).type != "cpu":
            raise ArenaError(f"the openvino backend runs on the CPU plugin: use --device cpu, not {device!r}")
        if threads is not None and threads < 1:
            raise ArenaError(f"threads must be at least 1, got {threads}")
        threads = threads or torch.get_num_threads()
        core = ov.Core()
        config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": "1", "PERFORMANCE_HINT": "LATENCY",
                  "INFERENCE_PRECISION_HINT": "f32"}
        try:
            model = core.read_model(str(path))
            self.compiled = core.compile_model(model, PLUGIN, config)
        except Exception as e:  # noqa: BLE001 - the plugin's message, one line, with the node it names
            nodes = _nodes_named(str(e), path)
            where = f" at node {', '.join(nodes)}" if nodes else ""
            raise ArenaError(f"OpenVINO cannot compile {path.name}{where} ({_first_line(e)[:200]}): "
                             f"use --backend onnxruntime or eager") from e
        self.request = self.compiled.create_infer_request()
        inp, out = self.compiled.inputs[0], self.compiled.outputs[0]
        self.input_type = inp.get_element_type().get_type_name()
        self.protocol: dict[str, Any] = {
            "backend": "openvino", "openvino": ov.__version__, "plugin": PLUGIN,
            "device_name": str(core.get_property(PLUGIN, "FULL_DEVICE_NAME")),
            "requested": {k: str(v) for k, v in config.items()},
            "inference_num_threads": int(self.compiled.get_property("INFERENCE_NUM_THREADS")),
            "num_streams": str(self.compiled.get_property("NUM_STREAMS")),
            "performance_hint": str(self.compiled.get_property("PERFORMANCE_HINT")),
            "inference_precision": _name(self.compiled.get_property("INFERENCE_PRECISION_HINT")),
            "input": [inp.get_any_name(), self.input_type, list(inp.get_partial_shape().to_shape())],
            "host_copies": False, "output": "a view of the request's buffer, overwritten by the next call",
            "path": str(path)}

    def __call__(self, x):
        import torch

        if x.dtype != torch.float32:
            raise ArenaError(f"the OpenVINO model takes float32 input, got {x.dtype}: "
                             f"the openvino backend times the exported fp32 (or QDQ int8) graph")
        arr = x.detach().cpu().contiguous().numpy()
        self.request.infer({0: arr}, share_inputs=True, share_outputs=True)
        return torch.from_numpy(self.request.get_output_tensor(0).data)


__all__ = ["EXTRA", "OvModel", "require_openvino"]
