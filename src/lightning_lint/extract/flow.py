"""Which assignments of a name reach a use, and under which condition.

A small, flow-sensitive view of one function (or module) body, enough for configuration
code: straight-line statements, ``if``/``elif``/``else``, ``try``/``except``, ``match``
arms and loops. Each statement lies on a *path*: the branch arms that enclose it, from the
scope's body down. An assignment that lies on every path to the use (its path is a prefix
of the use's) hides the ones before it; an assignment inside an arm that does not enclose
the use reaches it only when that arm runs, which is its condition. Both arms of an
``if``/``else`` (or every arm of an ``elif`` chain ending in ``else``) assigning the name
hide what came before, as in Python.

Conditions are tests as written (``args.gpus > 1``), or events (``~try:12``: the ``try``
at line 12 completes) for arms that have no test. Loops are taken to run at least once
for an assignment in their body (a config loop that never runs is rare); the assignment
before the loop still reaches the use, under the loop's "not taken" condition.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lightning_lint.model.spec import Condition

# One step of a path: (the branching statement, which arm).
Step = Tuple[ast.AST, str]
Path = Tuple[Step, ...]

_ARMS = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
}
if hasattr(ast, "TryStar"):
    _ARMS[ast.TryStar] = ("body", "handlers", "orelse", "finalbody")


def path_of(node: ast.AST, scope_node: ast.AST, parents: Dict[int, ast.AST]) -> Optional[Path]:
    """The branch arms enclosing ``node`` inside ``scope_node`` (outermost first); None
    when ``node`` is not inside it (or inside a nested function)."""
    steps: List[Step] = []
    child = node
    parent = parents.get(id(child))
    while parent is not None:
        if parent is scope_node:
            return tuple(reversed(steps))
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        arm = _arm(parent, child)
        if arm is not None:
            steps.append((parent, arm))
        child, parent = parent, parents.get(id(parent))
    return None


def _arm(parent: ast.AST, child: ast.AST) -> Optional[str]:
    if hasattr(ast, "match_case") and isinstance(parent, ast.match_case):
        return "case" if any(c is child for c in parent.body) else None
    for arm in _ARMS.get(type(parent), ()):
        if arm == "finalbody":
            continue  # always runs: no condition
        if any(c is child for c in getattr(parent, arm)):
            return arm
    return None


def condition(steps: Sequence[Step], text: Callable[[ast.AST], str]) -> Condition:
    """The condition under which the arms ``steps`` all run."""
    found: List[Tuple[str, bool]] = []
    for node, arm in steps:
        if isinstance(node, ast.If):
            found.append((text(node.test), arm == "body"))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            found.append((f"~loop:{node.lineno}", arm == "body"))
        elif arm == "case":
            found.append((f"~case:{node.pattern.lineno}", True))  # type: ignore[attr-defined]
        else:  # try: the body (and else) when it completes, a handler when it raises
            found.append((f"~try:{node.lineno}", arm in ("body", "orelse")))  # type: ignore[attr-defined]
    return tuple(found)


def reaching(
    definitions: Sequence[ast.AST],
    use: ast.AST,
    scope_node: ast.AST,
    parents: Dict[int, ast.AST],
    initial: Optional[ast.AST] = None,
) -> Optional[List[Tuple[ast.AST, Path]]]:
    """The definitions (statements, in source order) that reach ``use``, each with the
    arms it lies in beyond those that also enclose the use. ``initial`` (a parameter)
    is defined before everything. None when it cannot be told (a definition or the use
    outside the scope's own body)."""
    use_path = path_of(use, scope_node, parents)
    if use_path is None:
        return None
    before = []
    for definition in definitions:
        if position(definition) >= position(use):
            continue
        path = path_of(definition, scope_node, parents)
        if path is None:
            return None
        before.append((definition, path))
    found: List[Tuple[ast.AST, Path]] = []
    hidden = False
    for definition, path in reversed(before):
        shared = common(path, use_path)
        rest = path[shared:]
        found.append((definition, rest))
        if not rest or _covered(rest[0][0], [r for _, r in found if r and r[0][0] is rest[0][0]]):
            hidden = True  # on every path to the use: hides everything before it
            break
    if not hidden and initial is not None:
        found.append((initial, ()))
    found.reverse()
    return found


def exclusive_conditions(rests: Sequence[Path], text: Callable[[ast.AST], str]) -> Optional[List[Condition]]:
    """The condition of each reaching definition (in source order): its own arms, and
    that no later definition ran, where the two could both run. None when that needs a
    disjunction (a later definition under two or more tests)."""
    own = [condition(rest, text) for rest in rests]
    result: List[Condition] = []
    for index, mine in enumerate(own):
        full = list(mine)
        for later in own[index + 1 :]:
            if _exclusive(mine, later):
                continue
            if len(later) != 1:
                return None
            test, holds = later[0]
            full.append((test, not holds))
        result.append(tuple(dict.fromkeys(full)))
    return result


def _exclusive(a: Condition, b: Condition) -> bool:
    tests = dict(a)
    return any(test in tests and tests[test] != holds for test, holds in b)


def common(a: Path, b: Path) -> int:
    """How many steps two paths share from the start."""
    n = 0
    while n < len(a) and n < len(b) and a[n][0] is b[n][0] and a[n][1] == b[n][1]:
        n += 1
    return n


def _covered(branch: ast.AST, rests: List[Path]) -> bool:
    """Whether the definitions found so far assign the name on every arm of ``branch``
    (an ``if`` with an ``else``, recursively through ``elif``)."""
    if not isinstance(branch, ast.If) or not branch.orelse:
        return False
    body = any(len(r) == 1 and r[0][0] is branch and r[0][1] == "body" for r in rests)
    if not body:
        return False
    if any(len(r) == 1 and r[0][0] is branch and r[0][1] == "orelse" for r in rests):
        return True
    if len(branch.orelse) == 1 and isinstance(branch.orelse[0], ast.If):
        inner = branch.orelse[0]
        deeper = [r[1:] for r in rests if len(r) > 1 and r[0][0] is branch and r[0][1] == "orelse"]
        return _covered(inner, deeper)
    return False


def position(node: ast.AST) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
