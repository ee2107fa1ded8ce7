"""Result rows -> one frame per network and measurement setting: costs joined with accuracy.

`summary(rows)` joins, per canonical `spec`:
- from profile rows: `params` (inference parameters, millions) and `gmacs` per `resolution`;
- from bench rows: `latency_ms` (median) and `fps` per (`device`, `precision`, `mode`, `resolution`);
  several bench rows of one setting give the median of their figures (`n_bench` says how many);
- from train rows: `miou` (percent: the mean over seeds, the latest row of each seed), `miou_std`
  (sample sd), `miou_ci` (95 % t-interval half-width, scipy.stats, df = n - 1; NaN below 2 seeds),
  `n_seeds` and `per_seed` ({seed: miou}, for pairing) per train `setting` (the row's setting id:
  schedule record with its iterations, data record, validation set), with `dataset`, `schedule`
  and `eval_resolution` (where accuracy was evaluated) beside it.
Each bench mode is placed at its own accuracy where `arena eval` rows of that (spec, backend, dtype)
exist (`report/mode_accuracy.py`): `miou` is then the eval rows' mean and `miou_source` says "own
(eval)"; a mode other than eager fp32 without eval rows keeps the training rows' mIoU and says it is
"borrowed from fp32 eager"; eager fp32 (compiled, folded or not) is "own".
A cost row without bench rows at its resolution keeps `device` NaN; a trained spec never profiled or
benched keeps every cost NaN. Identity columns: `spec`, `base` (the network), `overrides_key`
(the overrides as sorted JSON), `swaps` (the canonical swap string, "" for none), `hybrid`
(swaps non-empty) and `base_spec` (the spec of the base with the same overrides, when rows exist).

Rows of different devices, precisions, modes, resolutions, datasets or schedules stay separate
rows; `pareto.select` and `tables.table` refuse to put them on one axis unless told.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from arena.errors import ArenaError
from arena.report.settings import (  # noqa: F401 - the setting helpers, also read from here
    OPTION, SETTING, describe_groups, filter_setting, groups, mixed_keys, setting_differences_of, setting_fields)
from arena.report import mode_accuracy, train_rows
from arena.store import latest

_ACCURACY_HINT = "`arena train SPEC` or `arena ablate --swap ROLE=BLOCK` produces them"


def load_rows(*folders: str | os.PathLike):
    """Every result row under the folders, as one DataFrame (`arena.store.Store.rows`, concatenated).

    A folder that does not exist, or folders holding no result rows, are one ArenaError line.
    """
    import pandas as pd

    from arena.store import Store

    if not folders:
        raise ArenaError("no results folder given: pass the folder arena profile/bench/train wrote (--out)")
    frames = []
    for folder in folders:
        path = Path(folder)
        if not path.exists():
            raise ArenaError(f"results folder {path} does not exist: pass the folder arena profile, bench or "
                             "train wrote (their --out, default ./results)")
        frame = Store(path).rows()
        if len(frame):
            frames.append(frame)
    if not frames:
        names = ", ".join(str(f) for f in folders)
        raise ArenaError(f"no result rows in {names}: run `arena profile`, `arena bench` or `arena train` "
                         "(or `arena demo`) to produce them")
    return pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]


def _col(df, name, default=None):
    import pandas as pd

    return df[name] if name in df else pd.Series([default] * len(df), index=df.index, dtype=object)


def _res_text(value) -> str | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{int(value[0])}x{int(value[1])}"
    if isinstance(value, str) and value:
        return value
    return None


def _swap_text(swaps) -> str:
    if not isinstance(swaps, dict) or not swaps:
        return ""
    return ",".join(f"{k}={v}" for k, v in sorted(swaps.items()))


def _overrides_key(overrides) -> str:
    return json.dumps(overrides if isinstance(overrides, dict) else {}, sort_keys=True, default=str)


def _mode(row) -> str:
    """The bench settings beyond dtype that change a latency, as a short label ("eager" by default)."""
    tags = []
    compile_ = row.get("protocol.compile")
    if isinstance(compile_, str) and compile_ not in ("", "none"):
        tags.append(f"compile={compile_}")
    backend = row.get("protocol.backend")
    if isinstance(backend, str) and backend not in ("", "eager"):
        tags.append(backend)
    for key, tag in (("fuse_bn", "fuse-bn"), ("channels_last", "channels-last"), ("cuda_graphs", "cuda-graphs"),
                     ("autocast", "autocast"), ("include_argmax", "argmax")):
        if row.get(f"protocol.{key}") is True:
            tags.append(tag)
    if row.get("protocol.include_resize") is False:
        tags.append("no-resize")
    if row.get("protocol.by_node") is True:
        tags.append("by-node")
    batch = row.get("protocol.batch")
    if isinstance(batch, (int, float)) and not isinstance(batch, bool) and batch == batch and int(batch) != 1:
        tags.append(f"batch={int(batch)}")
    return " ".join(tags) or "eager"


def _device(row) -> str | None:
    """GPU name on cuda; CPU model and thread count on cpu (threads change a CPU latency)."""
    kind = row.get("protocol.device") or row.get("environment.device")
    name = next((v for v in (row.get("environment.device_name"), row.get("environment.gpu"))
                 if isinstance(v, str) and v), None)
    if isinstance(kind, str) and kind.startswith("cpu") or name is None:
        cpu = row.get("environment.device_name") or row.get("environment.cpu") or "cpu"
        threads = row.get("protocol.threads") or row.get("environment.threads")
        label = f"{cpu} (cpu"
        if isinstance(threads, (int, float)) and threads == threads:
            label += f", {int(threads)} threads"
        return label + ")"
    return name


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _place_modes(joined, rows) -> None:
    """Each bench mode at its own eval accuracy, or marked as borrowing fp32 eager's (in place)."""
    e = rows[rows["kind"] == "eval"] if "kind" in rows else rows.iloc[0:0]
    evals = mode_accuracy.index({"kind": "eval", "spec": r.get("spec"), "metrics": {"miou": r.get("metrics.miou")},
                                 "protocol": {"backend": _text(r.get("protocol.backend")),
                                              "dtype": _text(r.get("protocol.dtype")),
                                              "source": {"run": _text(r.get("protocol.source.run")),
                                                         "file": _text(r.get("protocol.source.file"))}}}
                                for r in e.to_dict("records"))
    source = []
    for i, r in joined.iterrows():
        key = (r["spec"], _text(r.get("backend")) or "eager", _text(r.get("precision")) or "fp32")
        own = evals.get(key) if key[1:] != ("eager", "fp32") else None
        if own is not None:
            joined.loc[i, ["miou", "miou_std", "miou_ci", "n_seeds"]] = [own["miou"] * 100, math.nan, math.nan, own["n"]]
            source.append("own (eval)")
        elif r["miou"] == r["miou"] and r["miou"] is not None:  # not NaN: a train row's accuracy
            source.append("own" if key[1:] == ("eager", "fp32") or _text(r.get("device")) is None
                          else mode_accuracy.BORROWED)
        else:
            source.append(None)
    joined["miou_source"] = source


