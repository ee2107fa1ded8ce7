"""The two kinds of failure the CLI tells apart: a user mistake, and a bug inside a block."""
from __future__ import annotations


class ArenaError(Exception):
    """A user mistake (bad spec, bad option, missing file) with a message that names the fix.

    The only exception type the CLI prints as a one-line user error (exit 2).
    """


class BlockInternalError(RuntimeError):
    """An unexpected exception raised by a block's own code (constructor or forward): a bug, not a
    user mistake. The CLI reports it as an internal error in that block, with `--debug` for the
    traceback; the original exception is `__cause__`.
    """

    def __init__(self, block: str, node: str, where: str, error: BaseException):
        self.block, self.node, self.where, self.error = block, node, where, error
        super().__init__(f"internal error in block {block} (node {node!r}, {where}): "
                         f"{type(error).__name__}: {error}")


def block_in_traceback(error: BaseException) -> str | None:
    """`role.block` of the innermost registered block whose code raised `error`, if any.

    Used for exceptions escaping a forward pass: walking the frames costs nothing on the hot path,
    unlike a try/except around every node call.
    """
    found = None
    tb = error.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        role, name = getattr(owner, "role", None), getattr(owner, "block_name", None)
        if role is not None and name is not None:
            found = f"{getattr(role, 'value', role)}.{name}"
        tb = tb.tb_next
    return found


class WriteFailed(ArenaError, OSError):
    """A file could not be written whole (disk full, I/O error, short write): one line naming the
    file and the cause, and what was already in the file left as it was. An OSError too, so code
    that tolerates an unwritable cache keeps doing so."""
