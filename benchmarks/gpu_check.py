"""The Python half of benchmarks/gpu_check.sh: the checks a shell line cannot do, and the tables.

Subcommands (each prints what it found and appends one JSON line to OUT/checks.jsonl):
  env                 versions, the GPU, ONNX Runtime's providers
  check-cli CMD...    the dry run: every `python3 -m arena.cli ...` call in the step commands parsed
                      by the CLI's own parser (options, types), without running it
  noise OUT           step 5's end-to-end medians (a second process) against step 3's
  train-twins OUT     step 6: AMP training of fast_scnn, an interrupted-and-resumed twin, with and
                      without --deterministic, beside two uninterrupted runs
  nccl-one-rank       step 7: a one-rank NCCL all-reduce
  report OUT STEPS    the tables: per variant, then the steps (last)
Only the standard library is imported at the top, so `py_compile` checks this file anywhere.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path


def _record(out: str | None, check: str, **fields) -> None:
    print(json.dumps({"check": check, **fields}, default=str))
    if out:
        with open(Path(out) / "checks.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"check": check, **fields}, default=str) + "\n")


def env(out: str) -> None:
    import torch

    info = {"python": sys.version.split()[0], "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(), "gpus": [torch.cuda.get_device_name(i)
                                                              for i in range(torch.cuda.device_count())]}
    try:
        import onnxruntime

        info.update(onnxruntime=onnxruntime.__version__, providers=onnxruntime.get_available_providers())
    except ImportError:
        info["onnxruntime"] = None
    import importlib.util

    info["triton"] = importlib.util.find_spec("triton") is not None
    _record(out, "env", ok=torch.cuda.is_available(), **info)


def check_cli(commands: list[str]) -> None:
    """Every arena CLI call in `commands` must parse: unknown options and bad values fail here."""
    import typer.main

    from arena.cli import app

    group = typer.main.get_command(app)
    calls = 0
    for command in commands:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens, segment = list(lexer), []
        for token in tokens + [";"]:
            if token and set(token) <= set(";&|"):
                at = next((i for i in range(1, len(segment) - 1) if segment[i - 1:i + 1] == ["-m", "arena.cli"]), None)
                if at is not None:
                    name, args = segment[at + 1], segment[at + 2:]
                    args = args[:next((i for i, a in enumerate(args) if set(a) & set("<>")), len(args))]  # redirections
                    sub = group.get_command(None, name)
                    if sub is None:
                        raise SystemExit(f"unknown arena command {name!r} in: {command}")
                    sub.make_context(name, list(args))
                    calls += 1
                segment = []
            else:
                segment.append(token)
    print(f"check-cli: {calls} arena CLI call(s) parse")


def _rows(path: Path, kind: str = "bench") -> list[dict]:
    if not path.is_file():
        return []
    return [r for r in map(json.loads, path.read_text().splitlines()) if r.get("kind") == kind]


def _mode(row: dict) -> str:
    p = row["protocol"]
    if p["compile"] != "none":
        return f"compile {p['compile']}"
    if p["cuda_graphs"]:
        return "fast"
    return "fp32 eager" if p["dtype"] == "fp32" and not p["fuse_bn"] else "other"


def noise(out: str) -> None:
    """End-to-end medians of the by-node run (another process) over step 3's, per network."""
    rows = _rows(Path(out) / "bench.jsonl")
    eager = {r["spec"]: r["metrics"]["median_ms"] for r in rows if _mode(r) == "fp32 eager"
             and "by_node" not in r["metrics"] and r["protocol"]["resolution"] == "1024x2048"}
    for r in rows:
        nodes = r["metrics"].get("by_node")
        if not nodes or r["spec"] not in eager:
            continue
        effs = [n["efficiency"] for n in nodes["nodes"]]
        ratio = r["metrics"]["median_ms"] / eager[r["spec"]]
        top = sorted(nodes["nodes"], key=lambda n: -n["ms"])[:3]
        _record(out, "by-node", spec=r["spec"], ok=max(effs) <= 1.0, max_efficiency=max(effs),
                second_process_over_step3=ratio, sum_of_nodes_ms=nodes["sum_of_nodes_ms"],
                end_to_end_ms=r["metrics"]["median_ms"],
                top3=[{k: n[k] for k in ("node", "block", "ms", "efficiency")} for n in top])


