"""Plain-data descriptions of blocks and networks, rendered by the CLI (`arena list`, `arena show`).

Networks are built on the meta device here: shapes and parameter counts need no memory or compute,
so listing every variant stays fast.
"""
from __future__ import annotations

from typing import Any


def build_meta(spec: str, **overrides: Any):
    """Build a network with meta tensors (no storage): for counting and showing only."""
    import torch

    from arena.api import build

    with torch.device("meta"):
        return build(spec, **overrides)


def block_rows(role: str | None = None) -> list[dict[str, str]]:
    """One row per registered block: role, name, summary, paper, keywords."""
    from blocks.registry import BlockError, Role, all_blocks

    if role is not None:
        try:
            Role(role)
        except ValueError:
            import difflib

            roles = [r.value for r in Role]
            close = difflib.get_close_matches(role, roles + ["nets"], n=2)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise BlockError(f"unknown role {role!r}: {hint}choose from {', '.join(roles)} or nets") from None
    return [{"role": b.role.value, "name": b.name, "summary": b.summary, "paper": b.paper,
             "kwargs": ", ".join(f"{k}={v!r}" for k, v in b.kwargs.items())}
            for b in all_blocks() if role is None or b.role.value == role]


SPECS = ("fast_scnn", "fanet", "s2fpn", "sgcpnet", "gain")


def spec_of(stem: str) -> str:
    """The shared spec a network file implements (gain_df2.arena -> specs/gain.md)."""
    return next((f"specs/{s}.md" for s in SPECS if stem.startswith(s)), "")


def net_rows() -> list[dict[str, Any]]:
    """One row per shipped variant: name, file, spec, parameters (inference and total)."""
    from arena.api import catalogue

    rows = []
    for name, path in catalogue().items():
        counts = build_meta(name).param_counts()
        rows.append({"name": name, "file": f"blocks/nets/{path.name}", "spec": spec_of(path.stem),
                     "params": counts["inference"], "params_total": counts["total"]})
    return rows


def graph_rows(net) -> list[dict[str, Any]]:
    """One row per node of a built network, in execution order."""
    counts = net.param_counts()["per_node"]
    rows = []
    for node in net.plan:
        ins = ", ".join(f"{i} {net.specs[i]}" for i in node.inputs)
        outs = ", ".join(f"{o} {net.specs[o]}" for o in node.outputs)
        kwargs = ", ".join(f"{k}={v}" for k, v in node.kwargs.items() if k != "aux")
        rows.append({"node": node.name, "role": node.role.value, "block": node.block, "kwargs": kwargs,
                     "inputs": ins, "outputs": outs, "params": counts[node.name], "aux": node.aux,
                     "line": node.line})
    return rows
