"""The fit graph as written: what a Trainer's ``fit`` receives, and the imports of a file.

For ``trainer.fit(model, datamodule=dm)`` / ``trainer.fit(model, train_loader, val_loader)``
the extractor records the class names of the model and the DataModule (through names,
as the value model follows them) and the loader constructions passed directly (through
a name bound once, a list, tuple or dict, either branch of ``a if c else b``). For a
LightningCLI or Hydra config, the ``model:``/``data:`` nodes give the class names.
Resolving the names against the project's classes is ``model/fit_graph.py``'s job.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from lightning_lint.model import lightning_api
from lightning_lint.model.spec import Call, FitGraph, LoaderRef, LoaderSpec, LoaderUse, Loc, Span, TrainerSpec

if TYPE_CHECKING:
    from lightning_lint.extract.python import _Extractor, _Scope

_ROLE_BY_HOOK = {
    "train_dataloader": "train",
    "val_dataloader": "val",
    "test_dataloader": "test",
    "predict_dataloader": "predict",
}

_FIT_POSITIONAL = ("model", "train_dataloaders", "val_dataloaders", "datamodule", "ckpt_path")
_MAX_DEPTH = 24
# Calls that give back an instance of the class they are called on.
_CONSTRUCTORS = ("load_from_checkpoint",)


def record(ex: "_Extractor", spec: TrainerSpec, call: ast.Call, scope: "_Scope") -> None:
    """Record the graph of the first ``fit`` seen on ``spec``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "fit" or spec.fit_graph is not None:
        return
    exprs = {k.arg: k.value for k in call.keywords if k.arg}
    reasons: List[str] = []
    if any(k.arg is None for k in call.keywords):
        reasons.append("`fit` is given `**kwargs`")
    for name, expr in zip(_FIT_POSITIONAL, call.args):
        if isinstance(expr, ast.Starred):
            reasons.append(f"`{ex.text(expr)}` passes arguments only known at run time")
            break
        exprs.setdefault(name, expr)
    graph = FitGraph(loc=ex.loc(call))
    model = exprs.get("model")
    if model is not None:
        graph.model_class, why = _class_of(ex, model, scope)
        graph.model_loc = _local_class(ex, model, scope)
        if why:
            reasons.append(why)
    datamodule = exprs.get("datamodule")
    if datamodule is not None:
        graph.datamodule_class, why = _class_of(ex, datamodule, scope)
        graph.datamodule_loc = _local_class(ex, datamodule, scope)
        if why:
            reasons.append(why)
    for param in ("train_dataloaders", "val_dataloaders"):
        given = exprs.get(param)
        if given is None or (isinstance(given, ast.Constant) and given.value is None):
            continue
        found, others = _loaders(ex, given, scope)
        if param == "train_dataloaders" and not found and graph.datamodule_class is None and _one_class(others):
            # ``trainer.fit(model, dm)``: Lightning takes a DataModule given as train_dataloaders
            graph.datamodule_class = others[0]
            continue
        if param == "train_dataloaders":
            graph.train_given, graph.train_loaders = True, tuple(found)
        else:
            graph.val_given, graph.val_loaders = True, tuple(found)
        if not found or others:
            reasons.append(f"`{param}={ex.text(given)}` cannot be followed to its loaders")
    graph.unresolved_reason = "; ".join(reasons) or None
    spec.fit_graph = graph


def cli_graph(ex: "_Extractor", call: ast.Call, scope: "_Scope") -> FitGraph:
    """``LightningCLI(Net, DigitsDataModule, ...)``: the classes the CLI instantiates.
    With ``subclass_mode_*=True`` (or no class) the config picks it: not known here."""
    exprs = {k.arg: k.value for k in call.keywords if k.arg}
    for param, given in zip(("model_class", "datamodule_class"), call.args):
        exprs.setdefault(param, given)
    graph = FitGraph(loc=ex.loc(call))
    reasons = []
    for param, sub in (("model_class", "subclass_mode_model"), ("datamodule_class", "subclass_mode_data")):
        cls = exprs.get(param)
        mode = exprs.get(sub)
        if cls is None or (isinstance(cls, ast.Constant) and cls.value is None):
            if param == "model_class":
                reasons.append("the model class is given in the config")
            continue
        name = ex.qualname(cls, scope)
        if name is None or (mode is not None and not (isinstance(mode, ast.Constant) and mode.value is False)):
            reasons.append(f"`{param}` may be a subclass chosen in the config")
            continue
        if param == "model_class":
            graph.model_class = name
        else:
            graph.datamodule_class = name
    graph.unresolved_reason = "; ".join(reasons) or None
    return graph


