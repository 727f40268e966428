"""What kind of data a dataset class yields, read from its source (``ast``, never run).

A resumed run sees different batches for each kind (proven in
``tests/test_lightning_behaviour_resume.py``):

- ``map``: a map-style dataset (``__getitem__``, no ``__iter__``): the resumed epoch
  restarts the loader while the loop counts the saved batches as done, so the first
  batches are trained again and the last ones skipped;
- ``finite``: an iterable dataset whose ``__iter__`` ends: the stream is re-read from its
  start (the batches before the checkpoint are trained twice, nothing is skipped);
- ``endless``: an ``__iter__`` that never ends (``while True:`` with no ``break``,
  ``return`` or ``raise``; ``itertools.count``/``cycle``): there is no epoch to replay.

``classify_class`` is a function of one class definition (and the names its module
imports from ``itertools``), so the project facts and a per-Trainer fit graph can both
call it. Whether a sampler or DataModule saves its position is read from its methods
(``state_dict`` and ``load_state_dict``) by the caller.
"""

from __future__ import annotations

import ast
import functools
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, Union

MAP = "map"
FINITE = "finite"
ENDLESS = "endless"
SAVED = "saved"  # a sampler or DataModule that saves its position itself

_ENDLESS_ITERTOOLS = frozenset({"count", "cycle"})
_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def itertools_names(tree: ast.Module) -> FrozenSet[str]:
    """Names bound by ``from itertools import count, cycle`` in a module."""
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "itertools":
            names.update(a.asname or a.name for a in node.names if a.name in _ENDLESS_ITERTOOLS)
    return frozenset(names)


def classify_class(node: ast.ClassDef, endless_names: FrozenSet[str] = frozenset()) -> Optional[str]:
    """``map``, ``finite`` or ``endless`` for a dataset class defined here; None when the
    class defines neither ``__iter__`` nor ``__getitem__`` (inherited: not known here)."""
    methods = {stmt.name: stmt for stmt in node.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    iterate = methods.get("__iter__")
    if iterate is None:
        return MAP if "__getitem__" in methods else None
    seen = {"__iter__"}
    todo: List[_Function] = [iterate]
    while todo:  # __iter__ and the methods of the class it hands the iteration to
        function = todo.pop()
        if _endless(function, endless_names):
            return ENDLESS
        for name in _delegates(function):
            if name in methods and name not in seen:
                seen.add(name)
                todo.append(methods[name])
    return FINITE


def _delegates(function: _Function) -> Iterable[str]:
    """``self.<name>`` methods whose iteration the function passes on: returned, yielded
    from, or iterated by a ``for`` loop."""
    for node in _walk_own(function):
        expr: Optional[ast.AST] = None
        if isinstance(node, (ast.Return, ast.YieldFrom)):
            expr = node.value
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            expr = node.iter
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "iter" and expr.args:
            expr = expr.args[0]
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                yield func.attr


def _endless(function: _Function, endless_names: FrozenSet[str]) -> bool:
    for node in _walk_own(function):
        if isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node):
            return True
        if isinstance(node, ast.Call) and _is_endless_itertool(node, endless_names):
            return True
    return False


def _is_endless_itertool(call: ast.Call, endless_names: FrozenSet[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _ENDLESS_ITERTOOLS:
        return isinstance(func.value, ast.Name) and func.value.id == "itertools"
    return isinstance(func, ast.Name) and func.id in endless_names


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) and test.value is not Ellipsis


def _leaves(loop: ast.While) -> bool:
    """Whether anything in the loop's body can end it: a ``break`` of this loop, a
    ``return``, a ``raise`` (``StopIteration`` and errors alike), or a call named
    ``exit``/``quit`` (counted as leaving, to stay safe)."""
    stack: List[ast.AST] = [*loop.body, *loop.orelse]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise)):
            return True
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # a break inside an inner loop ends that loop only; returns and raises still count
            stack.extend(n for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Raise)))
            continue
        if isinstance(node, ast.Call) and _exits(node):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _exits(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("exit", "_exit", "quit")


def _walk_own(function: _Function) -> Iterable[ast.AST]:
    """The nodes of a function's body, not of the functions and classes defined in it."""
    stack: List[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def class_names(expr: Optional[ast.AST], owner: Optional[ast.ClassDef]) -> List[str]:
    """The classes a loader argument is built from, by name: ``X(...)``, a name bound once
    in the enclosing function to ``X(...)`` is left to the caller's value flow; here
    ``self.<attr>`` is followed to the ``self.<attr> = X(...)`` assignments of the class."""
    if isinstance(expr, ast.Call):
        name = _call_name(expr)
        return [name] if name else []
    if (
        owner is not None
        and isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
    ):
        return list(_self_assignments(owner).get(expr.attr, ()))
    return []


@functools.lru_cache(maxsize=16)  # one class is asked for each argument of each of its loaders
def _self_assignments(owner: ast.ClassDef) -> Dict[str, Tuple[str, ...]]:
    """attribute -> the classes of the ``self.<attribute> = X(...)`` assignments in ``owner``."""
    found: Dict[str, List[str]] = {}
    for node in ast.walk(owner):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = _call_name(node.value)
            if not name:
                continue
            for attr in dict.fromkeys(
                t.attr
                for t in targets
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
            ):
                found.setdefault(attr, []).append(name)
    return {attr: tuple(names) for attr, names in found.items()}


def _call_name(call: ast.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def helper_arguments(owner: ast.ClassDef, function: ast.FunctionDef, param: str) -> List[str]:
    """A loader built in a helper method from its parameter (``def general_loader(self,
    dataset)``): the classes the class's own calls ``self.general_loader(X(...))`` pass
    there, only those made from ``train_dataloader`` when there are such calls."""
    names = [a.arg for a in function.args.args]
    if param not in names or not names or names[0] != "self":
        return []
    index = names.index(param) - 1
    by_hook: List[str] = []
    others: List[str] = []
    for method, node in _self_calls(owner).get(function.name, ()):
        if method is function:
            continue
        given = next((k.value for k in node.keywords if k.arg == param), None)
        if given is None and 0 <= index < len(node.args):
            given = node.args[index]
        found = class_names(given, owner)
        (by_hook if method.name == "train_dataloader" else others).extend(found)
    return by_hook or others


@functools.lru_cache(maxsize=16)  # asked for each argument of each loader a class's helper builds
def _self_calls(owner: ast.ClassDef) -> Dict[str, List[Tuple[_Function, ast.Call]]]:
    """method name -> (the method of ``owner`` making it, the call) for each ``self.<name>(...)``
    call in the class's methods (not in functions or classes nested in them), in order."""
    found: Dict[str, List[Tuple[_Function, ast.Call]]] = {}
    for method in owner.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in _walk_own(method):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "self"
            ):
                found.setdefault(node.func.attr, []).append((method, node))
    return found
