"""Reading a class's ``__init__``: which keywords it consumes and which reach the base.

``init_info`` turns a ``class X(Base): def __init__(...)`` into ``model.subclasses.InitInfo``
(see there for what each part means). Nothing is executed; a ``super().__init__`` call the
reader cannot follow makes what the base receives unknown (``open_reason``), never wrong.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from lightning_lint.model.spec import Value
from lightning_lint.model.subclasses import InitInfo

# Modules whose classes are never project subclasses of a Lightning class: a call of one of
# their classes does not make the linter consult the project's class index.
NOT_PROJECT = frozenset(
    {
        "torch",
        "torchvision",
        "torchaudio",
        "torchmetrics",
        "numpy",
        "pandas",
        "scipy",
        "sklearn",
        "transformers",
        "datasets",
        "tokenizers",
        "lightning",
        "pytorch_lightning",
        "lightning_fabric",
        "omegaconf",
        "hydra",
        "jsonargparse",
        "typing",
        "collections",
        "dataclasses",
        "pathlib",
        "datetime",
        "functools",
        "argparse",
        "logging",
        "os",
        "sys",
        "json",
        "re",
        "math",
        "random",
        "itertools",
        "warnings",
        "abc",
        "enum",
        "copy",
        "time",
        "einops",
        "timm",
        "wandb",
        "tqdm",
        "PIL",
        "matplotlib",
        "yaml",
        "fiddle",
        "megatron",
        "deepspeed",
        "accelerate",
    }
)


def may_be_project_class(dotted: str) -> bool:
    """Whether a called name could be a project class (worth a look in the class index)."""
    name = dotted.rsplit(".", 1)[-1]
    if not name[:1].isupper():
        return False
    top = dotted.split(".", 1)[0]
    return not (top and top in NOT_PROJECT)


def init_info(
    node: ast.ClassDef,
    bases: Tuple[str, ...],
    module: str,
    where: str,
    literal: Callable[[ast.expr], Value],
    init_calls: Optional[Sequence[ast.Call]] = None,
) -> InitInfo:
    """The ``InitInfo`` of a class definition. ``literal`` evaluates an expression of the
    class body (a parameter's default, an argument of ``super().__init__``). ``init_calls``:
    the module's ``<something>.__init__(...)`` calls, when the caller has them (else the
    ``__init__`` is walked)."""
    init = next(
        (s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"),
        None,
    )
    if init is None:
        return InitInfo(name=node.name, module=module, bases=bases, where=where)
    arguments = init.args
    positional = list(arguments.posonlyargs) + list(arguments.args)
    params = [a.arg for a in positional[1:]] + [a.arg for a in arguments.kwonlyargs]
    defaults: Dict[str, ast.expr] = {}
    for arg, default in zip(reversed(positional), reversed(arguments.defaults)):
        defaults[arg.arg] = default
    for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if kw_default is not None:
            defaults[arg.arg] = kw_default
    kwargs = arguments.kwarg.arg if arguments.kwarg else None
    if init_calls is None:
        inside: Iterable[ast.AST] = ast.walk(init)
    else:  # those within the method's lines
        first, last = init.lineno, init.end_lineno or init.lineno
        inside = (c for c in init_calls if first <= c.lineno and (c.end_lineno or c.lineno) <= last)
    calls = [c for c in inside if isinstance(c, ast.Call) and _is_base_init(c, node)]
    base_names = {b.id for b in node.bases if isinstance(b, ast.Name)}
    renames: List[Tuple[str, str]] = []
    param_defaults: List[Tuple[str, Any]] = []
    fixed: List[Tuple[str, Any]] = []
    computed: List[str] = []
    forwards = False
    open_reason: Optional[str] = None
    if not calls:
        open_reason = "does not visibly call `super().__init__`"
    elif len(calls) > 1:
        open_reason = "calls the base's `__init__` in more than one place"
    else:
        call = calls[0]
        args = list(call.args)
        if args and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            if call.func.value.id in base_names:
                args = args[1:]  # Base.__init__(self, ...)
        if args:
            open_reason = "passes positional arguments to the base"
        for keyword in call.keywords:
            if keyword.arg is None:
                if kwargs is not None and isinstance(keyword.value, ast.Name) and keyword.value.id == kwargs:
                    forwards = True
                else:
                    open_reason = open_reason or "passes `**` of values the linter cannot read to the base"
                continue
            value = keyword.value
            if isinstance(value, ast.Name) and value.id in params:
                renames.append((value.id, keyword.arg))
                if value.id in defaults:
                    given = literal(defaults[value.id])
                    if given.known:
                        try:
                            param_defaults.append((value.id, given.plain()))
                        except Exception:  # noqa: BLE001 - a default that is not plain data
                            pass
                continue
            plain = _plain_scalar(literal(value))
            if plain is not _NOT_PLAIN:
                fixed.append((keyword.arg, plain))
            else:
                computed.append(keyword.arg)
        if forwards and kwargs is not None:
            own_extra, kw_renames, kw_defaults, kw_fixed, kw_computed, kw_open = _kwargs_changes(init, kwargs, literal)
            params.extend(p for p in own_extra if p not in params)
            renames.extend(kw_renames)
            param_defaults.extend(kw_defaults)
            fixed.extend(kw_fixed)
            computed.extend(kw_computed)
            open_reason = open_reason or kw_open
    passed = {param for param, _ in renames}
    own = tuple(p for p in params if p not in passed)
    return InitInfo(
        name=node.name,
        module=module,
        bases=bases,
        has_init=True,
        params=tuple(params),
        own=own,
        renames=tuple(renames),
        param_defaults=tuple(param_defaults),
        fixed=tuple(fixed),
        computed=tuple(computed),
        forwards=forwards,
        open_reason=open_reason,
        where=where,
    )


def _is_base_init(call: ast.Call, node: ast.ClassDef) -> bool:
    """``super().__init__(...)``, ``super(X, self).__init__(...)`` or ``Base.__init__(self, ...)``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return False
    owner = func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
        return True
    return isinstance(owner, ast.Name) and any(isinstance(b, ast.Name) and b.id == owner.id for b in node.bases)


