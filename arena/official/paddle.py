"""PaddlePaddle checkpoints (`.pdparams`), read without Paddle and without running anything.

PP-LiteSeg and RTFormer were released as Paddle state dicts: `paddle.save` pickles a dict of
parameter name -> numpy array (plus metadata entries whose names end in `@@`). A pickle can name
any Python callable, so the file is read with an unpickler that admits the handful of numpy
constructors an array needs and nothing else: a planted payload stops at its first global, before
anything runs. Paddle's names become torch's by the specs' rule (`_mean` -> `running_mean`,
`_variance` -> `running_var`; specs/pp_liteseg.md §4.3, specs/rtformer.md §4.3); every other name
and every shape is the same (the two families have no Linear layer, whose Paddle weight would be
transposed).
"""
from __future__ import annotations

import pickle
from pathlib import Path

from arena.official.keys import OfficialCheckpointError

SUFFIX = ".pdparams"
# Every global a pickled numpy array may name (numpy 1.x and 2.x module paths, protocols 2-5).
ADMITTED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # protocol 2 writes bytes as _codecs.encode(text, "latin1"): a pure function
}
RENAMES = (("._mean", ".running_mean"), ("._variance", ".running_var"))
NUMERIC = "biufc"  # numpy dtype kinds a tensor can hold: bool, int, uint, float, complex


class _Refused(pickle.UnpicklingError):
    """The file asked for something a file of arrays never needs."""


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ADMITTED:
            raise _Refused(f"it names {module}.{name}, which a file of arrays never needs")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        raise _Refused("it refers to external storage, which a Paddle state dict never does")


def torch_name(paddle_name: str) -> str:
    """The torch state-dict name of a Paddle one (BN running statistics renamed; the rest equal)."""
    for old, new in RENAMES:
        if paddle_name.endswith(old):
            return paddle_name[: -len(old)] + new
    return paddle_name


def read_pdparams(path) -> dict:
    """The state dict in a Paddle `.pdparams` file as torch tensors under torch names.

    Raises OfficialCheckpointError (one line) for a file that is not a pickled dict of numeric
    arrays, including any that names a callable beyond numpy's array constructors.
    """
    import numpy as np
    import torch

    path = Path(path)
    try:
        with open(path, "rb") as f:
            obj = _ArraysOnly(f).load()
    except _Refused as e:
        raise OfficialCheckpointError(f"{path} was refused: {e} (only Paddle state dicts of arrays are read; "
                                      "nothing in it was run)")
    except Exception as e:  # noqa: BLE001: truncated, not a pickle, ...: all mean "not a Paddle file"
        first = (str(e).strip().splitlines() or [""])[0][:120]
        raise OfficialCheckpointError(f"{path} is not a Paddle .pdparams file ({type(e).__name__}: {first})")
    if not isinstance(obj, dict):
        raise OfficialCheckpointError(f"{path} holds {type(obj).__name__}, not a Paddle state dict "
                                      "(a dict of name -> array)")
    if "UnpackBigParamInfor@@" in obj:
        raise OfficialCheckpointError(f"{path} splits large arrays (Paddle pickle protocol 2/3): re-save it with "
                                      "paddle.save(state, path, protocol=4)")
    out, bad = {}, []
    for name, value in obj.items():
        if isinstance(name, str) and name.endswith("@@"):  # Paddle's metadata (StructuredToParameterName@@)
            continue
        if not isinstance(name, str) or not isinstance(value, np.ndarray) or value.dtype.kind not in NUMERIC:
            bad.append(str(name))
            continue
        out[torch_name(name)] = torch.from_numpy(np.ascontiguousarray(value))
    if bad:
        raise OfficialCheckpointError(f"{path} is not a Paddle state dict: {len(bad)} entries are not numeric "
                                      f"arrays ({', '.join(bad[:4])}{', ...' if len(bad) > 4 else ''})")
    if not out:
        raise OfficialCheckpointError(f"{path} holds no arrays: not a Paddle state dict")
    return out
