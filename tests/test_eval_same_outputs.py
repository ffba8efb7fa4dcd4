"""eval/summaries/same_outputs.py's comparison: byte for byte, the tiny model's temporary folder left out."""

from __future__ import annotations

import pytest

from eval.summaries.same_outputs import compare


@pytest.mark.parametrize(("before", "after", "code", "line"), [
    (b"# Brief\n", b"# Brief\n", 0, "same    seed.md"),
    (b"# Brief\n", b"# Brief \n", 1, "DIFFERS seed.md"),
    (b"model:/tmp/tmpab12_x|rev", b"model:/tmp/tmp9zq3|rev", 0, "same    seed.md"),
    (b"model:/tmp/tmpab12|rev", b"model:/srv/model|rev", 1, "DIFFERS seed.md"),
    (b"x", None, 1, "DIFFERS seed.md"),
])
def test_compare(tmp_path, capsys, before, after, code, line):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "seed.md").write_bytes(before)
    if after is not None:
        (tmp_path / "b" / "seed.md").write_bytes(after)
    assert compare(tmp_path / "a", tmp_path / "b") == code
    assert capsys.readouterr().out == line + "\n"