def _kwargs_changes(
    init: ast.AST, kwargs: str, literal: Callable[[ast.expr], Value]
) -> Tuple[List[str], List[Tuple[str, str]], List[Tuple[str, Any]], List[Tuple[str, Any]], List[str], Optional[str]]:
    """What ``__init__`` does to ``**kwargs`` before passing it on: ``kwargs.pop("x")``
    consumes ``x``; ``kwargs.setdefault("x", 1)`` gives the base a default; ``kwargs["x"] = 1``
    sets it; anything else that changes it (``update``, ``del``) makes it unreadable."""
    own: List[str] = []
    renames: List[Tuple[str, str]] = []
    defaults: List[Tuple[str, Any]] = []
    fixed: List[Tuple[str, Any]] = []
    computed: List[str] = []
    open_reason: Optional[str] = None
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if not (isinstance(target, ast.Name) and target.id == kwargs):
                continue
            method = node.func.attr
            key = node.args[0] if node.args else None
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            if method in ("get", "keys", "items", "values", "copy"):
                continue
            if method == "pop" and name is not None:
                own.append(name)
            elif method == "setdefault" and name is not None and len(node.args) == 2:
                renames.append((name, name))
                plain = _plain_scalar(literal(node.args[1]))
                if plain is not _NOT_PLAIN:
                    defaults.append((name, plain))
            else:
                open_reason = open_reason or f"changes `**{kwargs}` with `{method}` before passing it on"
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    if target.value.id != kwargs:
                        continue
                    key = target.slice
                    name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
                    if name is None or isinstance(node, ast.AugAssign):
                        open_reason = open_reason or f"sets keys of `**{kwargs}` the linter cannot read"
                        continue
                    plain = _plain_scalar(literal(node.value))
                    if plain is not _NOT_PLAIN:
                        fixed.append((name, plain))
                    else:
                        computed.append(name)  # e.g. a call: a value, but not plain data
                elif isinstance(target, ast.Name) and target.id == kwargs:
                    open_reason = open_reason or f"rebinds `{kwargs}` before passing it on"
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == kwargs
                ):
                    key = target.slice
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        own.append(key.value)
                    else:
                        open_reason = open_reason or f"deletes keys of `**{kwargs}` the linter cannot read"
    return own, renames, defaults, fixed, computed, open_reason


_NOT_PLAIN = object()


def _plain_scalar(value: Any) -> Any:
    """The value as plain data when it is a known scalar (it is stored in the project facts
    and the cache, so a call or a container is not), else ``_NOT_PLAIN``."""
    if not value.known or isinstance(value.data, (dict, tuple)):
        return _NOT_PLAIN
    try:
        return value.plain()
    except Exception:  # noqa: BLE001 - e.g. a call: not plain data
        return _NOT_PLAIN
