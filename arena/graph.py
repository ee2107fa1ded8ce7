"""GraphNet: the `nn.Module` a network file becomes.

Nodes run in file order over a dict of named values. Each step also lists the values that die
after it, so inference keeps no more activations alive than a hand-written forward would. In eval
mode only the nodes the logits depend on run: auxiliary heads, and nodes that only feed them, are
training-only. The
loop is plain Python over static structure, so `torch.fx` traces it into straight-line code and
`torch.export` exports it; the interpretive overhead is measured in benchmarks/graph_overhead.py.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from arena.dsl.ir import INPUT_NAME, Node
from blocks.registry import FeatureSpec


class GraphNet(nn.Module):
    """A network built from a DSL file: nodes in order, logits resized to the input size.

    eval(): returns logits (B, classes, H, W).
    train(): returns the logits, or `{"out": logits, "aux": [(aux_logits, weight), ...]}` when the
    network has auxiliary heads (each resized to the input size, to meet the labels). A head whose
    block trains with a loss of its own (STDC's detail head, PIDNet's boundary head) adds its bound
    `aux_loss` method as a third item, which `arena.train.losses.total_loss` calls instead of
    cross-entropy: `aux_loss(logits, labels, main=..., main_loss=...)` returns
    `{part: (value, weight)}`, a weight of None meaning the node's `aux=` weight.

    The final resize is bilinear; whether its corners are aligned is the network's convention
    (`final_align_corners`, a parameter of the network file's def, default False), since the
    official models differ: FANet and S2-FPN align corners, the others do not.
    """

    def __init__(self, resolved, plan: list[Node], modules: dict[str, nn.Module],
                 specs: dict[str, FeatureSpec], output: str, doc: str = "", swap_notes: tuple = (),
                 final_align_corners: bool = False):
        super().__init__()
        self.resolved = resolved  # the spec as understood: base, overrides, swaps, canonical
        self.name, self.canonical, self.doc = resolved.entry, resolved.canonical, doc
        self.swap_notes = tuple(swap_notes)  # what each swap did (nodes replaced, kwargs dropped); the swaps: resolved.swaps
        self.final_align_corners = bool(final_align_corners)
        self.resize_output = True  # False: return the logits at the output node's stride (bench --exclude-resize)
        self.plan = list(plan)
        self.nodes = nn.ModuleDict(modules)
        self.specs = dict(specs)
        self.output = output
        self.classes = specs[output].channels
        self.output_stride = max(s.stride for s in specs.values())
        needed = self._needed_at_inference()
        self.inference_plan = [n for n in self.plan if n.name in needed]
        self._train_steps = self._with_liveness(self.plan)
        self._eval_steps = self._with_liveness(self.inference_plan)

    @classmethod
    def from_resolved(cls, resolved, device: Any = None, *, seed: int | None = None) -> "GraphNet":
        """The network a resolved spec names (`arena.api.resolve`), built without parsing it again
        (`arena.api.build` resolves a spec string and calls this)."""
        import contextlib

        from arena.dsl.build import build_nodes, resolved_calls
        from arena.errors import ArenaError, BlockInternalError

        calls, notes = resolved_calls(resolved.netfile, resolved.params, resolved.swaps)
        where = contextlib.nullcontext() if device is None else _build_device(device)
        with where:
            try:
                plan, modules, specs = build_nodes(calls, seed=seed, device=device)
            except BlockInternalError as e:
                cause = e.__cause__
                if isinstance(cause, MemoryError) or "can't allocate" in str(cause) or "out of memory" in str(cause):
                    raise ArenaError(f"{resolved.canonical}: its weights do not fit in memory (node {e.node!r}, block "
                                     f"{e.block}): use smaller channel or class counts, or build it with "
                                     "device=\"meta\" to count and show it") from None
                raise
            net = resolved.netfile.net
            return cls(resolved, plan, modules, specs, net.output, net.doc or resolved.netfile.doc, tuple(notes),
                       final_align_corners=resolved.params.get("final_align_corners", False))

    def check_resolution(self, height: int, width: int) -> None:
        """Refuse a size only where a block cannot run there, naming the multiple it needs (arena.sizes)."""
        from arena.sizes import check_resolution

        check_resolution(self, height, width)

    def _needed_at_inference(self) -> set[str]:
        """Nodes the logits depend on; the rest (aux heads and what only feeds them) run in training only."""
        wanted, needed = {self.output}, set()
        for node in reversed(self.plan):
            if node.aux is None and wanted.intersection(node.outputs):
                needed.add(node.name)
                wanted.update(node.inputs)
        return needed

    def _with_liveness(self, steps: list[Node]) -> list[tuple[Node, tuple[str, ...]]]:
        """Pair each step with the values whose last consumer it is (freed right after it)."""
        last_use: dict[str, int] = {}
        for i, node in enumerate(steps):
            for name in node.inputs:
                last_use[name] = i
        free: list[list[str]] = [[] for _ in steps]
        for name, i in last_use.items():
            if name != self.output:
                free[i].append(name)
        return [(node, tuple(f)) for node, f in zip(steps, free)]

    def forward(self, image: torch.Tensor):
        env: dict[str, torch.Tensor] = {INPUT_NAME: image}
        aux: list[tuple[torch.Tensor, float]] = []
        for node, dead in (self._train_steps if self.training else self._eval_steps):
            out = self.nodes[node.name](*[env[i] for i in node.inputs])
            if node.aux is not None:
                custom = getattr(self.nodes[node.name], "aux_loss", None)  # a head with a loss of its own
                aux.append((self._to_input_size(out, image), node.aux, *([custom] if custom else [])))
            elif len(node.outputs) == 1:
                env[node.outputs[0]] = out
            else:
                for name, value in zip(node.outputs, out):
                    env[name] = value
            for name in dead:
                del env[name]
        logits = self._to_input_size(env[self.output], image) if self.resize_output else env[self.output]
        if self.training and aux:
            return {"out": logits, "aux": aux}
        return logits

    def _to_input_size(self, logits: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return F.interpolate(logits, size=image.shape[-2:], mode="bilinear", align_corners=self.final_align_corners)

    # -- accounting ------------------------------------------------------------------------------
    def param_counts(self) -> dict[str, Any]:
        """Parameters: total, inference (auxiliary heads excluded, as papers and specs count) and per node.

        `training_only` is the part of `inference` held by nodes that feed only auxiliary heads
        (FANet's S4 smooth conv): part of the model as published, but not computed in eval mode.
        """
        per_node = {n.name: sum(p.numel() for p in self.nodes[n.name].parameters()) for n in self.plan}
        aux = sum(per_node[n.name] for n in self.plan if n.aux is not None)
        run = {n.name for n in self.inference_plan}
        training_only = sum(per_node[n.name] for n in self.plan if n.aux is None and n.name not in run)
        total = sum(p.numel() for p in self.parameters())
        return {"total": total, "inference": total - aux, "training_only": training_only, "per_node": per_node}

    def node(self, name: str) -> Node:
        for n in self.plan:
            if n.name == name:
                return n
        raise KeyError(name)

    def extra_repr(self) -> str:
        return f"canonical={self.canonical!r}, nodes={len(self.plan)}, output_stride={self.output_stride}"


def _build_device(device: Any) -> torch.device:
    """`device` as a torch.device arena builds on, or one ArenaError line (not torch's RuntimeError)."""
    from arena.errors import ArenaError

    try:
        where = torch.device(device)
        if where.type not in ("cpu", "cuda", "meta", "mps", "xpu"):
            raise RuntimeError(where.type)
    except (RuntimeError, TypeError, ValueError):
        raise ArenaError(f"device={device!r} is not a device arena builds on: use \"cpu\", \"cuda\", "
                         "\"cuda:0\" or \"meta\"") from None
    return where
