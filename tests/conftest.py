"""Shared fixtures: tiny random-weight models built once per session, isolated caches, paths."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import tempfile
from pathlib import Path

import pytest

from eval.shared_data import FLORES_DEV

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "aleppo-report.ar.txt"
FLORES = Path(os.environ.get("MTBRIEF_FLORES", FLORES_DEV))

# Before huggingface_hub is imported: never touch the network or the user's caches from a test.
_SESSION_HOME = tempfile.mkdtemp(prefix="mtbrief-tests-")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HOME"] = os.path.join(_SESSION_HOME, "hf")
os.environ["MTBRIEF_CACHE"] = os.path.join(_SESSION_HOME, "mtbrief")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def missing_requirements(requirements: list[str] | None = None) -> list[str]:
    """One line per required dependency of mtbrief (extras left out) that is not installed or not importable."""
    from packaging.requirements import Requirement

    if requirements is None:
        requirements = importlib.metadata.requires("mtbrief") or []
    modules: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            if module.isidentifier():  # some RECORDs list paths such as 'sentencepiece/__init__'
                modules.setdefault(_norm(dist), set()).add(module)
    problems = []
    for req in map(Requirement, requirements):
        if req.marker is not None and "extra" in str(req.marker):
            continue  # optional extras (ray, the test tools) may be absent: their tests skip
        names = sorted(modules.get(_norm(req.name), ()))
        if not names:
            problems.append(f"broken install: the required dependency {req.name} is not installed "
                            "(pip install -e '.[test]')")
        problems += [f"broken install: the required dependency {req.name} cannot be imported (module {name} is "
                     "missing; pip install -e '.[test]')" for name in names if importlib.util.find_spec(name) is None]
    return problems


def pytest_sessionstart(session: pytest.Session) -> None:
    """A required dependency missing fails the run before any test is collected: nothing is skipped for it."""
    if problems := missing_requirements():
        pytest.exit("\n".join(problems), returncode=pytest.ExitCode.TESTS_FAILED)


def flores_or_skip() -> Path:
    """The FLORES-200 dev folder, or skip the test saying why."""
    if not (FLORES / "arb_Arab.dev").is_file():
        pytest.skip(f"FLORES-200 dev not found at {FLORES} (set MTBRIEF_FLORES to its folder)")
    return FLORES


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The user's sample report."""
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_marian_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight MarianMT model (built with `python -m mt.testing tiny-marian`)."""
    from mt.testing import build_tiny_marian

    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"))


@pytest.fixture(scope="session")
def tiny_nllb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight NLLB model (built with `python -m mt.testing tiny-nllb`)."""
    from mt.testing import build_tiny_nllb

    return build_tiny_nllb(tmp_path_factory.mktemp("tiny-nllb"))


@pytest.fixture(scope="session")
def tiny_translator(tiny_marian_dir: Path):
    """A Translator on the tiny Marian model: CTranslate2, int8, beam 4 (the product's defaults)."""
    from mt import Translator

    return Translator.load(str(tiny_marian_dir), engine="ctranslate2", device="cpu")


@pytest.fixture(scope="session")
def tiny_model_env(tiny_marian_dir: Path) -> dict[str, str]:
    """Environment for subprocesses: the tiny model as the default model, caches isolated, offline."""
    return {**os.environ, "MTBRIEF_MODEL": str(tiny_marian_dir)}


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a model is loaded: a bad input must be reported before."""
    from mt.translator import Translator

    def refuse(*args, **kwargs):
        raise AssertionError("the model loaded before the bad input was reported")

    monkeypatch.setattr(Translator, "load", refuse)