def train_twins(out: str) -> None:
    """Weights after 16 AMP iterations: uninterrupted vs interrupted at 10 and resumed from 8."""
    import dataclasses
    import tempfile

    import torch

    from arena.train import schedules
    from arena.train.loop import TrainConfig, train

    schedules.SCHEDULES["smoke"] = dataclasses.replace(schedules.SCHEDULES["smoke"], ckpt_every=6)

    def interrupt(entry):
        if entry.get("iter") == 10:
            raise KeyboardInterrupt

    def weights(folder):
        return torch.load(Path(folder) / "last.pt", map_location="cpu", weights_only=True)["model"]

    def max_diff(a, b):
        return max((a[k].float() - b[k].float()).abs().max().item() for k in a if a[k].is_floating_point())

    scratch = tempfile.mkdtemp(prefix="arena-twins-")
    base = TrainConfig("fast_scnn", schedule="smoke", iters=16, crop=(256, 512), batch=4, device="cuda", threads=4)
    found = {}
    for det in (True, False):
        runs = []
        for name in ("full", "again", "twin") if not det else ("full", "twin"):
            cfg = dataclasses.replace(base, deterministic=det, out=f"{scratch}/{det}-{name}")
            if name == "twin":
                try:
                    train(cfg, on_log=interrupt)
                except KeyboardInterrupt:
                    pass
                run = train(dataclasses.replace(cfg, resume=f"{cfg.out}/runs/{runs[0].folder.name}"))
            else:
                run = train(cfg)
            runs.append(run)
        full, twin = weights(runs[0].folder), weights(runs[-1].folder)
        entry = {"resume_max_abs_diff": max_diff(full, twin),
                 "bit_exact": all(torch.equal(full[k], twin[k]) for k in full),
                 "nondeterministic_ops": runs[-1].row["protocol"].get("nondeterministic_ops"),
                 "resumed_from": runs[-1].metrics["resumed_from"]}
        if not det:
            entry["run_to_run_max_abs_diff"] = max_diff(full, weights(runs[1].folder))
        found["deterministic" if det else "default"] = entry
    _record(out, "train-twins", ok=twins_ok(found["deterministic"]), **found)


def twins_ok(entry: dict) -> bool:
    """The test's rule (tests/train/test_gpu_train.py): a --deterministic resume is bit-exact, or it
    differs only through kernels PyTorch has no deterministic version of, which the row names."""
    return bool(entry["bit_exact"] or entry.get("nondeterministic_ops"))


def nccl_one_rank(out: str) -> None:
    import torch
    import torch.distributed as dist

    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    torch.cuda.set_device(0)
    dist.init_process_group("nccl", rank=0, world_size=1)
    try:
        t = torch.full((4,), 3.0, device="cuda")
        dist.all_reduce(t)
        _record(out, "nccl-one-rank", ok=t.tolist() == [3.0] * 4, nccl=".".join(map(str, torch.cuda.nccl.version())))
    finally:
        dist.destroy_process_group()


