"""A model folder checked before it loads: which file is missing, unreadable or truncated, named in one line
(rather than a SafetensorError or a `NoneType` deep inside a tokenizer)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from mt.errors import InputError, ModelUnavailable

# Files each tokenizer needs (any one of each group).
TOKENIZER_FILES = {
    "marian": (("source.spm",), ("target.spm",), ("vocab.json",)),
    "nllb": (("sentencepiece.bpe.model", "tokenizer.json"),),
}
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


def folder_problems(folder: Path) -> list[str]:
    """What makes a model folder unusable (empty list: nothing found): config, tokenizer files, weights."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ["config.json is missing"]
    except (OSError, ValueError) as exc:
        return [f"config.json is not readable JSON ({exc})"]
    if not isinstance(config, dict):
        return ["config.json is not a JSON object"]
    families = {"marian": "marian", "m2m_100": "nllb"}
    if config.get("model_type") not in families:
        return []  # not ours: mt.models.family_of names the supported model types
    family = families[config["model_type"]]
    problems = []
    missing = [" or ".join(group) for group in TOKENIZER_FILES[family]
               if not any((folder / name).is_file() for name in group)]
    if missing:
        problems.append(f"tokenizer files missing: {', '.join(missing)}")
    weights = _weight_files(folder)
    if not weights:
        problems.append(f"no weights ({' or '.join(WEIGHTS)})")
    problems.extend(p for w in weights if (p := _weights_problem(folder, w)))
    return problems


def _weight_files(folder: Path) -> list[str]:
    for index in INDEXES:  # sharded weights: the index names the shards
        if (folder / index).is_file():
            try:
                shards = json.loads((folder / index).read_text(encoding="utf-8"))["weight_map"].values()
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                return [index]
            return sorted(set(shards))
    return [w for w in WEIGHTS if (folder / w).is_file()]


def _weights_problem(folder: Path, name: str) -> str | None:
    path = folder / name
    if name in INDEXES:
        return f"{name} is not a readable shard index"
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            if name.endswith(".safetensors"):
                return _safetensors_problem(name, f, head, size)
    except FileNotFoundError:
        return f"{name} is missing"
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror})"
    if head.startswith(b"PK") and not zipfile.is_zipfile(path):  # torch's zip format, cut short
        return f"{name} is truncated or damaged (not a complete zip archive)"
    return None if size else f"{name} is empty"


def _safetensors_problem(name: str, f, head: bytes, size: int) -> str | None:
    # The format: an 8-byte little-endian header length, a JSON header with each tensor's byte range, the data.
    if len(head) < 8:
        return f"{name} is truncated ({size} bytes)"
    (length,) = struct.unpack("<Q", head)
    if length > size - 8:
        return f"{name} is truncated (its header alone needs {length + 8} bytes, the file has {size})"
    try:
        header = json.loads(f.read(length))
        end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return f"{name} is damaged (unreadable safetensors header)"
    if 8 + length + end > size:
        return f"{name} is truncated ({size} bytes, its header needs {8 + length + end})"
    return None


def verify_model_folder(folder: Path, hub_id: str | None = None, cache_dir: str = "") -> None:
    """InputError for a broken local folder, ModelUnavailable for a broken cached hub model; else nothing."""
    problems = folder_problems(folder)
    if not problems:
        return
    what = "; ".join(problems)
    if hub_id is None:
        raise InputError(str(folder), f"not a usable model folder: {what}. Fix: copy or download the model again, "
                                      "or pass another --model")
    repo = folder.parent.parent  # <cache>/models--org--name/snapshots/<revision>
    raise ModelUnavailable(hub_id, cache_dir, f"the cached copy is broken: {what}",
                           fix=f"delete {repo} and run `mtbrief models download {hub_id}` again")