def profile_costs(rows):
    """Per (spec, resolution): params (M, inference) and gmacs, from profile rows (the latest)."""
    import pandas as pd

    p = rows[rows["kind"] == "profile"] if "kind" in rows else rows.iloc[0:0]
    if not len(p):
        return pd.DataFrame(columns=["spec", "resolution", "params", "gmacs"])
    out = pd.DataFrame({"spec": p["spec"], "resolution": _col(p, "protocol.res").map(_res_text),
                        "params": pd.to_numeric(_col(p, "metrics.params_inference"), errors="coerce") / 1e6,
                        "gmacs": pd.to_numeric(_col(p, "metrics.gmacs"), errors="coerce"),
                        "time": _col(p, "time")})
    return latest(out, ["spec", "resolution"]).drop(columns="time").reset_index(drop=True)


def bench_costs(rows):
    """Per (spec, device, precision, mode, resolution): the median of the rows' latency_ms, p10, p90
    and fps (p10 and p90 decide whether a best latency is separated from the runner-up)."""
    import pandas as pd

    b = rows[rows["kind"] == "bench"] if "kind" in rows else rows.iloc[0:0]
    cols = ["spec", "device", "device_kind", "precision", "mode", "backend", "resolution", "latency_ms",
            "latency_p10", "latency_p90", "fps", "n_bench"]
    if not len(b):
        return pd.DataFrame(columns=cols)
    records = b.to_dict("records")
    res = [_res_text(r.get("protocol.resolution")) or _res_text(r.get("protocol.res")) for r in records]
    out = pd.DataFrame({"spec": b["spec"].to_numpy(), "device": [_device(r) for r in records],
                        "device_kind": [r.get("protocol.device") for r in records],
                        "precision": [r.get("protocol.dtype") or "fp32" for r in records],
                        "mode": [_mode(r) for r in records], "resolution": res,
                        "backend": [_text(r.get("protocol.backend")) or "eager" for r in records],
                        "latency_ms": pd.to_numeric(_col(b, "metrics.median_ms"), errors="coerce").to_numpy(),
                        "latency_p10": pd.to_numeric(_col(b, "metrics.p10_ms"), errors="coerce").to_numpy(),
                        "latency_p90": pd.to_numeric(_col(b, "metrics.p90_ms"), errors="coerce").to_numpy(),
                        "fps": pd.to_numeric(_col(b, "metrics.fps"), errors="coerce").to_numpy()})
    keys = ["spec", "device", "precision", "mode", "resolution"]
    grouped = out.groupby(keys, dropna=False, sort=False)
    agg = grouped.agg(device_kind=("device_kind", "first"), backend=("backend", "first"),
                      latency_ms=("latency_ms", "median"),
                      latency_p10=("latency_p10", "median"), latency_p90=("latency_p90", "median"),
                      fps=("fps", "median"), n_bench=("latency_ms", "size")).reset_index()
    return agg[cols]


