"""The batch command's defaults on real news: files sharing engine batches give what one file at a time gives, and
`--jobs`, `--threads`, `--pack-files` are checked on every command before a model loads."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from eval.shared_data import ANT_ARTICLES
from mt.cli import main


def news_folder(tmp_path, count: int) -> dict[str, str]:
    """`count` ant-dev articles (title, blank line, text), one a file, written under tmp_path/in."""
    if not ANT_ARTICLES.is_file():
        pytest.skip(f"ant-dev articles not found at {ANT_ARTICLES} (../shared beside the repo)")
    rows = [json.loads(line) for line in ANT_ARTICLES.read_text(encoding="utf-8").splitlines()[:count]]
    files = {f"{row['id']}.txt": f"{row['title']}\n\n{row['text']}\n" for row in rows}
    (tmp_path / "in").mkdir()
    for name, text in files.items():
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    return files


def test_real_news_in_shared_batches_equals_one_file_at_a_time(capsys, tiny_marian_dir, tmp_path):
    from mt.batch.files import translate_document
    from mt.batch.spec import ModelSpec

    files = news_folder(tmp_path, 24)
    capsys.readouterr()
    assert main(["translate", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q",
                 "--model", str(tiny_marian_dir)]) == 0  # the defaults: packs, batches side by side
    assert "24 ok, 0 failed, 0 skipped" in capsys.readouterr().err
    alone = ModelSpec(str(tiny_marian_dir)).load()  # the same defaults, each file in batches of its own
    differ = [name for name, text in files.items()
              if (tmp_path / "out" / name).read_text(encoding="utf-8") != translate_document(alone, text)[0]]
    assert differ == []


@pytest.mark.parametrize("argv, message", [
    (["translate", "{seed}", "--jobs", "0"], "invalid --jobs 0: choose one of an integer >= 1"),
    (["translate", "{seed}", "--threads", "-2"], "invalid --threads -2: choose one of an integer >= 1"),
    (["translate", "{seed}", "--pack-files", "3"], "{seed}: --pack-files: only for a folder input"),
    (["brief", "{seed}", "--jobs", "0"], "invalid --jobs 0: choose one of an integer >= 1"),
    (["digest", "{seed}", "--threads", "0"], "invalid --threads 0: choose one of an integer >= 1"),
])
def test_parallelism_options_are_checked_before_the_model_loads(capsys, no_model, argv, message):
    seed = str(ROOT / "seeds" / "aleppo-report.ar.txt")
    capsys.readouterr()
    assert main([part.replace("{seed}", seed) for part in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mtbrief: error: {message.replace('{seed}', seed)}") and err.count("\n") == 1
