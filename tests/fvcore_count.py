"""The one way tests ask fvcore for MACs: quiet, eval mode, no grad (the specs' measurement method)."""
import pytest
import torch

import arena


def fvcore_analysis(model, inputs):
    """A quiet `FlopCountAnalysis` of `model` (eval) on `inputs` (a tensor or a tuple)."""
    fvcore = pytest.importorskip("fvcore.nn")
    with torch.no_grad():
        analysis = fvcore.FlopCountAnalysis(model.eval(), inputs)
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        analysis.total()  # run the trace inside no_grad
    return analysis


def fvcore_total(spec: str, h: int, w: int, **overrides) -> int:
    """fvcore's total MACs of a network at 1x3xHxW, as specs/*.md measured the official code."""
    return fvcore_analysis(arena.build(spec, **overrides), torch.randn(1, 3, h, w)).total()
