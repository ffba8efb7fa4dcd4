"""Model resolution: presets, local folders, the hub cache (offline), CT2 conversion cache, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mt import InvalidOption, ModelUnavailable, Translator
from mt.cli import models_table
from mt.errors import InputError
from mt.models import PRESETS, ct2_model_dir, hub_cache_dir, resolve_model

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def fake_hub_model(tiny_marian_dir: Path) -> str:
    """The tiny model placed in the hub cache as `Helsinki-NLP/opus-mt-tiny-ar-en` at a fixed commit."""
    repo = Path(hub_cache_dir()) / "models--Helsinki-NLP--opus-mt-tiny-ar-en"
    snapshot = repo / "snapshots" / COMMIT
    shutil.copytree(tiny_marian_dir, snapshot, dirs_exist_ok=True)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    return "Helsinki-NLP/opus-mt-tiny-ar-en"


def test_presets_table_lists_every_preset_with_licence_and_score():
    table = models_table().splitlines()
    assert table[0] == "| preset | hub id | licence | size | published score | notes |"
    assert len(table) == 2 + len(PRESETS)
    assert table[2].startswith("| opus-mt-tc-big-ar-en (default) | Helsinki-NLP/opus-mt-tc-big-ar-en | CC-BY-4.0 |")
    assert "FLORES-200 devtest BLEU 42.8, chrF++ 65.4" in table[2]
    assert sum("CC-BY-NC-4.0" in row for row in table) == 2


def test_local_folder_is_used_as_is(tiny_marian_dir):
    resolved = resolve_model(str(tiny_marian_dir))
    assert (resolved.path, resolved.revision, resolved.family) == (tiny_marian_dir.resolve(), None, "marian")


def test_nllb_family_is_detected(tiny_nllb_dir):
    assert resolve_model(str(tiny_nllb_dir)).family == "nllb"


def test_hub_id_resolves_through_the_cache_offline(fake_hub_model):
    resolved = resolve_model(fake_hub_model)
    assert resolved.revision == COMMIT
    assert resolved.path.name == COMMIT and (resolved.path / "config.json").is_file()
    tr = Translator.load(fake_hub_model, device="cpu", beam_size=1)
    assert tr.signature.model == fake_hub_model and tr.signature.revision == COMMIT
    assert tr.translate("حلب.").segments[0].target


def test_ct2_conversion_is_cached_by_model_revision_and_quantization(fake_hub_model):
    resolved = resolve_model(fake_hub_model)
    first = ct2_model_dir(resolved, "int8")
    stamp = (first / "model.bin").stat().st_mtime_ns
    assert ct2_model_dir(resolved, "int8") == first
    assert (first / "model.bin").stat().st_mtime_ns == stamp  # not converted again
    assert first.name == f"Helsinki-NLP--opus-mt-tiny-ar-en--{COMMIT[:12]}--int8"
    other = ct2_model_dir(resolved, "float32")
    assert other != first and (other / "model.bin").is_file()
    assert not [p for p in first.parent.iterdir() if ".tmp" in p.name or p.name.startswith(first.name + ".")]


@pytest.mark.parametrize("model", ["opus-mt-ar-en", "facebook/nllb-200-distilled-600M"])
def test_unreachable_model_names_the_model_the_cache_and_both_fixes(model):
    with pytest.raises(ModelUnavailable) as info:
        resolve_model(model)
    message = str(info.value)
    assert "not available offline" in message and "HF_HUB_OFFLINE" in message
    assert hub_cache_dir() in message
    assert "mtbrief models download" in message and "--model /path/to/a/local/model/folder" in message


@pytest.mark.parametrize(("model", "error", "message"), [
    ("./no/such/folder", ModelUnavailable, r"'./no/such/folder' is not available offline \(no such folder\)"),
    ("not a model!", InvalidOption, r"invalid model 'not a model!': choose one of opus-mt-tc-big-ar-en"),
])
def test_bad_model_names(model, error, message):
    with pytest.raises(error, match=message):
        resolve_model(model)


def test_folder_without_config_is_unavailable(tmp_path):
    with pytest.raises(InputError, match="not a usable model folder: config.json is missing"):
        resolve_model(str(tmp_path))


def test_unsupported_model_type_names_the_supported_ones(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(InvalidOption, match=r"invalid model type 't5': choose one of marian \(OPUS-MT\)"):
        resolve_model(str(tmp_path))
