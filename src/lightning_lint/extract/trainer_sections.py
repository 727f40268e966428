"""Which section of a YAML config the project's Python passes to ``Trainer(**...)``.

``Trainer(**cfg.trainer)``, ``Trainer(**config["pl_trainer"])`` and
``Trainer(**cfg.get("trainer"))`` make a section of a YAML file the Trainer's arguments,
whatever its keys look like. The YAML is found from the name's origin in the same
function or module: ``@hydra.main(config_path=..., config_name=...)`` on the function
whose first parameter it is, ``OmegaConf.load("...")``, or ``yaml.safe_load(open("..."))``
with a literal path (relative to the script's folder). Only the
``.py`` files directly in the config's folder and its parents (four levels) are read, and
only those that contain ``Trainer(**``: a cheap look, never a project-wide scan.
"""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from lightning_lint.model import dependencies

_MAX_UP = 4
_MAX_BYTES = 1_000_000
# script -> (mtime, its state for the results cache, its splats)
_CACHE: Dict[Path, Tuple[float, str, List[Tuple[Path, str]]]] = {}


def sections_for(config: Path) -> Set[str]:
    """The keys of ``config``'s top-level sections passed to ``Trainer(**...)``."""
    config = Path(os.path.abspath(config))
    found: Set[str] = set()
    folder = config.parent
    for _ in range(_MAX_UP + 1):
        scripts = _scripts(folder)
        for script in scripts[:50]:
            state, splats = _splats(script)
            # an edit that adds or changes `Trainer(**...)` matters (dependencies.splat_state)
            dependencies.note(dependencies.SPLATS, str(script), state)
            for yaml_path, key in splats:
                if yaml_path == config:
                    found.add(key)
        if folder.parent == folder:
            break
        folder = folder.parent
    return found


_LISTINGS: Dict[str, Tuple[int, List[Path]]] = {}  # folder -> (its mtime, its Python files)


def _scripts(folder: Path) -> List[Path]:
    """The Python files directly in ``folder``, sorted; remembered while the folder's
    modification time stays (the configs of one folder, and of the folders below it, ask
    about the same folders)."""
    key = os.fspath(folder)
    try:
        mtime = os.stat(key).st_mtime_ns
        known = _LISTINGS.get(key)
        if known is not None and known[0] == mtime:
            return known[1]
        scripts = sorted(p for p in folder.iterdir() if p.suffix == ".py" and p.is_file())
    except OSError:
        return []
    if time.time_ns() - mtime > 2_000_000_000:  # settled: an entry added within the same tick is not missed
        _LISTINGS[key] = (mtime, scripts)
    return scripts


def _splats(script: Path) -> Tuple[str, List[Tuple[Path, str]]]:
    """The script's state for the results cache (``dependencies.splat_state``), and
    (YAML file, section) for each ``Trainer(**x.section)`` whose ``x`` is loaded from a file."""
    try:
        mtime = script.stat().st_mtime
        cached = _CACHE.get(script)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
        data = script.read_bytes()
    except OSError:
        return "missing", []
    state = dependencies.splat_state_of(data)
    text = data[:_MAX_BYTES].decode("utf-8", "replace")
    result: List[Tuple[Path, str]] = []
    if "Trainer(**" in text:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None:
            result = _read(tree, script)
    _CACHE[script] = (mtime, state, result)
    return state, result


def _section(expr: ast.AST) -> Optional[Tuple[str, str]]:
    """``cfg.trainer`` / ``cfg["trainer"]`` / ``cfg.get("trainer")`` as (name, key)."""
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return expr.value.id, expr.attr
    if (
        isinstance(expr, ast.Subscript)
        and isinstance(expr.value, ast.Name)
        and isinstance(expr.slice, ast.Constant)
        and isinstance(expr.slice.value, str)
    ):
        return expr.value.id, expr.slice.value
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
        and isinstance(expr.func.value, ast.Name)
        and expr.args
        and isinstance(expr.args[0], ast.Constant)
        and isinstance(expr.args[0].value, str)
    ):
        return expr.func.value.id, expr.args[0].value
    return None


def _literal(expr: Optional[ast.AST]) -> Optional[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def _loaded_file(expr: ast.AST) -> Optional[str]:
    """The literal path of ``OmegaConf.load("p")`` / ``yaml.safe_load(open("p"))``."""
    if not isinstance(expr, ast.Call) or not expr.args:
        return None
    name = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
    if name == "load" and _literal(expr.args[0]):
        return _literal(expr.args[0])
    if name in ("safe_load", "load", "full_load"):
        inner = expr.args[0]
        if isinstance(inner, ast.Call) and getattr(inner.func, "id", "") == "open" and inner.args:
            return _literal(inner.args[0])
    return None


def _hydra_file(function: ast.AST, script: Path) -> Optional[Path]:
    for decorator in getattr(function, "decorator_list", ()):
        if not isinstance(decorator, ast.Call):
            continue
        func = decorator.func
        if not (isinstance(func, ast.Attribute) and func.attr == "main") and getattr(func, "id", "") != "main":
            continue
        keywords = {k.arg: k.value for k in decorator.keywords if k.arg}
        config_path = _literal(keywords.get("config_path")) or ""
        config_name = _literal(keywords.get("config_name"))
        if config_name is None:
            return None
        name = config_name if config_name.endswith((".yaml", ".yml")) else config_name + ".yaml"
        return Path(os.path.normpath(script.parent / config_path / name))
    return None


def _read(tree: ast.Module, script: Path) -> List[Tuple[Path, str]]:
    found: List[Tuple[Path, str]] = []
    scopes: List[ast.AST] = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
    ]
    for scope in scopes:
        origins: Dict[str, Path] = {}
        hydra_file = _hydra_file(scope, script)
        params = getattr(getattr(scope, "args", None), "args", [])
        if hydra_file is not None and params:
            origins[params[0].arg] = hydra_file
        body = list(ast.walk(scope)) if not isinstance(scope, ast.Module) else list(ast.iter_child_nodes(scope))
        for node in body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                literal = _loaded_file(node.value)
                if literal is not None:
                    candidate = Path(os.path.normpath(script.parent / literal))
                    origins[node.targets[0].id] = candidate
        if not origins:
            continue
        for node in ast.walk(scope):
            if not (isinstance(node, ast.Call) and _is_trainer(node.func)):
                continue
            for keyword in node.keywords:
                if keyword.arg is None:
                    section = _section(keyword.value)
                    if section is not None and section[0] in origins:
                        found.append((origins[section[0]], section[1]))
    return found


def _is_trainer(func: ast.AST) -> bool:
    return (isinstance(func, ast.Name) and func.id == "Trainer") or (
        isinstance(func, ast.Attribute) and func.attr == "Trainer"
    )
