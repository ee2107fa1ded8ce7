"""Plain-data descriptions of blocks and networks: what `arena list` and `arena show` render.

Networks are built on the meta device here: shapes and parameter counts need no memory or compute,
so listing every variant stays fast.
"""
from __future__ import annotations

from typing import Any, Callable

from arena.errors import ArenaError


def _check_role(role: str) -> None:
    from arena.dsl.ir import ROLES
    from blocks.registry import did_you_mean

    if role not in ROLES:
        raise ArenaError(f"unknown role {role!r}: {did_you_mean(role, [*ROLES, 'nets'], 2)}"
                         f"choose from {', '.join(ROLES)} or nets")


def block_row(b, verbose: bool = False) -> dict[str, Any]:
    """One block as data: role, name, summary, paper, the file that defines it (and, verbose, its keywords)."""
    from blocks.registry import INTERFACE_KWARGS, type_name

    row: dict[str, Any] = {"role": b.role.value, "name": b.name, "summary": b.summary, "paper": b.paper,
                           "file": b.source_file}
    if verbose:
        row["inputs"] = "one or more" if b.arity is None else b.arity
        row["keywords"] = [{"name": k, "default": v, "type": type_name(b.types[k]) if k in b.types else "",
                            "interface": k in INTERFACE_KWARGS[b.role]} for k, v in b.kwargs.items()]
        row["interface"] = list(INTERFACE_KWARGS[b.role])
        import inspect

        row["doc"] = inspect.getdoc(b.cls) or ""
    return row


def block_rows(role: str | None = None, verbose: bool = False) -> list[dict[str, Any]]:
    """One row per registered block (optionally of one role)."""
    from blocks.registry import all_blocks

    if role is not None:
        _check_role(role)
    return [block_row(b, verbose) for b in all_blocks() if role is None or b.role.value == role]


def block_detail(name: str) -> dict[str, Any]:
    """Everything `arena show BLOCK` prints: keywords with defaults and types, interface kwargs, paper."""
    from arena.api import block_info

    return block_row(block_info(name), verbose=True)


def net_rows(on_step: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One row per shipped variant: name, family, file, documentation, parameters (inference and total)."""
    from arena.api import build, catalogue
    from arena.networks import VARIANTS, family_of

    rows = []
    for name, path in catalogue().items():
        if on_step:
            on_step(name)
        counts = build(name, device="meta").param_counts()
        family = family_of(name)
        rows.append({"name": name, "family": family.name if family else "", "file": f"blocks/nets/{path.name}",
                     "doc": family.doc if family else "", "params": counts["inference"],
                     "params_total": counts["total"],
                     "params_official": VARIANTS[name].params if name in VARIANTS else None})
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


def describe_network(spec: str, swaps=None) -> dict[str, Any]:
    """What `arena show SPEC` prints, as data: the identity, every node, swaps applied, totals."""
    from arena.api import build

    net = build(spec, swaps, device="meta")
    counts = net.param_counts()
    return {**net.resolved.row_fields(), "output_stride": net.output_stride,
            "logits_stride": net.specs[net.output].stride, "classes": net.classes,
            "final_align_corners": net.final_align_corners, "nodes": graph_rows(net),
            "swapped": [str(n) for n in net.swap_notes], "params_inference": counts["inference"],
            "params_total": counts["total"], "params_training_only": counts["training_only"]}