def accuracy(rows):
    """Per (spec, train setting): miou (%, the mean over seeds, the latest row of each seed),
    miou_std, miou_ci (95 % half-width), n_seeds, seeds, `per_seed` ({seed: miou}) for pairing, the
    setting's id and the resolution accuracy was evaluated at. Rows of different settings of one
    schedule name (another iteration count, generator version, validation set) are never averaged."""
    import pandas as pd
    from scipy import stats

    t = rows[rows["kind"] == "train"] if "kind" in rows else rows.iloc[0:0]
    cols = ["spec", "setting", "dataset", "schedule", "miou", "miou_std", "miou_ci", "n_seeds", "seeds", "per_seed",
            "eval_resolution", "at_chance"]
    if not len(t):
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({"spec": t["spec"], "setting": _col(t, "setting.id"), "dataset": _col(t, "dataset"),
                        "schedule": _col(t, "schedule"), "seed": _col(t, "seed"),
                        "miou": pd.to_numeric(_col(t, "metrics.miou"), errors="coerce") * 100,
                        "eval_resolution": _col(t, "protocol.val.resolution").map(_res_text),
                        "chance": train_rows.at_chance(t), "time": _col(t, "time")})
    out = latest(out.dropna(subset=["miou"]), ["spec", "setting", "seed"])
    result = []
    for (spec, setting), g in out.groupby(["spec", "setting"], dropna=False, sort=False):
        values = g["miou"].to_numpy(dtype=float)
        n = len(values)
        sd = float(values.std(ddof=1)) if n >= 2 else math.nan
        ci = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n >= 2 else math.nan
        seeds = [int(x) for x in g["seed"]]
        result.append({"spec": spec, "setting": setting, "dataset": g["dataset"].iloc[-1],
                       "schedule": g["schedule"].iloc[-1], "miou": float(values.mean()), "miou_std": sd,
                       "miou_ci": ci, "n_seeds": n, "seeds": tuple(sorted(seeds)),
                       "per_seed": dict(zip(seeds, values.tolist())), "eval_resolution": g["eval_resolution"].iloc[-1],
                       "at_chance": bool(g["chance"].all())})
    return pd.DataFrame(result, columns=cols)


def summary(rows):
    """The joined frame: one row per spec and setting (module docstring for every column)."""
    import pandas as pd

    if "spec" not in rows or not len(rows):
        raise ArenaError("no result rows to report: run `arena profile`, `arena bench` or `arena train` first")
    prof, bench, acc = profile_costs(rows), bench_costs(rows), accuracy(rows)
    params = prof.dropna(subset=["params"]).drop_duplicates("spec", keep="last")[["spec", "params"]]
    timed = bench.merge(prof[["spec", "resolution", "gmacs"]], on=["spec", "resolution"], how="left")
    untimed = prof.merge(bench[["spec", "resolution"]].drop_duplicates(), on=["spec", "resolution"],
                         how="left", indicator=True)
    untimed = untimed[untimed["_merge"] == "left_only"].drop(columns=["_merge", "params"])
    costs = pd.concat([timed, untimed], ignore_index=True, sort=False)
    costs = costs.merge(params, on="spec", how="left")
    specs = pd.DataFrame({"spec": pd.unique(rows["spec"].dropna())})
    costs = specs.merge(costs, on="spec", how="left")  # every spec, cost or not
    joined = costs.merge(acc, on="spec", how="left")

    ident = rows.drop_duplicates("spec", keep="last").set_index("spec")
    joined["base"] = joined["spec"].map(_col(ident, "network"))
    joined["overrides_key"] = joined["spec"].map(_col(ident, "overrides").map(_overrides_key))
    joined["swaps"] = joined["spec"].map(_col(ident, "swaps").map(_swap_text)).fillna("")
    joined["hybrid"] = joined["swaps"] != ""
    bases = {(b, o): s for s, b, o, h in zip(joined["spec"], joined["base"], joined["overrides_key"],
                                             joined["hybrid"]) if not h}
    joined["base_spec"] = [bases.get((b, o)) for b, o in zip(joined["base"], joined["overrides_key"])]
    order = ["spec", "base", "base_spec", "swaps", "hybrid", "overrides_key", "device", "device_kind", "precision",
             "mode", "resolution", "params", "gmacs", "latency_ms", "latency_p10", "latency_p90", "fps", "n_bench",
             "dataset", "schedule", "setting", "miou", "miou_std", "miou_ci", "n_seeds", "seeds", "per_seed",
             "eval_resolution", "at_chance"]
    for column in order:
        if column not in joined:
            joined[column] = None
    _place_modes(joined, rows)
    order.insert(order.index("miou_ci") + 1, "miou_source")
    result = joined[order].reset_index(drop=True)
    result.attrs["setting_fields"] = setting_fields(rows)
    result.attrs["skipped"] = train_rows.skipped(rows)
    return result
