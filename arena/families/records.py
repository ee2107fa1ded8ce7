"""The records a family module fills: its Family, its Variants and the papers' Published rows.

Plain frozen dataclasses, no behaviour beyond derived figures: the aggregators (`arena.networks`,
`arena.official.tables`, `arena.train.schedules`, `arena.report.published`) read them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """One published network: its paper and official code, and the variant that stands for it."""

    name: str
    title: str
    arxiv: str
    code: str  # official repository, or "" when there is none
    representative: str  # the variant studies and the swap matrix use for the family
    doc: str  # section of docs/networks.md
    order: int  # place in every listing: the order the families joined arena (a new one takes the next)
    short: str = ""  # the name documentation tables print ("STDC-Seg")
    summary: str = ""  # one line for README's network table: what arena builds
    final_align_corners: bool = False  # the official final resize of the logits (docs/networks.md)
    default_study: bool = True  # in `arena ablate`'s default network set (False: `--nets all` or by name)
    training_note: str = ""  # what the published training used that arena cannot (every train row carries it)


@dataclass(frozen=True)
class Variant:
    """A shipped variant and what the official code measured for it (None: no official figure)."""

    name: str
    family: str
    params: int | None = None  # official inference parameters
    gmacs: tuple[float, float] | None = None  # official GMACs at arena.networks.RESOLUTIONS
    unused_params: int = 0  # held by official layers that compute nothing; arena does not build them
    unused_why: str = ""
    backbone: str = ""  # as arena builds it (tables' Backbone column)
    key_table: str = ""  # its official checkpoint names: a key of its family's KEY_TABLES ("" when none)
    source: str = ""  # where the official figures were measured (code and commit), or why there are none
    notes: str = ""  # docs/networks.md's footnote marks for its row ("[a] [b]")

    @property
    def expected_params(self) -> int | None:
        return None if self.params is None else self.params - self.unused_params


@dataclass(frozen=True)
class Published:
    """One reported result of a paper (or its official README) for one arena variant."""

    variant: str  # the arena variant it corresponds to
    method: str  # the paper's own name
    backbone: str | None
    dataset: str  # "cityscapes" or "camvid"
    split: str | None  # "test", "val"; None when the source does not say
    miou: float | None  # percent
    fps: float | None
    gpu: str | None
    framework: str | None
    resolution: str | None  # "HxW" of the timed / evaluated input
    params_m: float | None  # millions, as the paper states it
    cost: float | None  # as the paper states it, in cost_unit
    cost_unit: str | None  # "GFLOPs" or "GMACs"
    source: str  # where the numbers come from
    headline: bool = False
    note: str = ""

    @property
    def latency_ms(self) -> float | None:
        """1000 / FPS: the paper's frame time (its own protocol), for a latency axis."""
        return None if not self.fps else 1000.0 / self.fps

    @property
    def gmacs(self) -> float | None:
        """The cost in GMACs when the paper states it in GMACs; None otherwise (a paper's "GFLOPs"
        are often MACs: converting them would be a guess)."""
        return self.cost if self.cost_unit == "GMACs" else None
