"""The MAC cross-checks, fvcore (JIT trace) and ptflops (`backend='aten'`), each in its own process.

A fresh Python process per count, so one tool's patches can never leak into another's numbers
(calflops left `torch.nn.functional` patched in specs/peers.md §3), and real CPU compute where the
primary counter (counters.py) runs on meta tensors. A failing counter returns {"error": ...}: a
cross-check never takes the primary figure down with it.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import defaultdict
from typing import Any


def _load_target(target: str, classes: int | None):
    """`py:module:function` (a factory, for tests) or an arena spec for `arena.build`."""
    if target.startswith("py:"):
        import importlib

        module, func = target[3:].rsplit(":", 1)
        return getattr(importlib.import_module(module), func)()
    import arena

    return arena.build(target, **({"classes": classes} if classes else {}))


def fvcore_analysis(model, inputs):
    """A quiet fvcore `FlopCountAnalysis` of `model` in eval mode, traced without autograd.

    This is how the specs measured the official code; tests use it for their fvcore figures too.
    """
    import warnings

    import torch

    with warnings.catch_warnings():  # fvcore's import uses torch.jit.script, which torch now deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        from fvcore.nn import FlopCountAnalysis
    with torch.no_grad():
        analysis = FlopCountAnalysis(model.eval(), inputs)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        analysis.total()  # trace now, inside no_grad; later queries reuse the trace
    return analysis


def _fvcore(net, x) -> dict[str, Any]:
    analysis = fvcore_analysis(net, x)
    by_module = analysis.by_module()
    per_node, missed = {}, {}
    for name in net.nodes:
        path = f"nodes.{name}"
        if path in by_module:
            per_node[name] = int(by_module[path])
            missed[name] = sorted(analysis.unsupported_ops(path))
    total = int(analysis.total())
    return {"total": total, "per_node": per_node, "wrapper": total - sum(per_node.values()),
            "missed": missed, "missed_wrapper": sorted(analysis.unsupported_ops(""))}


def _ptflops(net, x) -> dict[str, Any]:
    """ptflops' aten engine, the code `get_model_complexity_info(backend='aten')` runs.

    Its own `FlopCounterMode` attributes ops to the named children of the module it is given;
    handing it `net.nodes` makes those children the network's nodes. The subclass only records
    which ops it met without a formula.
    """
    import torch
    from ptflops.aten_engine import FlopCounterMode as PtFlopCounterMode

    class _Mode(PtFlopCounterMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            packet = func._overloadpacket
            if packet not in self.all_ops:
                self.missed[self.parents[-1]].add(str(packet))
            return super().__torch_dispatch__(func, types, args, kwargs)

    params = {"print_params": {"file": io.StringIO()}, "serialize_params": {"units": "GMac", "precision": 2}}
    mode = _Mode(net.nodes, verbose=False, print_per_layer_stat=False, output_params=params)
    mode.missed = defaultdict(set)
    with torch.no_grad(), mode:
        net(x)
    per_node = {name: int(sum(mode.flop_counts[name].values())) for name in net.nodes
                if name in mode.flop_counts}
    total = int(mode.complexity)
    return {"total": total, "per_node": per_node, "wrapper": total - sum(per_node.values()),
            "missed": {k: sorted(v) for k, v in mode.missed.items() if k != "Global"},
            "missed_wrapper": sorted(mode.missed.get("Global", ()))}


COUNTERS = {"fvcore": _fvcore, "ptflops": _ptflops}


def _worker(counter: str, target: str, height: int, width: int, classes: int | None) -> dict[str, Any]:
    import torch

    torch.manual_seed(0)
    net = _load_target(target, classes).eval()
    x = torch.randn(1, 3, height, width)
    return COUNTERS[counter](net, x)


def count_isolated(counter: str, target: str, height: int, width: int, classes: int | None = None,
                   timeout: float = 600) -> dict[str, Any]:
    """Run a cross-check counter in a fresh Python process (real CPU compute) and return its JSON.

    A counter that fails returns {"error": "..."} instead of raising: a cross-check must never
    take the primary figure down with it.
    """
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter!r}: choose from {', '.join(COUNTERS)}")
    cmd = [sys.executable, "-m", "arena.measure.cross_checks", counter, target, str(height), str(width), str(classes or 0)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{counter} took longer than {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{counter} failed: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":  # the isolated worker: python -m arena.measure.cross_checks COUNTER TARGET H W CLASSES
    import warnings

    warnings.filterwarnings("ignore")
    _c, _t, _h, _w, _k = sys.argv[1:6]
    sys.stdout.write(json.dumps(_worker(_c, _t, int(_h), int(_w), int(_k) or None)) + "\n")
