"""Commands that measure: `arena profile` (parameters, MACs, memory) and `arena verify` (against the specs)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import JsonOpt, SwapOpt, app, user_errors

ResOpt = Annotated[Optional[list[str]], typer.Option("--res", "-r", metavar="HxW",
                                                     help="Resolution, repeatable (default 512x1024).")]
OutOpt = Annotated[str, typer.Option("--out", metavar="DIR", show_default=False,
                                     help="Append result rows under DIR (default: ./results in the working directory).")]


@app.command()
def profile(
    specs: Annotated[list[str], typer.Argument(metavar="SPEC", help="Networks or hybrids (fanet18, fanet18[upsampler=gai]), "
                                                    "or 'all' for every published variant.")],
    res: ResOpt = None,
    classes: Annotated[Optional[int], typer.Option(metavar="N", help="Number of classes, >= 1 "
                                                                     "(default: the network's).")] = None,
    swap: SwapOpt = None,
    by_node: Annotated[bool, typer.Option("--by-node", help="Also print every node.")] = False,
    cross_check: Annotated[bool, typer.Option("--cross-check", help="Also count with fvcore and ptflops "
                                                                    "(backend='aten'), each in its own process; "
                                                                    "runs real compute.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print result rows as JSON lines.")] = False,
    out: OutOpt = "results",
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not append rows to the results store.")] = False,
    max_memory: Annotated[Optional[float], typer.Option(metavar="GiB", help="Refuse sizes whose estimated "
                                                        "activations exceed this many GiB (default: this "
                                                        "machine's RAM).")] = None,
):
    """Parameters, MACs (GMACs; GFLOPs = 2 x GMACs) and activation memory, by role and by node."""
    import json

    from arena.checks import parse_res
    from arena.networks import PUBLISHED
    from arena.store import Store
    from arena.cli import render
    from arena.measure import profile as prof

    console = render.console()
    with user_errors():
        if specs == ["all"]:
            specs = list(PUBLISHED)
        resolutions = [parse_res(r) for r in (res or ["512x1024"])]
        prof.check_classes(classes)
        if max_memory is not None and max_memory <= 0:
            raise prof.ProfileError(f"--max-memory must be a positive number of GiB, got {max_memory:g}")
        max_bytes = int(max_memory * 2**30) if max_memory else None
        store = None if no_save else Store(out).check_writable()  # refused before any work
        rows = []
        jobs = [(s, r) for s in specs for r in resolutions]
        with render.progress("profile", total=len(jobs)) as step:
            for spec, (h, w) in jobs:
                step(f"{spec} @ {h}x{w}", advance=0)
                p = prof.profile(spec, (h, w), classes=classes, swaps=swap, cross_check=cross_check,
                                 max_bytes=max_bytes)
                rows.append(prof.to_row(p))
                if json_out:
                    typer.echo(json.dumps(rows[-1], default=str))
                else:
                    for part in render.profile_tables(p, by_node=by_node):
                        console.print(part)
                step()
        if store is not None:
            path, = store.append(rows)
            if not json_out:
                typer.echo(f"appended {len(rows)} row(s) to {path}", err=True)


@app.command()
def verify(variants: Annotated[Optional[list[str]], typer.Argument(metavar="VARIANT",
        help="Published variants (default: all of them).")] = None,
           json_out: JsonOpt = False):
    """Our parameters and MACs beside each variant's official figures (tolerance 0.5 % params, 2 % MACs)."""
    from rich.markup import escape

    from arena.cli import render
    from arena.measure.verify import compare

    with user_errors():
        with render.progress("verify") as step:
            rows = compare(variants, on_step=step)
    ok = all(r["ok"] for r in rows)
    if json_out:
        render.print_json(rows)
    else:
        console = render.console()
        console.print(render.verify_table(rows))
        for r in rows:
            if r["note"]:
                console.print(escape(f"{r['variant']}: {r['note']}; expected = official - "
                                     f"{r['unused_params']:,}"))
        console.print("MACs: arena's primary counter (FlopCounterMode + documented costs), on meta tensors; "
                      "official figures: fvcore on the official code. GFLOPs = 2 x GMACs.")
    if not ok:
        raise typer.Exit(1)


MODE_HELP = "Repeatable: every value given is a case, timed interleaved with the others."


