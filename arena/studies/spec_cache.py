"""Each distinct spec of a study resolved once and built once on the meta device.

A study asks the same questions of a spec several times: does the name exist (the schema), what is
its canonical name and does the swap fit (the plan), how many classes does it predict and does it
run at the job's size (the preflight). One SpecCache, carried by the Study, answers them all from
one `arena.api.resolve` and one meta build per distinct spec. Workers (local pool, Ray) build their
own networks from the job's spec string: a cache is never shipped to them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arena.dsl.spec import Swap


class SpecCache:
    """Resolved specs and meta-built networks of one study, keyed by what was asked and by canonical name."""

    def __init__(self) -> None:
        self._resolved: dict[tuple[str, tuple[Swap, ...]], Any] = {}
        self._meta: dict[str, Any] = {}

    def resolve(self, spec: str, swaps: tuple[Swap, ...] = ()):
        """`arena.api.resolve(spec, swaps)`, once per distinct question (errors are not kept: asked again, raised again)."""
        key = (spec, tuple(swaps))
        if key not in self._resolved:
            from arena.api import resolve

            resolved = resolve(spec, list(swaps) or None)
            self._resolved[key] = resolved
            self._resolved.setdefault((resolved.canonical, ()), resolved)  # the canonical string names it too
        return self._resolved[key]

    def meta(self, spec: str, swaps: tuple[Swap, ...] = ()):
        """The network on the meta device, in eval mode (no weights, no memory): one per canonical spec.
        Shared by every check of the study: callers read it and run it on meta tensors, never change it."""
        resolved = self.resolve(spec, swaps)
        if resolved.canonical not in self._meta:
            from arena.graph import GraphNet

            self._meta[resolved.canonical] = GraphNet.from_resolved(resolved, device="meta").eval()
        return self._meta[resolved.canonical]
