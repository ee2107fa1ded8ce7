"""`arena convert VARIANT --official CKPT --out FILE` through the CLI: a good path and each bad input."""
from __future__ import annotations

import torch

import arena
from tests.nets.test_official import as_official, randomised
from tests.helpers import one_line_error, run_cli




def test_convert_writes_a_loadable_checkpoint(tmp_path):
    net = randomised("sgcpnet")
    ckpt = tmp_path / "official.pth"
    torch.save({"state_dict": as_official(net, "sgcpnet")}, ckpt)
    out = tmp_path / "arena.pth"
    r = run_cli("convert", "sgcpnet", "--official", ckpt, "--out", out)
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.output
    fresh = arena.build("sgcpnet")
    fresh.load_state_dict(torch.load(out)["state_dict"])
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        torch.testing.assert_close(fresh.eval()(x), net.eval()(x), rtol=0, atol=0)


def test_bad_inputs_write_nothing(tmp_path):
    out = tmp_path / "arena.pth"
    out.write_bytes(b"previous")
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    other = tmp_path / "fanet.pth"
    torch.save(as_official(arena.build("fanet18", device="meta").to_empty(device="cpu"), "fanet18"), other)
    cases = [
        (tmp_path / "missing.pth", "no such checkpoint file"),
        (text, "is not a PyTorch checkpoint"),
        (other, "does not fit s2fpn18"),
    ]
    for ckpt, message in cases:
        line = one_line_error(run_cli("convert", "s2fpn18", "--official", ckpt, "--out", out))
        assert message in line, line
        assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arena.pth", "fanet.pth", "notes.txt"]
