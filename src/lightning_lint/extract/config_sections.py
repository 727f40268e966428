"""Sections of a YAML file a script loads, passed with ``**``: ``ModelCheckpoint(**cfg.checkpoint)``.

A script that reads its configuration from a YAML file and unpacks one section into a
Lightning class (a callback, the Trainer: any ``**cfg.x`` / ``**config["x"]["y"]``) passes the
keys of that section as keywords. Where the file can be found and nothing changes the
section before the call, the section is returned as a mapping ``Value`` whose entries carry
their positions in the YAML file, so rules read the real arguments and findings point at
the YAML key.

Recognised loads (the name bound exactly once, never modified afterwards):

- ``cfg = OmegaConf.load("configs/train.yaml")`` (the path relative to the script's folder,
  or to a folder above it: the script is usually run from the project root);
- ``cfg = yaml.safe_load(open("config.yaml"))`` and ``with open(...) as f: cfg = yaml.safe_load(f)``
  (also ``yaml.load``/``yaml.full_load``);
- ``@hydra.main(config_path="conf", config_name="train")`` on the function whose first
  parameter is ``cfg``: the primary config composed with its defaults list (``extract/hydra.py``).

The section may be wrapped in ``dict(...)``, ``OmegaConf.to_container(...)`` or
``OmegaConf.to_object(...)``, or reached through a name bound once to it. Anything else
(a modified config, a path computed at run time, a section missing from the file, a section
that is a ``_target_`` node) gives None: the keywords stay unknown, as before.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any, List, Optional, Tuple

from lightning_lint.model import dependencies
from lightning_lint.model.spec import Extraction, Value

_LOADERS_OMEGACONF = ("omegaconf.OmegaConf.load",)
_LOADERS_YAML = ("yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load")
_UNWRAP = ("dict", "omegaconf.OmegaConf.to_container", "omegaconf.OmegaConf.to_object")
_HYDRA_MAIN = ("hydra.main",)
_MAX_DEPTH = 8
_SEARCH_UP = 3  # folders above the script where a relative config path is looked for
IN_PLACE_CHANGES = frozenset({"merge_with", "update", "pop", "setdefault", "clear", "__setitem__", "__delitem__"})


def section_for(extractor: Any, expr: ast.expr, scope: Any) -> Optional[Value]:
    """The mapping ``expr`` (the operand of ``**``) is, read from a YAML file; or None.

    ``extractor`` is extract/python.py's ``_Extractor`` (its ``lookup``, ``qualname``,
    ``value``, ``mutations_of``, ``scopes`` and ``origin``, the file's path on disk)."""
    origin = getattr(extractor, "origin", None)
    if origin is None:
        return None
    try:
        return _section(extractor, expr, scope, Path(origin), 0)
    except (OSError, ValueError, RecursionError):
        return None


def _section(extractor: Any, expr: ast.expr, scope: Any, origin: Path, depth: int) -> Optional[Value]:
    if depth > _MAX_DEPTH:
        return None
    expr = _unwrapped(extractor, expr, scope)
    keys: List[str] = []
    node = expr
    while True:
        if isinstance(node, ast.Attribute):
            keys.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Index):  # Python 3.8 AST shape
                index = index.value  # type: ignore[attr-defined]
            if not (isinstance(index, ast.Constant) and isinstance(index.value, str)):
                return None
            keys.append(index.value)
            node = node.value
        else:
            break
    if not isinstance(node, ast.Name):
        return None
    keys.reverse()
    owner, bindings = extractor.lookup(node.id, scope)
    if owner is None or len(bindings) != 1 or _changed(extractor, node.id, owner):
        return None
    binding = bindings[0]
    loaded = _loaded(extractor, binding, owner, origin)
    if loaded is None:
        if binding.kind == "assign" and isinstance(binding.value, (ast.Attribute, ast.Subscript, ast.Name, ast.Call)):
            # ``ck = cfg.checkpoint`` ... ``ModelCheckpoint(**ck)``; a key below it: ``**ck.inner``
            inner = _section(extractor, binding.value, owner, origin, depth + 1)
            return _descend_value(inner, keys) if inner is not None else None
        return None
    root, flavor = loaded
    for key in keys:
        root = root.get(key) if root.kind == "map" else None
        if root is None:
            return None
    if root.kind != "map" or root.get("_target_") is not None or root.get("class_path") is not None:
        return None
    from lightning_lint.extract.config import _Builder

    value = _Builder(flavor, Extraction(str(origin), "yaml")).value(root, ".".join(keys))
    return value if value.is_dict() else None


def _descend_value(value: Value, keys: List[str]) -> Optional[Value]:
    for key in keys:
        if not value.is_dict() or key not in value.data:
            return None
        value = value.data[key]
    return value if value.is_dict() else None