def _one_class(names: List[str]) -> bool:
    return len(names) == 1 and names[0] != "?"


def _class_of(ex: "_Extractor", expr: ast.expr, scope: "_Scope") -> Tuple[Optional[str], Optional[str]]:
    """The class an expression constructs (``Net()``, a name bound once to it,
    ``Net.load_from_checkpoint(...)``), or why it cannot be told."""
    value = ex.value(expr, scope)
    if value.is_call():
        data: Call = value.data
        name = data.qualname
        if name.rsplit(".", 1)[-1] in _CONSTRUCTORS:
            name = name.rsplit(".", 1)[0]
        return name, None
    return None, value.reason or f"`{ex.text(expr)}` is only known at run time"


def _local_class(ex: "_Extractor", expr: ast.AST, scope: "_Scope", depth: int = 0) -> Optional[Loc]:
    """Where the class that ``expr`` constructs is defined, when that is a ``class``
    statement of this file: a file may define several classes of one name (one per test
    function), and the name alone does not tell which."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Name):
        owner, bindings = ex.lookup(expr.id, scope)
        if len(bindings) != 1 or bindings[0].value is None or bindings[0].kind != "assign":
            return None
        return _local_class(ex, bindings[0].value, owner or scope, depth + 1)
    if not isinstance(expr, ast.Call):
        return None
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in _CONSTRUCTORS:
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    _, bindings = ex.lookup(func.id, scope)
    if len(bindings) != 1 or bindings[0].kind != "class":
        return None
    return ex._name_loc(bindings[0].node, "class")


def _loaders(ex: "_Extractor", expr: ast.AST, scope: "_Scope") -> Tuple[List[LoaderRef], List[str]]:
    """The loader constructions an expression stands for, and the names of other calls
    found in their place (a DataModule, a helper that builds loaders)."""
    found: List[LoaderRef] = []
    others: List[str] = []
    by_loc = {loader.loc: loader for loader in ex.extraction.loaders}
    _walk(ex, expr, scope, by_loc, found, others, 0)
    return found, others


def _walk(
    ex: "_Extractor",
    expr: ast.AST,
    scope: "_Scope",
    by_loc: "dict[Loc, LoaderSpec]",
    found: List[LoaderRef],
    others: List[str],
    depth: int,
) -> None:
    if depth > _MAX_DEPTH:
        others.append("?")
        return
    if isinstance(expr, ast.Call):
        loader = by_loc.get(ex.loc(expr))
        if loader is not None:
            found.append(LoaderRef(loader.kind, loader.loc))
        else:
            others.append(ex.qualname(expr.func, scope) or ex.text(expr.func))
        return
    if isinstance(expr, (ast.List, ast.Tuple)):
        for element in expr.elts:
            _walk(ex, element, scope, by_loc, found, others, depth + 1)
        return
    if isinstance(expr, ast.Dict):
        for element in expr.values:
            _walk(ex, element, scope, by_loc, found, others, depth + 1)
        return
    if isinstance(expr, ast.IfExp):
        _walk(ex, expr.body, scope, by_loc, found, others, depth + 1)
        _walk(ex, expr.orelse, scope, by_loc, found, others, depth + 1)
        return
    if isinstance(expr, ast.Name):
        owner, bindings = ex.lookup(expr.id, scope)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
            _walk(ex, bindings[0].value, owner or scope, by_loc, found, others, depth + 1)
            return
    others.append("?")


def record_imports(ex: "_Extractor") -> None:
    """The modules a file imports, anywhere in it: (level, dotted name) pairs, the dotted
    name of ``from m import n`` being ``m.n`` (``n`` may be a module or a name in ``m``)."""
    seen: Set[Tuple[int, str]] = set()
    scopes = {id(s): s for s in ex.scopes.scope_of.values()}
    scopes[id(ex.scopes.module)] = ex.scopes.module
    for scope in scopes.values():
        for bindings in scope.bindings.values():
            for binding in bindings:
                _import_names(binding.node, seen)
        for module in scope.star_imports:
            seen.add((0, module))
    if seen:
        ex.extraction.facts["imports"] = sorted(seen)


def _import_names(node: ast.AST, seen: Set[Tuple[int, str]]) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            seen.add((0, alias.name))
    elif isinstance(node, ast.ImportFrom):
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                seen.add((node.level, module))
            else:
                seen.add((node.level, f"{module}.{alias.name}" if module else alias.name))


# -- configs ----------------------------------------------------------------------------------


def config_graph(section: Any, flavor_key: str) -> Optional[FitGraph]:
    """The graph of a LightningCLI section or Hydra root: the class names of its
    ``model:`` and ``data:`` nodes (``class_path`` or ``_target_``). None when neither
    node is there."""
    if section is None or getattr(section, "kind", None) != "map":
        return None
    model, data = section.get("model"), section.get("data")
    if model is None and data is None:
        return None
    anchor = model if model is not None else data
    span: Span = anchor.key_span or anchor.span
    graph = FitGraph(loc=Loc(anchor.path, span))
    reasons = []
    for key, node in (("model", model), ("data", data)):
        if node is None:
            continue
        name = _config_class(node, flavor_key)
        if name is None:
            reasons.append(f"`{key}:` names no class (`{flavor_key}`)")
        elif key == "model":
            graph.model_class = name
        else:
            graph.datamodule_class = name
    if model is None:
        reasons.append("the config has no `model:` node")
    graph.unresolved_reason = "; ".join(reasons) or None
    return graph


def _config_class(node: Any, key: str) -> Optional[str]:
    if getattr(node, "kind", None) == "scalar" and key == "class_path" and isinstance(node.raw, str):
        return node.raw  # LightningCLI accepts `model: my.Model` as a shorthand
    if getattr(node, "kind", None) != "map":
        return None
    target = node.get(key)
    if target is None or target.kind != "scalar" or not isinstance(target.raw, str) or "${" in target.raw:
        return None
    if lightning_api.canonical_symbol(target.raw) is not None:
        return None
    return str(target.raw)


def _returned_values(function: ast.AST) -> List[ast.AST]:
    """The expressions a function returns (not those of functions nested in it)."""
    found: List[ast.AST] = []
    stack = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.value)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def hook_via_helper(ex: "_Extractor", owner: ast.ClassDef, helper: ast.AST) -> Optional[LoaderUse]:
    """A loader returned by a helper method that a loader hook of the same class returns:
    ``def train_dataloader(self): return self._dataloader()``."""
    name = getattr(helper, "name", "")
    for method in owner.body:
        role = _ROLE_BY_HOOK.get(getattr(method, "name", ""))
        if role is None:
            continue
        for value in _returned_values(method):
            if (
                isinstance(value, ast.Call)
                and not value.args
                and not value.keywords
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == name
                and isinstance(value.func.value, ast.Name)
                and value.func.value.id == "self"
            ):
                return ex._use_of(owner, method, role)
    return None


def loaders_through(
    ex: "_Extractor", expr: ast.expr, scope: "_Scope", loaders: Dict[int, LoaderSpec], depth: int
) -> List[LoaderSpec]:
    """The loaders of ``a if c else b`` (either branch may be given) and of an element
    picked out of a literal list, tuple or dict by a constant index or key
    (``loaders["val"]``, ``loaders[0]``), through a name bound once to the container."""
    if isinstance(expr, ast.IfExp):
        return ex._loaders_in(expr.body, scope, loaders, depth + 1) + ex._loaders_in(
            expr.orelse, scope, loaders, depth + 1
        )
    if not isinstance(expr, ast.Subscript) or not isinstance(expr.slice, ast.Constant):
        return []
    container: ast.AST = expr.value
    for _ in range(_MAX_DEPTH):
        if not isinstance(container, ast.Name):
            break
        owner, bindings = ex.lookup(container.id, scope)
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return []
        if ex.mutations_of(container.id, owner or scope):
            return []  # changed in place after it is built
        container, scope = bindings[0].value, owner or scope
    key = expr.slice.value
    element: Optional[ast.AST] = None
    if isinstance(container, ast.Dict) and isinstance(key, str):
        if any(k is None for k in container.keys):
            return []  # ``{**other, ...}`` may hold the key
        for k, v in zip(container.keys, container.values):
            if isinstance(k, ast.Constant) and k.value == key:
                element = v
    elif isinstance(container, (ast.List, ast.Tuple)) and isinstance(key, int) and not isinstance(key, bool):
        if -len(container.elts) <= key < len(container.elts):
            element = container.elts[key]
    if element is None or isinstance(element, ast.Starred):
        return []
    return ex._loaders_in(element, scope, loaders, depth + 1)