def report(out: str, steps: str) -> None:
    """Per variant: fp32 eager ms and FPS, the fast mode's speed-up and answer; then every step, last."""
    rows = _rows(Path(out) / "bench.jsonl")
    eager = {r["spec"]: r for r in rows if _mode(r) == "fp32 eager" and "by_node" not in r["metrics"]}
    fast = {r["spec"]: r for r in rows if _mode(r) == "fast"}
    if eager:
        print(f"\n{'variant':<16} {'fp32 ms':>9} {'FPS':>8} {'fast ms':>9} {'speed-up':>9}  answer (fast vs fp32 eager)")
        for spec, r in eager.items():
            m, f = r["metrics"], fast.get(spec, {}).get("metrics")
            acc = (f or {}).get("accuracy") or {}
            answer = (f"rel {acc['rel_diff']:.1e}, argmax {100 * acc['argmax_agreement']:.2f} %"
                      f"{' CHANGED' if acc['flagged'] else ''}") if acc.get("rel_diff") is not None else "-"
            print(f"{spec:<16} {m['median_ms']:>9.2f} {m['fps']:>8.1f} "
                  + (f"{f['median_ms']:>9.2f} {m['median_ms'] / f['median_ms']:>8.2f}x  {answer}" if f else f"{'-':>9}"))
    checks = {}
    for line in (Path(out) / "checks.jsonl").read_text().splitlines() if (Path(out) / "checks.jsonl").is_file() else []:
        c = json.loads(line)
        checks.setdefault(c["check"], []).append(c)
    print(f"\n{'step':<16} {'status':<12} {'s':>5}  figures (or the step's last line)")
    for line in Path(steps).read_text().splitlines():
        name, status, seconds, last = (line.split("\t") + ["", "", "", ""])[:4]
        print(f"{name:<16} {status:<12} {seconds:>5}  {_figures(name, out, checks, eager, fast, rows) or last[:100]}")


def _figures(step: str, out: str, checks: dict, eager: dict, fast: dict, rows: list) -> str:
    import math

    if step == "fp32-eager" and eager:
        ms = [r["metrics"]["median_ms"] for r in eager.values()]
        return f"{len(ms)} variants, {min(ms):.2f} to {max(ms):.2f} ms"
    if step == "fast-mode" and fast:
        ups = [eager[s]["metrics"]["median_ms"] / r["metrics"]["median_ms"] for s, r in fast.items() if s in eager]
        changed = [s for s, r in fast.items() if (r["metrics"].get("accuracy") or {}).get("flagged")]
        geo = math.exp(sum(map(math.log, ups)) / len(ups)) if ups else float("nan")
        return f"geometric-mean speed-up {geo:.2f}x over {len(ups)}; answer changed: {', '.join(changed) or 'none'}"
    if step == "reduce-overhead":
        ro = [r for r in rows if _mode(r) == "compile reduce-overhead"]
        if ro and ro[-1]["spec"] in fast:
            r = ro[-1]
            return (f"{r['spec']} {r['metrics']['median_ms']:.2f} ms, graphs mode "
                    f"{fast[r['spec']]['metrics']['median_ms']:.2f} ms")
    if step == "calibrate":
        path = Path(out) / "peaks.json"
        if not path.is_file():
            return ""
        entry = next((e for k, e in json.loads(path.read_text())["devices"].items() if k.startswith("cuda|")), {})
        bf16 = entry.get("flops", {}).get("bf16", {}).get("value")
        bw = (entry.get("bandwidth") or {}).get("value")
        return (f"bf16 GEMM {bf16 / 1e12:.0f} TFLOP/s (H200 ~790), " if bf16 else "") + \
            (f"triad {bw / 1e12:.2f} TB/s (H200 ~4)" if bw else "")
    if step == "by-node":
        return "; ".join(f"{c['spec']} max eff {c['max_efficiency']:.2f}, 2nd process/step 3 "
                         f"{c['second_process_over_step3']:.3f}" for c in checks.get("by-node", []))
    if step == "train-twins" and checks.get("train-twins"):
        c = checks["train-twins"][-1]
        d, n = c["deterministic"], c["default"]
        return (f"--deterministic {'ok' if c['ok'] else 'NOT ok'}: bit-exact {d['bit_exact']} (nondeterministic ops "
                f"{d['nondeterministic_ops'] or 'none'}); default resume diff "
                f"{n['resume_max_abs_diff']:.2e} vs run-to-run {n['run_to_run_max_abs_diff']:.2e}")
    if step == "ddp" and checks.get("nccl-one-rank"):
        return f"NCCL one rank ok {checks['nccl-one-rank'][-1]['ok']}"
    return ""


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "check-cli":
        check_cli(args)
    elif command == "env":
        env(args[0] if args else None)
    elif command == "noise":
        noise(args[0])
    elif command == "train-twins":
        train_twins(args[0])
    elif command == "nccl-one-rank":
        nccl_one_rank(args[0] if args else None)
    elif command == "report":
        report(args[0], args[1])
    else:
        raise SystemExit(f"unknown subcommand {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