@app.command()
def bench(
    specs: Annotated[Optional[list[str]], typer.Argument(metavar="SPEC", help="Networks or hybrids, or 'all' for "
                                                         "every published variant; several are timed interleaved.")] = None,
    res: ResOpt = None,
    swap: SwapOpt = None,
    batch: Annotated[Optional[list[int]], typer.Option(metavar="N", help=f"Batch size, >= 1 (default 1). "
                                                                         f"{MODE_HELP}")] = None,
    device: Annotated[str, typer.Option(metavar="cpu|cuda[:i]", help="Where to run.")] = "cpu",
    dtype: Annotated[Optional[list[str]], typer.Option(metavar="fp32|tf32|fp16|bf16|int8", help="Precision (default "
                     "fp32; fp16/bf16 cast the model and input unless --autocast; int8 quantises the exported graph "
                     f"for --backend onnxruntime/openvino). {MODE_HELP}")] = None,
    autocast: Annotated[Optional[list[bool]], typer.Option("--autocast/--no-autocast", help="Reduced precision by "
                        "autocast only (default off). Both ways: both cases.")] = None,
    channels_last: Annotated[Optional[list[bool]], typer.Option("--channels-last/--no-channels-last", help="NHWC "
                             "memory format (default off). Both ways: both cases.")] = None,
    compile_mode: Annotated[Optional[list[str]], typer.Option("--compile", metavar="MODE", help="torch.compile: none "
                            f"(default), default, reduce-overhead or max-autotune. {MODE_HELP}")] = None,
    cuda_graphs: Annotated[Optional[list[bool]], typer.Option("--cuda-graphs/--no-cuda-graphs", help="Capture and "
                           "replay the eager model (default off). Both ways: both cases.")] = None,
    fuse_bn: Annotated[Optional[list[bool]], typer.Option("--fuse-bn/--no-fuse-bn", help="Fold every BatchNorm that "
                       "follows a conv (default off). Both ways: both cases.")] = None,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads (default: all cores); "
                                                   "always set explicitly and recorded.")] = None,
    by_node: Annotated[bool, typer.Option("--by-node", help="Also time every node, with its roofline bound.")] = False,
    exclude_resize: Annotated[bool, typer.Option("--exclude-resize", help="Leave the final resize out of the "
                                                 "timed region.")] = False,
    include_argmax: Annotated[bool, typer.Option("--include-argmax", help="Time the argmax too.")] = False,
    iters: Annotated[Optional[int], typer.Option(metavar="N", help="Timed iterations (default 20 on CPU, "
                                                 "200 on GPU).")] = None,
    backend: Annotated[Optional[list[str]], typer.Option(metavar="eager|onnxruntime|openvino", help="What runs the "
                       f"network (default eager). {MODE_HELP}")] = None,
    calibration: Annotated[Optional[int], typer.Option(metavar="N", help="int8: training images to calibrate on "
                           "(default 300, NNCF's default subset size).")] = None,
    calibration_seed: Annotated[int, typer.Option("--calibration-seed", metavar="N", help="int8: which training "
                                "images (recorded).")] = 0,
    order_seed: Annotated[int, typer.Option("--order-seed", metavar="N", help="Seed of the per-round shuffle of "
                                            "the order of the cases (recorded).")] = 0,
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Measure this device's peak FLOP/s and "
                                            "bandwidth for the roofline, cache them, and print them.")] = False,
    out: OutOpt = "results",
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not append rows to the results store.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print result rows as JSON lines.")] = False,
):
    """Latency and FPS under a recorded protocol: median, p10/p90 over every iteration; several networks,
    resolutions or modes timed interleaved, with paired ratios to the first."""
    import json

    from arena.checks import parse_res
    from arena.networks import PUBLISHED
    from arena.cli import render
    from arena.measure import bench as bench_lib
    from arena.measure import modes
    from arena.store import Store

    console = render.console()
    with user_errors():
        from arena.checks import threads as check_threads

        check_threads(threads)
        base = bench_lib.Protocol(device=device, threads=threads, include_resize=not exclude_resize,
                                  include_argmax=include_argmax, iters=iters, order_seed=order_seed,
                                  calibration=calibration, calibration_seed=calibration_seed)
        protocols = modes.mode_protocols(base, {"backend": backend, "dtype": dtype, "autocast": autocast,
                                                "channels_last": channels_last, "compile": compile_mode,
                                                "cuda_graphs": cuda_graphs, "fuse_bn": fuse_bn, "batch": batch})
        if calibrate:
            from arena.measure.calibrate import calibrate as measure_peaks

            modes.check_modes(protocols)
            with render.progress("calibrating"):
                peaks = measure_peaks(device, threads=threads)
            if json_out:
                render.print_json(peaks)
            else:
                console.print(render.peaks_table(peaks))
            if not specs:
                return
        if not specs:
            raise bench_lib.BenchError("name at least one network (or 'all'), e.g. arena bench fast_scnn")
        if specs == ["all"]:
            specs = list(PUBLISHED)
        resolutions = [parse_res(r) for r in (res or ["512x1024"])]
        modes.check_modes(protocols)
        store = None if no_save else Store(out).check_writable()  # refused before any work
        cases = modes.expand(specs, resolutions, protocols, swaps=swap)
        if any(p.dtype == "int8" for p in protocols):
            typer.echo("note: int8 quantises the initialised (random) network: its argmax agreement is meaningless; "
                       "arena eval --weights RUN measures a trained network's int8 accuracy", err=True)
        with render.progress("bench") as step:
            outcome = bench_lib.bench(cases, on_step=step, by_node=by_node)
        rows = [bench_lib.to_row(item) for item in outcome]
        if json_out:
            for row in rows:
                typer.echo(json.dumps(row, default=str))
        else:
            for part in render.bench_tables(outcome, rows):
                console.print(part)
        if store is not None:
            path, = store.append(rows)
            if not json_out:
                typer.echo(f"appended {len(rows)} row(s) to {path}", err=True)


@app.command("export")
def export_cmd(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A network or hybrid.")],
    onnx: Annotated[str, typer.Option("--onnx", metavar="FILE", help="Where to write the ONNX graph.")],
    res: Annotated[str, typer.Option("--res", "-r", metavar="HxW", help="Input resolution (static).")] = "512x1024",
    fuse_bn: Annotated[bool, typer.Option("--fuse-bn", help="Fold BatchNorms into convs first.")] = False,
    swap: SwapOpt = None,
    json_out: JsonOpt = False,
):
    """Export a network to ONNX (static shapes) and check its outputs against eager in onnxruntime."""
    from arena.checks import parse_res, writable_file
    from arena.cli import render
    from arena.measure.export import export_network

    with user_errors():
        h, w = parse_res(res)
        writable_file(onnx, "the ONNX graph", ".onnx", option="--onnx", create=False)  # before the network is built
        report = export_network(spec, onnx, (h, w), fuse_bn=fuse_bn, swaps=swap)
    if json_out:
        render.print_json(report)
        return
    render.console().print(render.export_summary(report))
