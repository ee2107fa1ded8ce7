"""The typer application, its global options, and the one place errors become exit codes.

Nothing heavy is imported at module level (torch, pandas, the blocks), so `arena --help` is fast;
each command imports what it needs. A user mistake (`ArenaError`) ends in one line on stderr naming
the problem and the fix, exit 2. A bug (an unexpected exception, inside a block or elsewhere) ends
in one line saying so, exit 3. `--debug`, anywhere on the line, shows the traceback instead.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from arena import __version__

EXIT_USER, EXIT_INTERNAL = 2, 3
state = {"debug": False}


class _DebugAnywhere(TyperGroup):
    """`--debug` may stand anywhere on the command line, before or after the subcommand."""

    def main(self, args=None, *rest, **kwargs):
        args = list(sys.argv[1:] if args is None else args)
        state["debug"] = "--debug" in args
        with contextlib.nullcontext() if state["debug"] else plain_warnings():
            return super().main([a for a in args if a != "--debug"], *rest, **kwargs)

    def get_command(self, ctx, name):
        """The command, with its arguments' help showing their metavars (SPEC...), not Python types."""
        command = super().get_command(ctx, name)
        for param in getattr(command, "params", ()):
            if param.param_type_name == "argument":
                param.display_type_rich = lambda ctx: None
        return command


app = typer.Typer(cls=_DebugAnywhere, no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None,  # plain help: rich help costs ~0.3 s of imports
                  pretty_exceptions_enable=False,
                  help="Benchmark and ablation workbench for real-time semantic segmentation.")

SwapOpt = Annotated[Optional[list[str]], typer.Option(
    "--swap", "-s", metavar="ROLE=BLOCK",
    help="Swap a slot: ROLE|BLOCK|NODE=BLOCK[(k=v)], e.g. upsampler=gai(iters=1). Repeatable.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the data as JSON instead of a table.")]


@contextlib.contextmanager
def plain_warnings():
    """Each warning as one line on stderr (`warning: ...`, no Python source line), and at the end how
    many damaged lines were skipped in all: what the command reported leaves them out."""
    import warnings

    skipped = [0]
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        text = (str(message).strip().splitlines() or [category.__name__])[0]
        skipped[0] += " skipped (" in text
        sys.stderr.write(f"warning: {text}\n")

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous
        if skipped[0]:
            sys.stderr.write(f"warning: {skipped[0]} damaged line(s) skipped in all (named above): what this command "
                             "reported leaves them out\n")


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


@contextlib.contextmanager
def user_errors():
    """Turn a failure into one line and an exit code (traceback only with --debug)."""
    from arena.errors import ArenaError, BlockInternalError, block_in_traceback

    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as e:  # noqa: BLE001 - every failure gets its line; --debug re-raises
        if state["debug"]:
            raise
        if isinstance(e, ArenaError):
            typer.echo(f"error: {_one_line(e)}", err=True)
            raise typer.Exit(EXIT_USER) from None
        if isinstance(e, BlockInternalError):
            message = _one_line(e)
        else:
            block = block_in_traceback(e)
            where = f" in block {block}" if block else ""
            message = f"internal error{where}: {type(e).__name__}: {_one_line(e)}"
        typer.echo(f"error: {message} (a bug, not a mistake in your input: rerun with --debug for the "
                   "traceback)", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


def _version(value: bool):
    if value:
        typer.echo(f"arena {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors "
                                                        "(accepted anywhere on the line).")] = False,
):
    """Benchmark and ablation workbench for real-time semantic segmentation."""