def _unwrapped(extractor: Any, expr: ast.expr, scope: Any) -> ast.expr:
    while isinstance(expr, ast.Call) and len(expr.args) >= 1 and not any(k.arg is None for k in expr.keywords):
        name = extractor.qualname(expr.func, scope)
        if name not in _UNWRAP or (name == "dict" and (len(expr.args) != 1 or expr.keywords)):
            break
        expr = expr.args[0]
    return expr


def _loaded(extractor: Any, binding: Any, owner: Any, origin: Path) -> Optional[Tuple[Any, str]]:
    """The YAML root node a name is loaded from, with the flavor its values are read in."""
    from lightning_lint.model.spec import FLAVOR_OMEGACONF

    if binding.kind == "param":
        return _hydra_main(extractor, binding, owner, origin)
    if binding.kind != "assign" or not isinstance(binding.value, ast.Call):
        return None
    call = binding.value
    name = extractor.qualname(call.func, owner)
    if name in _LOADERS_OMEGACONF and len(call.args) == 1:
        path = _literal_path(extractor, call.args[0], owner)
        return _load(path, origin, FLAVOR_OMEGACONF) if path else None
    if name in _LOADERS_YAML and len(call.args) >= 1:
        path = _opened(extractor, call.args[0], owner)
        return _load(path, origin, "pyyaml") if path else None
    return None


def _literal_path(extractor: Any, expr: ast.expr, scope: Any) -> Optional[str]:
    value = extractor.value(expr, scope)
    return value.data if value.is_str() and value.data else None


def _opened(extractor: Any, expr: ast.expr, scope: Any) -> Optional[str]:
    """The file ``open("x.yaml")`` opens, directly or as ``with open(...) as f``."""
    if isinstance(expr, ast.Name):
        owner, bindings = extractor.lookup(expr.id, scope)
        if len(bindings) != 1 or not isinstance(bindings[0].node, ast.withitem):
            return None
        expr, scope = bindings[0].node.context_expr, owner or scope
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "open" and expr.args:
        if extractor.lookup("open", scope)[1]:
            return None  # ``open`` is not the builtin here
        return _literal_path(extractor, expr.args[0], scope)
    return None


def _load(relative: str, origin: Path, flavor: str) -> Optional[Tuple[Any, str]]:
    if not relative.endswith((".yaml", ".yml")):
        return None
    from lightning_lint.extract import hydra

    candidate = Path(relative)
    if candidate.is_absolute():
        candidates = [candidate]
    else:
        folder = Path(os.path.abspath(origin)).parent
        candidates = [folder / relative]
        for _ in range(_SEARCH_UP):
            folder = folder.parent
            candidates.append(folder / relative)
    for path in candidates:
        if dependencies.is_file(path):
            document = hydra._document(path)
            if document is None:
                return None
            return document.root, flavor
    return None


def _hydra_main(extractor: Any, binding: Any, owner: Any, origin: Path) -> Optional[Tuple[Any, str]]:
    """``@hydra.main(config_path=..., config_name=...) def main(cfg)``: the composed config."""
    function = owner.node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = list(function.args.posonlyargs) + list(function.args.args)
    if not params or params[0] is not binding.node:
        return None
    outer = getattr(owner, "parent", None) or owner
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call) or extractor.qualname(decorator.func, outer) not in _HYDRA_MAIN:
            continue
        given = {k.arg: k.value for k in decorator.keywords if k.arg}
        for name, arg in zip(("config_path", "config_name", "version_base"), decorator.args):
            given.setdefault(name, arg)
        if "config_path" not in given or "config_name" not in given:
            return None
        config_path = _literal_path(extractor, given["config_path"], outer)
        config_name = _literal_path(extractor, given["config_name"], outer)
        if config_path is None or config_name is None:
            return None
        from lightning_lint.extract import hydra
        from lightning_lint.model.spec import FLAVOR_HYDRA

        root = Path(os.path.abspath(origin)).parent / config_path
        name = config_name if config_name.endswith((".yaml", ".yml")) else config_name + ".yaml"
        primary = root / name
        if not dependencies.is_file(primary):
            return None
        try:
            composed = hydra._Composer(root).primary(primary, {})
        except hydra.Undecidable:
            return None
        return hydra.resolve_interpolations(composed), FLAVOR_HYDRA
    return None


def _changed(extractor: Any, name: str, owner: Any) -> bool:
    """Whether the config bound to ``name`` may be changed in place: ``cfg.x.y = 1``,
    ``cfg["x"] = ...``, ``cfg.merge_with(...)``, ``OmegaConf.update(cfg, ...)``,
    ``setattr(cfg, ...)``: then the file no longer says what the call receives."""
    if extractor.mutations_of(name, owner):
        return True
    return name in extractor.scopes.changed_in_place


def root_name(node: ast.AST) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
