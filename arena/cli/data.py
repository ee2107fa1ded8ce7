"""Commands about data: `arena data synth` (scenes to disk, Cityscapes layout) and `arena data show`."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import app, user_errors

data_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                       help="Synthetic street scenes and datasets: write them to disk, look at them.")
app.add_typer(data_app, name="data")

KnobsOpt = Annotated[Optional[str], typer.Option(
    "--knobs", metavar="K=V,...", help="Synthetic difficulty knobs: texture_overlap, noise, blur, clutter, "
                                       "lighting (e.g. noise=0.08,clutter=2).")]


@data_app.command("synth")
def synth(
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Root folder of the Cityscapes layout to write.")],
    n: Annotated[int, typer.Option("--n", metavar="N", help="Number of train scenes (of the one split with "
                                                            "--split).")] = 100,
    n_val: Annotated[Optional[int], typer.Option("--n-val", metavar="N", help="Number of val scenes (default: a "
                                                                              "fifth of --n, at least 1).")] = None,
    res: Annotated[str, typer.Option("--res", metavar="HxW", help="Resolution.")] = "512x1024",
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Scene seed: scene i is (S, i).")] = 0,
    split: Annotated[Optional[str], typer.Option("--split", metavar="train|val", help="Write this split only "
                                                 "(default: both train/ and val/).")] = None,
    knobs: KnobsOpt = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a folder (or, with --split, a split) "
                                            "that already holds scenes, whole.")] = False,
):
    """Write synthetic scenes as leftImg8bit/ and gtFine/ (labelIds), train/ and val/, readable as cityscapes:DIR."""
    from arena.cli import render
    from arena.checks import parse_res, positive, writable_folder
    from arena.data.synthetic import parse_knobs, write_cityscapes
    from arena.data.synthetic.replace import check_free, staged

    with user_errors():
        size, config = parse_res(res), parse_knobs(knobs)
        if split not in (None, "train", "val"):
            raise_user(f"--split {split!r} is not train or val (leave it out to write both)")
        if split is not None and n_val is not None:
            raise_user("--n-val counts val scenes when both splits are written; with --split, --n counts the "
                       "split's scenes: drop --n-val")
        positive(n, "--n")
        positive(n_val, "--n-val")
        counts = {split: n} if split else {"train": n, "val": max(1, n // 5) if n_val is None else n_val}
        writable_folder(out, "the dataset", create=False)  # refused before any scene is drawn
        check_free(out, split, overwrite)
        summaries = {}
        with render.progress("synth", total=sum(counts.values())) as step, staged(out, split) as into:
            for name, count in counts.items():
                summaries[name] = write_cityscapes(into, count, size, seed=seed, split=name, config=config,
                                                   on_scene=lambda i, s=name: step(f"{s} scene {i + 1}"))
    root = str(out)
    written = " and ".join(f"{c} {s}" for s, c in counts.items())
    typer.echo(f"wrote {written} scenes at {size[0]}x{size[1]} to {root} "
               f"({', '.join(f'leftImg8bit/{s}, gtFine/{s}' for s in counts)}); "
               f"read them with --data cityscapes:{root}")


@data_app.command("show")
def show(
    n: Annotated[int, typer.Option("--n", metavar="N", help="Number of samples.")] = 8,
    res: Annotated[str, typer.Option("--res", metavar="HxW", help="Resolution of synthetic scenes.")] = "256x512",
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Scene seed (synthetic).")] = 0,
    out: Annotated[str, typer.Option("--out", metavar="FILE.png", help="Where to write the sheet.")] = "data_sheet.png",
    data: Annotated[str, typer.Option("--data", metavar="SPEC", help="synthetic, cityscapes:PATH or camvid:PATH "
                                                                     "(real data: the first N of --split).")] = "synthetic",
    split: Annotated[str, typer.Option("--split", metavar="train|val|test", help="Split to show.")] = "train",
    knobs: KnobsOpt = None,
):
    """Write a PNG contact sheet: images beside their coloured labels, with the class legend."""
    from arena.data import open_folder, parse_spec
    from arena.data.contact import contact_sheet
    from arena.checks import parse_res, writable_file
    from arena.data.synthetic import parse_knobs, render

    with user_errors():
        if n < 1:
            raise_user(f"--n must be a positive number of samples, got {n}")
        path = writable_file(out, "the contact sheet", ".png")
        name, _ = parse_spec(data)
        if name == "synthetic":
            size, config = parse_res(res), parse_knobs(knobs)
            samples = [render(seed, i, size, config, split) for i in range(n)]
            titles = [f"scene ({seed}, {i})" for i in range(n)]
            extra = {}
            title = f"synthetic {split} scenes, seed {seed}, {size[0]}x{size[1]}"
        else:
            ds = open_folder(data, split)
            idx = list(range(min(n, len(ds))))
            samples = [ds.read(i) for i in idx]
            titles = [ds.pairs[i][0].name for i in idx]
            extra = {"palette": ds.palette, "classes": ds.classes}
            title = f"{ds.name} {split} ({ds.root})"
        written = contact_sheet(samples, path, titles=titles, title=title, **extra)
    typer.echo(f"wrote {written}")


def raise_user(message: str):
    from arena.errors import ArenaError

    raise ArenaError(message)
