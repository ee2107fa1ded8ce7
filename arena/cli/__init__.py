"""The `arena` command line: the only package that imports typer or rich.

One module per group of commands (`nets`: list, show, swaps, convert; `measure`: profile, verify,
bench, export; `data`: data synth, data show; `train`; `studies`: ablate, run;
`report`: pareto, table, demo; `rank`; `evaluate`: eval),
each command a thin wrapper: parse the options, call one library function, render its data
(`render.py`).
"""
from arena.cli.app import app
from arena.cli import data, evaluate, measure, nets, rank, report, studies, train  # noqa: F401,E402  (importing a group registers its commands)


def main():
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
