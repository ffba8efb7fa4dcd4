"""The house rules of the layout, read from the source with `ast` (no import is executed):

- no import circles among the project's modules, of any kind: imports inside functions and imports under
  `if TYPE_CHECKING:` count too (a type-only circle is still two modules that cannot be read apart);
- `mt` never imports `summarize`, `eval` or `ui`; `summarize` never imports `eval` or `ui`; `eval` never imports
  `ui` (type-only imports included);
- only command modules (`*/cli.py`, `ui.py`, scripts) import `mt.cli`;
- scripts (`python eval/NAME.py`) are at the top, like commands: they may import `ui` (the load test serves it),
  and no module imports a script.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mt", "summarize", "eval")
# eval/*.py scripts that are run as `python eval/NAME.py` may use the command line like any user
SCRIPTS = {"eval.translation.run", "eval.speed.load", "eval.speed.brief_vs_translate"}
FORBIDDEN = {"mt": ("summarize", "eval", "ui"), "summarize": ("eval", "ui"), "eval": ("ui",)}


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted module name of a project file."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages, and ui."""
    found = {module_name(p, root): p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}
    if (root / "ui.py").exists():
        found["ui"] = root / "ui.py"
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.AST, here: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """The project modules one import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = here.split(".") if is_package else here.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        # `from pkg import sub` imports the submodule pkg.sub when there is one
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    else:
        return []
    out = []
    for name in names:
        while name and name not in modules:  # `import mt.cli.x` -> nearest project module
            name = name.rpartition(".")[0]
        if name:
            out.append(name)
    return out


def imports_of(name: str, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(runtime imports, type-checking-only imports) of one module, project modules only."""
    path = modules[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    runtime, typed = set(), set()
    for node in ast.walk(tree):
        for target in _targets(node, name, path.name == "__init__.py", modules):
            if target != name:
                (typed if id(node) in typing_only else runtime).add(target)
    return runtime, typed


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layout_violations(root: Path = ROOT) -> list[str]:
    """Every broken rule of the layout, one line each."""
    modules = project_modules(root)
    graph, problems = {}, []
    for name in modules:
        runtime, typed = imports_of(name, modules)
        graph[name] = runtime | typed
        top = name.split(".")[0]
        for target in sorted(runtime | typed):
            if target in SCRIPTS:
                problems.append(f"{name} imports {target}: no module may import a script")
            if target.split(".")[0] in FORBIDDEN.get(top, ()) and not (name in SCRIPTS and target == "ui"):
                problems.append(f"{name} imports {target}: {top} must not import {target.split('.')[0]}")
            is_command = name.endswith(".cli") or name in ("ui", *SCRIPTS)
            if target == "mt.cli" and not is_command:
                problems.append(f"{name} imports mt.cli: only command modules (*/cli.py, ui.py, scripts) may")
    if cycle := find_cycle(graph):
        problems.append("import circle: " + " -> ".join(cycle))
    return problems


def test_the_layout_keeps_its_rules():
    assert layout_violations() == []


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


CLEAN = {"mt/__init__.py": "", "mt/cli.py": "from mt import core\n", "mt/core.py": "",
         "summarize/__init__.py": "", "summarize/cli.py": "from mt.cli import main\n",
         "eval/__init__.py": "", "ui.py": "import summarize\n"}


@pytest.mark.parametrize(("change", "expected"), [
    ({}, []),
    ({"mt/core.py": "def f():\n    import mt.cli\n"},
     ["mt.core imports mt.cli: only command modules (*/cli.py, ui.py, scripts) may",
      "import circle: mt.cli -> mt.core -> mt.cli"]),
    ({"mt/core.py": "from summarize import cli\n"},
     ["mt.core imports summarize.cli: mt must not import summarize",
      "import circle: mt.cli -> mt.core -> summarize.cli -> mt.cli"]),
    ({"mt/core.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import eval\n"},
     ["mt.core imports eval: mt must not import eval"]),
    ({"mt/a.py": "from . import b\n", "mt/b.py": "def f():\n    from .a import x\n"},
     ["import circle: mt.a -> mt.b -> mt.a"]),
    ({"mt/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mt import b\n",
      "mt/b.py": "import mt.a\n"}, ["import circle: mt.a -> mt.b -> mt.a"]),
    ({"summarize/x.py": "import ui\n"}, ["summarize.x imports ui: summarize must not import ui"]),
    ({"eval/x.py": "import ui\n"}, ["eval.x imports ui: eval must not import ui"]),
    ({"eval/speed/load.py": "import ui\nfrom mt.cli import main\n"}, []),
    ({"eval/speed/load.py": "", "eval/x.py": "from eval.speed import load\n"},
     ["eval.x imports eval.speed.load: no module may import a script"]),
])
def test_the_checker_finds_each_broken_rule(tmp_path, change, expected):
    _write(tmp_path, {**CLEAN, **change})
    assert layout_violations(tmp_path) == expected
