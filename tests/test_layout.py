"""The layout is the design: one package per pipeline stage, imports only go down.

Reads every module's imports with ``ast`` (imports inside functions count; those under
``if TYPE_CHECKING:`` do not, they never run) and fails on an import of a package above
the module's own stage, or on modules that import each other, directly or in a loop.
The table below is the one in docs/design.md.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "lightning_lint"
ROOT = "lightning_lint"

# stage -> the stages it may import (besides itself and the root package's constants)
ALLOWED: Dict[str, Set[str]] = {
    "model": set(),
    "extract": {"model"},
    "rules": {"model"},
    "linter": {"model", "extract", "rules"},
    "report": {"model", "rules"},
    "lsp": {"model", "extract", "rules", "linter"},
    "confirm": {"model", "extract", "rules", "linter", "report"},
    "commands": {"model", "extract", "rules", "linter", "report", "lsp", "confirm"},
}
# modules at the top of the package (not in a stage): what each may import
TOP_LEVEL: Dict[str, Set[str]] = {"lightning_lint": set(), "lightning_lint.__main__": {"commands"}}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.AST]:
    """Every import statement that can run: anywhere, except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _under_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def imported_modules(path: Path, modules: Set[str], package: Path = PACKAGE) -> List[Tuple[str, int]]:
    """The project modules ``path`` imports, with the line of each import."""
    name = module_name(path, package)
    is_package = path.name == "__init__.py"
    found = []
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            assert isinstance(node, ast.ImportFrom)
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from package import module` imports the module; `from module import name` the module
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module for alias in node.names
            ]
        found.extend((target, node.lineno) for target in targets if target.split(".")[0] == ROOT)
    return found


def stage_of(module: str) -> Optional[str]:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def import_graph(package: Path = PACKAGE) -> Dict[str, List[Tuple[str, int]]]:
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    return {name: imported_modules(path, set(paths), package) for name, path in paths.items()}


def upward_imports(graph: Dict[str, List[Tuple[str, int]]]) -> List[str]:
    problems = []
    for module, imports in sorted(graph.items()):
        stage = stage_of(module)
        allowed = ALLOWED[stage] | {stage} if stage is not None else TOP_LEVEL.get(module)
        if allowed is None:
            problems.append(f"{module}: a module outside every stage (put it in one of {sorted(ALLOWED)})")
            continue
        for target, line in imports:
            target_stage = stage_of(target)
            if target_stage is None and target == ROOT:
                continue  # the root package: the version and the docs URL, importing nothing
            if target_stage not in allowed:
                problems.append(
                    f"{module} (line {line}) imports {target}: {stage or module} may import only "
                    f"{', '.join(sorted(allowed)) or 'nothing of the project'}"
                )
    return problems


def import_cycles(graph: Dict[str, List[Tuple[str, int]]]) -> List[List[str]]:
    """Strongly connected groups of more than one module (Tarjan), each as a sorted list.
    A package's ``__init__`` counts as the package: importing ``a.b`` runs ``a``."""
    edges = {m: {t for t, _ in imports if t in graph and t != m} for m, imports in graph.items()}
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_every_import_goes_down_the_pipeline():
    assert upward_imports(import_graph()) == []


def test_no_modules_import_each_other():
    assert import_cycles(import_graph()) == []


def test_every_package_is_a_stage_with_a_docstring():
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(ALLOWED)
    for stage in ALLOWED:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower(), f"{stage}/__init__.py must say what the stage does and may import"


# -- the checks themselves catch what they are for ---------------------------------------


def _package(tmp_path: Path, files: Dict[str, str]) -> Path:
    root = tmp_path / ROOT
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for stage in ALLOWED:
        init = root / stage / "__init__.py"
        if not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            init.write_text("")
    return root


def test_an_upward_import_is_caught_even_inside_a_function(tmp_path):
    root = _package(
        tmp_path,
        {
            "model/spec.py": "def f():\n    from lightning_lint.linter.engine import Linter\n",
            "linter/engine.py": "from lightning_lint.model.spec import f\n",
        },
    )
    problems = upward_imports(import_graph(root))
    assert problems == [
        "lightning_lint.model.spec (line 2) imports lightning_lint.linter.engine: model may import only model"
    ]


def test_type_checking_imports_do_not_count(tmp_path):
    root = _package(
        tmp_path,
        {
            "rules/base.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from lightning_lint.linter.engine import Linter\nelse:\n    pass\n",
        },
    )
    assert upward_imports(import_graph(root)) == []


@pytest.mark.parametrize("style", ["absolute", "relative", "package"])
def test_a_loop_between_modules_is_caught(tmp_path, style):
    first = {
        "absolute": "from lightning_lint.linter.b import x\n",
        "relative": "from .b import x\n",
        "package": "def f():\n    from lightning_lint.linter import b\n",
    }[style]
    root = _package(
        tmp_path,
        {
            "linter/a.py": first,
            "linter/b.py": "from lightning_lint.linter.c import y\nx = 1\n",
            "linter/c.py": "from lightning_lint.linter.a import z\ny = 1\n",
        },
    )
    assert import_cycles(import_graph(root)) == [
        ["lightning_lint.linter.a", "lightning_lint.linter.b", "lightning_lint.linter.c"]
    ]


def test_a_module_outside_every_stage_is_caught(tmp_path):
    root = _package(tmp_path, {"helpers.py": "x = 1\n"})
    assert upward_imports(import_graph(root)) == [
        f"lightning_lint.helpers: a module outside every stage (put it in one of {sorted(ALLOWED)})"
    ]
