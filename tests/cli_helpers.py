"""What every CLI test checks of a user mistake: exit 2, one line starting `error: `, no traceback."""
from __future__ import annotations


def one_line_error(r, code: int = 2) -> str:
    assert r.exit_code == code, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert "Traceback" not in r.output
    return lines[0]
