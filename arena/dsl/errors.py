"""The one error type of the DSL: a message, its position, and a hint for the fix."""
from __future__ import annotations

from arena.errors import ArenaError


class DSLError(ArenaError):
    """A mistake in a network file or spec string, located at file:line:col.

    `str()` is one line, ready to print: `fanet.arena:12:9: unknown upsampler block 'gia' (did you mean gai?)`.
    """

    def __init__(self, message: str, *, file: str = "<spec>", line: int = 0, col: int = 0, hint: str = ""):
        self.message, self.file, self.line, self.col, self.hint = message, file, line, col, hint
        super().__init__(str(self))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file

    def __str__(self) -> str:
        text = self.message if self.file == "<spec>" else f"{self.where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class NotApplicable(DSLError):
    """A swap that does not fit a network (matches nothing, arity or stride mismatch).

    Ablations catch it to report the network as "n/a" instead of failing the whole study.
    """
