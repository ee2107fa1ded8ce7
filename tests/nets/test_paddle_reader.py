"""Paddle `.pdparams` files (arena/official/paddle.py): arrays read, names mapped, nothing executed."""
from __future__ import annotations

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from arena.official import OfficialCheckpointError
from arena.official.paddle import read_pdparams, torch_name


def _save(obj, path, protocol=4):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_arrays_load_under_torch_names_and_metadata_is_dropped(tmp_path, protocol):
    conv = np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3)
    state = OrderedDict([("stem.conv.weight", conv), ("stem.bn._mean", np.array([0.5, -1.0], dtype=np.float32)),
                         ("stem.bn._variance", np.array([2.0, 3.0], dtype=np.float32)),
                         ("StructuredToParameterName@@", {"stem.conv.weight": "conv2d_0.w_0"})])
    out = read_pdparams(_save(state, tmp_path / "model.pdparams", protocol))
    assert list(out) == ["stem.conv.weight", "stem.bn.running_mean", "stem.bn.running_var"]
    assert torch.equal(out["stem.conv.weight"], torch.from_numpy(conv))
    assert out["stem.bn.running_var"].tolist() == [2.0, 3.0]


def test_renaming_rule_is_the_specs():
    # specs/pp_liteseg.md §4.3: <bn>._mean <-> running_mean, <bn>._variance <-> running_var; the rest equal
    assert torch_name("a.b._mean") == "a.b.running_mean"
    assert torch_name("a.b._variance") == "a.b.running_var"
    assert torch_name("a._scale") == "a._scale"
    assert torch_name("a.b.weight") == "a.b.weight"


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_payload_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    path = _save({"w": np.zeros(2, np.float32), "evil": _Payload(marker)}, tmp_path / "evil.pdparams")
    with pytest.raises(OfficialCheckpointError, match="refused.*(posix|os|nt)\\.system"):
        read_pdparams(path)
    assert not marker.exists()


@pytest.mark.parametrize("content, match", [
    ([np.zeros(2)], "holds list, not a Paddle state dict"),
    ({"w": np.array(["a", "b"], dtype=object)}, "1 entries are not numeric arrays \\(w\\)"),
    ({"w": 3.0}, "not numeric arrays"),
    ({}, "holds no arrays"),
    ({"UnpackBigParamInfor@@": {}, "w": np.zeros(1)}, "protocol=4"),
])
def test_files_that_are_not_paddle_state_dicts_are_refused_in_one_line(tmp_path, content, match):
    with pytest.raises(OfficialCheckpointError, match=match) as info:
        read_pdparams(_save(content, tmp_path / "x.pdparams"))
    assert "\n" not in str(info.value)


def test_a_truncated_or_foreign_file_is_refused(tmp_path):
    good = _save({"w": np.zeros(100, np.float32)}, tmp_path / "good.pdparams").read_bytes()
    (tmp_path / "cut.pdparams").write_bytes(good[: len(good) // 2])
    (tmp_path / "text.pdparams").write_text("not a pickle\n")
    for name in ("cut", "text"):
        with pytest.raises(OfficialCheckpointError, match="is not a Paddle .pdparams file"):
            read_pdparams(tmp_path / f"{name}.pdparams")


def test_load_official_reads_pdparams_and_names_a_misfit(tmp_path):
    import arena

    path = _save({"conv.weight": np.zeros((2, 3, 3, 3), np.float32)}, tmp_path / "model.pdparams")
    with pytest.raises(OfficialCheckpointError, match="does not fit fanet18.*keys unmatched \\(conv.weight\\)"):
        arena.load_official("fanet18", path)
