"""What many tests share: running the CLI as a user types it, the one-line error checks, relative
error, the counters' figures of a network (fvcore as the specs measured, arena's primary), parameter
counts and BatchNorms drawn away from their initial values."""
from __future__ import annotations

import torch
from typer.testing import CliRunner

import arena
from arena.measure.cross_checks import fvcore_analysis  # noqa: F401  (the tests' fvcore, quiet, one place)


def run_cli(*args):
    """`arena ARGS...` through typer's runner (arguments may be paths or numbers)."""
    from arena.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(r, code: int = 2) -> str:
    """A user mistake at the CLI: exit `code`, one line starting `error: `, no traceback."""
    assert r.exit_code == code, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "Traceback" not in r.output
    return lines[0]


def one_line(excinfo) -> str:
    """A user mistake in the library: an exception whose message is one non-empty line."""
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


def rel(a: float, b: float) -> float:
    return abs(a - b) / b


def fvcore_total(spec: str, h: int, w: int, **overrides) -> int:
    """fvcore's total MACs of a network at 1x3xHxW, as specs/*.md measured the official code."""
    return fvcore_analysis(arena.build(spec, **overrides), torch.randn(1, 3, h, w)).total()


def primary_macs(spec: str, h: int, w: int) -> int:
    """arena's primary counter on meta tensors (no storage: any size)."""
    from arena.measure.counters import count_primary

    model = arena.build(spec).eval().to("meta")
    return count_primary(model, torch.empty(1, 3, h, w, device="meta"))["total"]


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def randomise_bn(net):
    """`net` in eval mode with every BatchNorm's statistics and affine parameters drawn away from their
    initial values (seeded), so that a wrong BN mapping or order changes the output."""
    torch.manual_seed(0)
    with torch.no_grad():
        for mod in net.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.3, 0.3)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    return net.eval()


def representatives_quick(variants):
    """pytest params: each family's representative in the quick tier, its other variants in the slow tier
    (they share the representative's blocks and rules: deeper or wider nets)."""
    import pytest

    from arena.networks import FAMILIES

    quick = {f.representative for f in FAMILIES.values()}
    return [v if v in quick else pytest.param(v, marks=pytest.mark.slow) for v in variants]


def whole_trunks_slow(blocks):
    """pytest params of registered blocks: backbones (whole trunks, seconds each even at small specs) in
    the slow tier, every other block in the quick tier."""
    import pytest

    return [pytest.param(b, id=f"{b.role.value}.{b.name}",
                         marks=[pytest.mark.slow] if b.role.value == "backbone" else [])
            for b in blocks]
