"""A finished run as a train row: its metrics, and the protocol that says how it was trained."""
from __future__ import annotations

from typing import Any

from arena.train.distributed import Dist

OPTIMIZER_NAMES = {"sgd": "SGD momentum", "adamw": "AdamW"}


def metrics_of(val: dict[str, Any], curve: dict[str, list], it: int, start: int, resumed: bool, wall: float,
               images_seen: int, wait: float, pretrained, folder) -> dict[str, Any]:
    return {"miou": val["miou"], "pixel_acc": val["pixel_acc"], "iou": val["iou"], "val_pixels": val["pixels"],
            "final_loss": curve["loss"][-1]["loss"] if curve["loss"] else None, "curve": curve,
            "iterations": it, "resumed_from": start if resumed else None, "wall_s": wall,
            "images_per_s": images_seen / max(wall, 1e-9), "data_wait_fraction": wait / max(wall, 1e-9),
            "pretrained": pretrained, "run_dir": str(folder)}


def protocol_of(cfg, sched, where, d: Dist, data_desc, val_desc, nondeterministic_ops) -> dict[str, Any]:
    protocol = {"schedule": sched.record(), "device": str(where.device), "amp": where.amp,
                "channels_last": where.channels_last, "threads": where.threads, "world": d.world,
                "workers": cfg.workers, "batch_per_rank": sched.batch, "crop": list(sched.crop), "data": data_desc,
                "val": val_desc, "optimizer": f"{OPTIMIZER_NAMES[sched.optimizer]}, poly LR with linear warm-up; no "
                "weight decay on norms, biases and scalars unless the schedule says so",
                "bn": "plain BatchNorm per process (no SyncBN)" if d.active else "BatchNorm",
                "deterministic": cfg.deterministic}
    if d.active:
        protocol["backend"] = d.backend
    if cfg.deterministic:
        protocol["nondeterministic_ops"] = nondeterministic_ops  # kernels PyTorch has no deterministic version of
    return protocol


def make(cfg, net, sched, where, d: Dist, data_desc, val_desc, metrics, nondeterministic_ops) -> dict[str, Any]:
    from arena import env, results
    from arena.networks import family_of

    protocol = protocol_of(cfg, sched, where, d, data_desc, val_desc, nondeterministic_ops)
    family = family_of(net.resolved.base)
    if family is not None and family.training_note:  # what the published training had and this run lacks
        protocol["training_note"] = family.training_note
    return results.make_row("train", net.resolved.row_fields(), metrics, protocol=protocol,
                            dataset=data_desc["name"], schedule=sched.name, seed=cfg.seed,
                            environment_=env.fingerprint(str(where.device), where.threads))
