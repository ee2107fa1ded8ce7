"""`arena export SPEC --onnx FILE`: a network as a static-shape ONNX graph, checked against eager.

Deployment-minded users and several peers time on CPU with ONNX Runtime; the exported graph is
only worth timing if it computes what the network computes, so the export runs it once in
onnxruntime and reports the difference from eager PyTorch (arena.measure.onnx_backend).
"""
from __future__ import annotations

from typing import Any


def export_network(spec: str, path: str, res: tuple[int, int], *, batch: int = 1, fuse_bn: bool = False,
                   swaps=None) -> dict[str, Any]:
    """Build, optionally fold BN, export atomically and check; returns the export report."""
    from arena.api import build
    from arena.measure.onnx_backend import export_onnx

    net = build(spec, swaps).eval()
    net.check_resolution(*res)
    folded = 0
    if fuse_bn:
        from arena.measure.fuse import fold_bn

        net, folded = fold_bn(net)
    report = export_onnx(net, path, res=res, batch=batch, check=True)
    return {**report, "spec": net.canonical, "res": list(res), "batch": batch, "fuse_bn": fuse_bn,
            "folded_bn": folded}
