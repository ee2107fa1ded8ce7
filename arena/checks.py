"""The checks every command shares: resolutions, positive counts, CPU count, writable folders.

One place each, so that every --res, --crop, --out and --threads is refused with the same line
(naming the value and the fix) before any work is done.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from arena.errors import ArenaError


def parse_res(text: str) -> tuple[int, int]:
    """`512x1024` -> (512, 1024): height then width; one ArenaError line for anything else."""
    try:
        h, w = (int(v) for v in str(text).lower().replace("*", "x").split("x"))
    except ValueError:
        raise ArenaError(f"resolution {text!r} is not HxW: write it like 512x1024 (height x width)") from None
    if h <= 0 or w <= 0:
        raise ArenaError(f"resolution {text!r} must be positive on both sides, like 512x1024")
    return h, w


def positive(value, option: str, minimum: int = 1):
    """`value` when it is an integer >= minimum (None passes: an unset option); else one line naming `option`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ArenaError(f"{option} must be an integer >= {minimum}, got {value!r}")
    return value


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


THREADS_PER_CORE_MAX = 4  # beyond this many threads per core, only slower (and the OpenMP runtime may crash)


def threads(value, option: str = "--threads"):
    """A CPU thread count: None (the default), or 1 .. 4 x the cores this process may use; a warning
    (one line) above the core count, where threads only contend."""
    if value is None:
        return None
    cores = cpu_count()
    positive(value, option)
    if value > THREADS_PER_CORE_MAX * cores:
        raise ArenaError(f"{option} {value} is far more than this machine's {cores} core(s): pass at most "
                         f"{THREADS_PER_CORE_MAX * cores}, best {cores} or fewer")
    if value > cores:
        import warnings

        warnings.warn(f"{option} {value} is more than this machine's {cores} core(s): the threads will contend "
                      f"and run slower; pass {cores} or fewer", stacklevel=2)
    return value


USER_FILE_LIMIT = 1 << 20  # bytes: a network or study file is text a person wrote, never this long


def file_problem(path: str | os.PathLike, limit: int | None = USER_FILE_LIMIT) -> str | None:
    """Why `path` cannot be read as a user's text file (network, study), or None: only regular files
    (a FIFO blocks forever, /dev/zero never ends), at most `limit` bytes."""
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as e:
        return e.strerror or str(e)
    if stat.S_ISDIR(st.st_mode):
        return "it is a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file (a device, FIFO or socket: reading it could block or never end)"
    if limit is not None and st.st_size > limit:
        return f"it is {st.st_size:,} bytes, more than the {limit:,} such a file may hold"
    return None


def writable_folder(path: str | os.PathLike, what: str = "results", create: bool = True) -> Path:
    """An output folder for `what` ("results", "the plot", "the dataset"), refused up front when unusable.

    With `create=False` nothing is made yet: the folder, or its nearest existing parent, is probed
    (a real temporary folder made and removed: permission bits say nothing to root, nor of
    read-only mounts), so a run that fails later leaves no empty folder behind.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ArenaError(f"cannot write {what} to {path}: it is a file, not a folder (pass a folder with --out)")
    _probe(path, create, f"cannot write {what} to {path}", "another folder with --out", "a writable folder with --out")
    return path


def _probe(folder: Path, create: bool, refusal: str, other: str, writable: str) -> None:
    """Make `folder` (if `create`) and a temporary folder in it, or in its nearest existing parent,
    then remove that: the only test that tells root, read-only mounts and /proc apart. Refused in one
    line starting with `refusal` and ending with the fix (`other` for a file in the way)."""
    existing = next((q for q in [folder, *folder.absolute().parents] if q.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ArenaError(f"{refusal}: {existing} is a file, not a folder (pass {other})")
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(dir=folder if create else existing, prefix=".arena-probe-"))
    except OSError as e:
        raise ArenaError(f"{refusal}: {_refusal(e, folder if folder.is_dir() else existing)} (pass {writable})") \
            from None


def _refusal(error: OSError, probed: Path | None) -> str:
    """Why a probe failed, naming the folder that takes no files (`/proc`: "No such file" alone misleads)."""
    reason = error.strerror or str(error)
    return f"{probed} takes no new files ({reason})" if probed is not None and probed.is_dir() else reason


def writable_file(path: str | os.PathLike, what: str, suffix: str | None = None, option: str = "--out",
                  create: bool = True) -> Path:
    """An output file whose folder exists (or is created) and is writable; refused up front otherwise.

    With `create=False` no folder is made: the folder, or its nearest existing parent, is probed
    (as `writable_folder` does), so a command that fails later leaves nothing behind.
    """
    path = Path(path)
    if suffix and path.suffix.lower() != suffix:
        raise ArenaError(f"{option} {path} must end in {suffix} (pass {option} NAME{suffix})")
    if path.is_dir():
        raise ArenaError(f"cannot write {what} to {path}: it is a folder (pass a file name with {option})")
    folder = path.parent if str(path.parent) else Path(".")
    _probe(folder, create, f"cannot write {what} to {path}", f"another {option}", f"a writable path with {option}")
    return path
