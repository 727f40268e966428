"""``configure_optimizers`` -> the schedulers Lightning will step (``model.optimizers``).

Reads each class's ``configure_optimizers`` through the Python extractor's scopes: the
returned value in every form Lightning accepts (``core/optimizer.py``
``_configure_optimizers``): an optimizer; a list or tuple of them; ``([opt], [sched])``;
``{"optimizer": ..., "lr_scheduler": sched | {"scheduler": sched, "interval": ...}}``; a
list of such dicts. Names are followed to their single assignment. The scheduler's
horizon is read as an expression over run quantities (``model.optimizers.Horizon``).
Nothing is executed; what cannot be read stays unknown.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Dict, List, Optional, Tuple

from lightning_lint.model.optimizers import (
    COMPOSITES,
    HORIZON_ARGS,
    LAMBDA,
    ZERO,
    Horizon,
    SchedulerSpec,
    condition_words,
    short_kind,
    with_candidates,
)
from lightning_lint.model.spec import Loc

_MAX_DEPTH = 12
_TRAINER_REFS = {
    "estimated_stepping_batches": "trainer.estimated_stepping_batches",
    "max_steps": "trainer.max_steps",
    "max_epochs": "trainer.max_epochs",
    "num_training_batches": "train_batches",
}


def collect(ex: Any, classes: List[ast.ClassDef]) -> Dict[str, List[SchedulerSpec]]:
    """Class name -> the schedulers its ``configure_optimizers`` returns (only classes that
    define one and return at least one scheduler)."""
    found: Dict[str, List[SchedulerSpec]] = {}
    for node in classes:
        method = next(
            (s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "configure_optimizers"), None
        )
        if method is None:
            continue
        reader = _Reader(ex, node, method)
        schedulers = reader.read()
        if schedulers:
            found[node.name] = schedulers
    return found


def _unit_of_name(name: str) -> Optional[str]:
    lowered = name.lower()
    if "step" in lowered or "iters" in lowered:
        return "steps"
    if "epoch" in lowered:
        return "epochs"
    return None


class _Reader:
    def __init__(self, ex: Any, cls: ast.ClassDef, method: ast.FunctionDef) -> None:
        self.ex = ex
        self.cls = cls
        self.method = method
        self.scope = ex.scopes.scope_of.get(id(method))
        self.init_params, self.init_attrs = _init_parameters(ex, cls)
        self.defaults: Dict[str, float] = {}

    # -- the returned configuration --------------------------------------------------------
    def read(self) -> List[SchedulerSpec]:
        if self.scope is None:
            return []
        found: List[SchedulerSpec] = []
        for node in _returns(self.method):
            if node.value is not None:
                found.extend(self._conf(node.value, 0))
        seen, unique = set(), []
        for spec in found:
            key = (spec.loc, spec.config_loc)
            if key not in seen:
                seen.add(key)
                unique.append(spec)
        return unique

    def _follow(self, expr: ast.AST, depth: int) -> ast.AST:
        """A name bound once (in the method) to an expression: that expression."""
        while isinstance(expr, ast.Name) and depth < _MAX_DEPTH:
            owner, bindings = self.ex.lookup(expr.id, self.scope)
            if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
                return expr
            if owner is not None and self.ex.mutations_of(expr.id, owner):
                return expr  # changed in place after it is built (``cfg["scheduler"] = ...``)
            expr = bindings[0].value
            depth += 1
        return expr

    def _conf(self, expr: ast.AST, depth: int) -> List[SchedulerSpec]:
        if depth > _MAX_DEPTH:
            return []
        expr = self._follow(expr, depth)
        entries = self._dict_entries(expr)
        if entries is not None:
            return self._conf_dict(expr, entries, depth)
        if isinstance(expr, (ast.List, ast.Tuple)):
            elements = [self._follow(e, depth + 1) for e in expr.elts]
            if len(elements) == 2 and isinstance(elements[0], ast.List):
                second = elements[1]
                scheds = second.elts if isinstance(second, (ast.List, ast.Tuple)) else [expr.elts[1]]
                return [s for e in scheds for s in self._entry(e, "list", None, depth + 1)]
            found: List[SchedulerSpec] = []
            for element in elements:
                if self._dict_entries(element) is not None:
                    found.extend(self._conf(element, depth + 1))
            return found
        return []

    def _dict_entries(self, expr: ast.AST) -> Optional[List[Tuple[str, ast.AST, ast.AST]]]:
        """(key, key node, value node) of a dict literal or ``dict(...)`` call."""
        if isinstance(expr, ast.Dict):
            entries: List[Tuple[str, ast.AST, ast.AST]] = []
            for key, value in zip(expr.keys, expr.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    entries.append((key.value, key, value))
                else:
                    return None
            return entries
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "dict"
            and not expr.args
            and all(k.arg is not None for k in expr.keywords)
        ):
            return [(str(k.arg), k, k.value) for k in expr.keywords]
        return None

    def _conf_dict(self, expr: ast.AST, entries: List[Tuple[str, ast.AST, ast.AST]], depth: int) -> List[SchedulerSpec]:
        values = {key: value for key, _, value in entries}
        if "lr_scheduler" not in values:
            return []
        monitor = values.get("monitor")
        return self._entry(values["lr_scheduler"], "dict", monitor, depth + 1)

    def _entry(self, expr: ast.AST, form: str, outer_monitor: Optional[ast.AST], depth: int) -> List[SchedulerSpec]:
        """One element of the scheduler list: a scheduler, or a scheduler config dict."""
        target = self._follow(expr, depth)
        entries = self._dict_entries(target)
        if entries is None:
            spec = self._scheduler(target, depth)
            if spec is None:
                return []
            spec.form = form
            spec.expr_loc, spec.expr_text = self.ex.loc(expr), self.ex.text(expr, limit=200)
            if outer_monitor is not None:
                spec.has_monitor = True
                spec.monitor = self._string(outer_monitor)
                spec.monitor_loc = self.ex.loc(outer_monitor)
            return [spec]
        values = {key: value for key, _, value in entries}
        inner = values.get("scheduler")
        spec = self._scheduler(self._follow(inner, depth), depth) if inner is not None else None
        if spec is None:
            spec = SchedulerSpec(kind="" if inner is None else "?", loc=self.ex.loc(target), horizon=None)
            if inner is not None:
                spec.kind = "<unknown>"
        spec.form = "dict"
        spec.config_loc = self.ex.loc(target) if isinstance(target, ast.Dict) else None
        for key, key_node, _ in entries:
            spec.config_keys.append((key, self.ex.loc(key_node)))
        if "interval" in values:
            spec.interval_written = True
            spec.interval_value = self._string(values["interval"])
            spec.interval_loc = self.ex.loc(values["interval"])
            spec.interval = spec.interval_value if spec.interval_value in ("step", "epoch") else None
        if "frequency" in values:
            spec.frequency_loc = self.ex.loc(values["frequency"])
            frequency = self.ex.value(values["frequency"], self.scope)
            spec.frequency = frequency.data if frequency.is_int() else None
        if "monitor" in values:
            spec.has_monitor = True
            spec.monitor = self._string(values["monitor"])
            spec.monitor_loc = self.ex.loc(values["monitor"])
        return [spec]

    def _string(self, expr: ast.AST) -> Optional[str]:
        value = self.ex.value(expr, self.scope)
        return value.data if value.is_str() else None

    # -- the scheduler ---------------------------------------------------------------------
    def _arg(self, call: ast.Call, name: str, index: int) -> Optional[ast.AST]:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return call.args[index]
        return None

    def _scheduler(self, expr: ast.AST, depth: int) -> Optional[SchedulerSpec]:
        if not isinstance(expr, ast.Call) or depth > _MAX_DEPTH:
            return None
        qualname = self.ex.qualname(expr.func, self.scope)
        kind = short_kind(qualname) if qualname else None
        if kind is None:
            return self._injected(expr)
        spec = SchedulerSpec(kind=kind, loc=self.ex.loc(expr), owner=self.cls.name, init_defaults=self.defaults)
        splat = any(k.arg is None for k in expr.keywords)
        if kind in HORIZON_ARGS:
            (name, index), end = HORIZON_ARGS[kind]
            spec.end = end
            node = self._arg(expr, name, index)
            if kind == "OneCycleLR" and node is None:
                epochs, per_epoch = self._arg(expr, "epochs", 3), self._arg(expr, "steps_per_epoch", 4)
                if epochs is not None and per_epoch is not None:
                    a, b = self._horizon(epochs, depth + 1), self._horizon(per_epoch, depth + 1)
                    spec.horizon = _times(a, b, f"{self.ex.text(epochs)} * {self.ex.text(per_epoch)}")
                    spec.horizon = _with_hint(spec.horizon, "steps")  # epochs x steps_per_epoch counts steps
                elif splat:
                    spec.horizon = Horizon(unknown="`**kwargs` may set the horizon", text=self.ex.text(expr))
            elif node is not None:
                spec.horizon = self._horizon(node, depth + 1)
            elif splat:
                spec.horizon = Horizon(unknown="`**kwargs` may set the horizon", text=self.ex.text(expr))
            elif kind in ("LinearLR", "ConstantLR", "PolynomialLR"):
                spec.horizon = Horizon(factor=5.0, text="5 (the default total_iters)")
            return spec
        if kind in COMPOSITES:
            children = self._arg(expr, "schedulers", 1 if kind == "SequentialLR" else 0)
            children = self._follow(children, depth) if children is not None else None
            if not isinstance(children, (ast.List, ast.Tuple)):
                return spec
            parts = [self._scheduler(self._follow(c, depth + 1), depth + 1) for c in children.elts]
            if kind == "SequentialLR":
                milestones = self._arg(expr, "milestones", 2)
                last = parts[-1] if parts else None
                if last is None or milestones is None or last.horizon is None:
                    return spec
                values = self.ex.value(self._follow(milestones, depth), self.scope)
                if not values.is_list() or not values.data or not values.data[-1].is_number():
                    spec.horizon = Horizon(unknown="the milestones are not literal", text=self.ex.text(milestones))
                else:
                    spec.horizon = last.horizon.plus(Horizon(factor=float(values.data[-1].data)))
                spec.end = last.end
                spec.kind = f"SequentialLR (ending with {last.kind})"
                return spec
            with_horizon = [p for p in parts if p is not None and p.horizon is not None]
            if len(with_horizon) == 1 and all(p is not None for p in parts):
                spec.horizon, spec.end = with_horizon[0].horizon, with_horizon[0].end
                spec.kind = f"ChainedScheduler (with {with_horizon[0].kind})"
            return spec
        if kind == LAMBDA:
            function = self._arg(expr, "lr_lambda", 1)
            function = self._follow(function, depth) if function is not None else None
            horizon = self._lambda_horizon(function, depth) if function is not None else None
            if horizon is not None:
                spec.horizon, spec.end = horizon, ZERO
                spec.kind = "LambdaLR (linear decay)"
            return spec
        return spec

    def _injected(self, call: ast.Call) -> Optional[SchedulerSpec]:
        """``self.hparams.scheduler(optimizer=opt)`` (or ``self.scheduler(...)`` set from an
        ``__init__`` argument): a scheduler factory given to the module, such as a Hydra
        ``_partial_: true`` node. Its class comes from the config that builds the module
        (``rules.lr_schedule`` binds it); here only the argument's name is known."""
        func, name = call.func, None
        if isinstance(func, ast.Attribute) and _is_hparams(func.value):
            name = func.attr
        elif isinstance(func, ast.Subscript) and _is_hparams(func.value):
            key = func.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        elif isinstance(func, ast.Attribute) and _is_self(func.value):
            name = self.init_attrs.get(func.attr)
        if name is None or name not in self.init_params:
            return None
        keywords = [k.arg or "**" for k in call.keywords]
        if len(call.args) > 1 or any(isinstance(a, ast.Starred) for a in call.args):
            keywords.append("*")  # positional arguments past the optimizer
        return SchedulerSpec(
            kind="<injected>",
            loc=self.ex.loc(call),
            owner=self.cls.name,
            injected=name,
            injected_keywords=keywords,
        )

    def _lambda_horizon(self, function: ast.AST, depth: int) -> Optional[Horizon]:
        """``lambda step: 1 - step / N`` or ``max(0.0, 1 - step / N)``: a linear decay to 0 at N."""
        if not isinstance(function, ast.Lambda) or len(function.args.args) != 1:
            return None
        param = function.args.args[0].arg
        body = function.body
        if (
            isinstance(body, ast.Call)
            and isinstance(body.func, ast.Name)
            and body.func.id == "max"
            and len(body.args) == 2
            and isinstance(body.args[0], ast.Constant)
            and body.args[0].value == 0
        ):
            body = body.args[1]
        if (
            isinstance(body, ast.BinOp)
            and isinstance(body.op, ast.Sub)
            and isinstance(body.left, ast.Constant)
            and body.left.value == 1
            and isinstance(body.right, ast.BinOp)
            and isinstance(body.right.op, ast.Div)
            and isinstance(body.right.left, ast.Name)
            and body.right.left.id == param
        ):
            # names inside the lambda resolve in the method's scope (the horizon is not the parameter)
            if _mentions(body.right.right, param):
                return None
            return self._horizon(body.right.right, depth + 1)
        return None

    # -- horizons --------------------------------------------------------------------------
    def _horizon(self, expr: ast.AST, depth: int) -> Horizon:
        text = self.ex.text(expr, limit=80)
        if depth > _MAX_DEPTH:
            return Horizon(unknown=f"`{text}` is too indirect to follow", text=text)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "int"
            and len(expr.args) == 1
        ):
            inner = self._horizon(expr.args[0], depth + 1)
            return Horizon(inner.factor, inner.refs, inner.offset, text, inner.unknown, inner.unit_hint)
        ref = self._ref(expr)
        if ref is not None:
            return Horizon(refs=(ref,), text=text)
        if isinstance(expr, ast.Attribute) and _is_self(expr.value):
            param = self.init_attrs.get(expr.attr)
            if param is not None:
                return self._init_ref(param, text)
            return Horizon(unknown=f"`{text}` is set at run time", text=text, unit_hint=_unit_of_name(expr.attr))
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Attribute)
            and expr.value.attr == "hparams"
            and _is_self(expr.value.value)
        ):
            if expr.attr in self.init_params:
                return self._init_ref(expr.attr, text)
            return Horizon(
                unknown=f"`{text}` comes from the hyperparameters", text=text, unit_hint=_unit_of_name(expr.attr)
            )
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "hparams":
            key = expr.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
            return Horizon(unknown=f"`{text}` comes from the hyperparameters", text=text, unit_hint=_unit_of_name(name))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mult, ast.Add, ast.Sub)):
            left, right = self._horizon(expr.left, depth + 1), self._horizon(expr.right, depth + 1)
            if isinstance(expr.op, ast.Mult):
                return _times(left, right, text)
            if isinstance(expr.op, ast.Sub):
                if right.unknown or right.refs:
                    return Horizon(unknown=f"`{text}` is computed at run time", text=text, unit_hint=left.unit)
                right = Horizon(factor=-right.factor, offset=-right.offset)
            summed = left.plus(right)
            return Horizon(
                summed.factor, summed.refs, summed.offset, text, summed.unknown, summed.unit_hint or left.unit
            )
        if isinstance(expr, ast.Name):
            _, bindings = self.ex.lookup(expr.id, self.scope)
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                inner = self._horizon(bindings[0].value, depth + 1)
                if inner.unit is None:
                    inner = _with_hint(inner, _unit_of_name(expr.id))
                return Horizon(inner.factor, inner.refs, inner.offset, text, inner.unknown, inner.unit_hint)
        if isinstance(expr, ast.IfExp):  # `a if test else b`: each arm, with the test in words
            test = self.ex.text(expr.test, limit=60)
            arms = [(condition_words(((test, True),)), self._horizon(expr.body, depth + 1))]
            arms.append((condition_words(((test, False),)), self._horizon(expr.orelse, depth + 1)))
            if all(h.unknown is None for _, h in arms):
                return with_candidates(text, arms)
        value = self.ex.value(expr, self.scope)
        if value.is_number():
            return Horizon(factor=float(value.data), text=text)
        numbers = [(c.when, c.value) for c in value.candidates]
        if numbers and all(v.is_number() for _, v in numbers):  # a name bound on several paths
            return with_candidates(
                text, [(condition_words(w), Horizon(factor=float(v.data), text=text)) for w, v in numbers]
            )
        hint = _unit_of_name(expr.id) if isinstance(expr, ast.Name) else None
        return Horizon(unknown=value.reason or f"`{text}` is computed at run time", text=text, unit_hint=hint)

    def _init_ref(self, param: str, text: str) -> Horizon:
        """A horizon that is an ``__init__`` argument: resolved against the module's
        construction in ``fit`` (or the parameter's default) by the rules."""
        default = self.init_params.get(param)
        if default is not None:
            self.defaults[param] = default
        return Horizon(refs=(f"init:{param}",), text=text, unit_hint=_unit_of_name(param))

    def _ref(self, expr: ast.AST) -> Optional[str]:
        """A run quantity: ``self.trainer.<x>``, ``len(self.train_dataloader())``,
        ``len(self.trainer.train_dataloader)``."""
        if (
            isinstance(expr, ast.Attribute)
            and expr.attr in _TRAINER_REFS
            and isinstance(expr.value, ast.Attribute)
            and expr.value.attr == "trainer"
            and _is_self(expr.value.value)
        ):
            return _TRAINER_REFS[expr.attr]
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "len"
            and len(expr.args) == 1
        ):
            arg = expr.args[0]
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
                arg = arg.func if arg.func.attr == "train_dataloader" and not arg.args else arg
            if (
                isinstance(arg, ast.Attribute)
                and arg.attr == "train_dataloader"
                and (_is_self(arg.value) or (isinstance(arg.value, ast.Attribute) and arg.value.attr == "trainer"))
            ):
                return "train_batches"
        return None


def _init_parameters(ex: Any, cls: ast.ClassDef) -> Tuple[Dict[str, Optional[float]], Dict[str, str]]:
    """``__init__``'s parameters (with their numeric defaults) and the ``self.x = param``
    attributes set from them."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return {}, {}
    params: Dict[str, Optional[float]] = {}
    args = init.args
    positional = args.posonlyargs + args.args
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults)):
        if arg.arg == "self":
            continue
        value = default.value if isinstance(default, ast.Constant) else None
        params[arg.arg] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    attrs: Dict[str, str] = {}
    assigned: Dict[str, int] = {}
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and _is_self(target.value):
                assigned[target.attr] = assigned.get(target.attr, 0) + 1
                if isinstance(node.value, ast.Name) and node.value.id in params:
                    attrs[target.attr] = node.value.id
    return params, {a: p for a, p in attrs.items() if assigned.get(a) == 1}


def _is_hparams(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "hparams" and _is_self(expr.value)


def _is_self(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Name) and expr.id == "self"


def _mentions(expr: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(expr))


def _with_hint(horizon: Horizon, hint: Optional[str]) -> Horizon:
    if hint is None:
        return horizon
    return Horizon(horizon.factor, horizon.refs, horizon.offset, horizon.text, horizon.unknown, hint)


def _times(a: Horizon, b: Horizon, text: str) -> Horizon:
    if a.unknown or b.unknown:
        hint = a.unit or b.unit
        return Horizon(unknown=a.unknown or b.unknown, text=text, unit_hint=hint)
    if (a.offset and a.refs) or (b.offset and b.refs):
        return Horizon(unknown=f"`{text}` is computed at run time", text=text, unit_hint=a.unit or b.unit)
    return Horizon(
        (a.factor + (a.offset if not a.refs else 0)) * (b.factor + (b.offset if not b.refs else 0)),
        a.refs + b.refs,
        0.0,
        text,
        None,
        a.unit_hint or b.unit_hint,
    )


def _returns(function: ast.FunctionDef) -> List[ast.Return]:
    found: List[ast.Return] = []
    stack: List[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def cli_scheduler(node: Any, builder: Any, key_path: str) -> Optional[SchedulerSpec]:
    """A LightningCLI ``lr_scheduler:`` section (``class_path`` + ``init_args``): LightningCLI's
    ``configure_optimizers`` returns ``[optimizer], [scheduler]``, so it is stepped once per
    epoch (a ``ReduceLROnPlateau`` gets its monitor from the section)."""
    if node is None or node.kind != "map":
        return None
    class_path = node.get("class_path")
    if class_path is None or class_path.kind != "scalar" or not isinstance(class_path.raw, str):
        return None
    name = class_path.raw if "." in class_path.raw else f"torch.optim.lr_scheduler.{class_path.raw}"
    kind = short_kind(name)
    if kind is None:
        return None
    spec = SchedulerSpec(
        kind=kind, loc=Loc(node.path, class_path.key_span or class_path.span), form="cli", owner=node.path
    )
    spec.has_monitor = kind == "ReduceLROnPlateau"
    init = node.get("init_args")
    monitor = init.get("monitor") if init is not None and init.kind == "map" else None
    if spec.has_monitor and monitor is not None and monitor.kind == "scalar" and isinstance(monitor.raw, str):
        spec.monitor, spec.monitor_loc = monitor.raw, Loc(node.path, monitor.span)  # LightningCLI's own argument
    args: Dict[str, Any] = {}
    if init is not None and init.kind == "map":
        args = {key: builder.value(child, f"{key_path}.init_args.{key}") for key, child in init.entries.items()}
    return _config_horizon(spec, kind, args)


def hydra_schedulers(model: Any, builder: Any, key_path: str) -> Dict[str, SchedulerSpec]:
    """The scheduler nodes of a Hydra ``model:`` node, by key (lightning-hydra-template:
    ``scheduler: {_target_: torch.optim.lr_scheduler.X, _partial_: true, ...}``): Hydra
    hands each to the module's ``__init__`` argument of that name, and the module's
    ``configure_optimizers`` calls it (``extract`` records that as ``SchedulerSpec.injected``).
    The class and its horizon come from here; ``interval``/``frequency`` from the module."""
    found: Dict[str, SchedulerSpec] = {}
    if model is None or model.kind != "map":
        return found
    for key, node in model.entries.items():
        target = node.get("_target_") if node.kind == "map" else None
        if target is None or target.kind != "scalar" or not isinstance(target.raw, str) or "." not in target.raw:
            continue
        kind = short_kind(target.raw)
        if kind is None or kind in COMPOSITES or kind == LAMBDA:
            continue
        spec = SchedulerSpec(
            kind=kind, loc=Loc(node.path, target.key_span or target.span), form="hydra", owner=node.path
        )
        spec.has_monitor = False
        args, refs = {}, {}
        for name, child in node.entries.items():
            if name.startswith("_"):
                continue
            args[name] = builder.value(child, f"{key_path}.{key}.{name}")
            # as written: Hydra interpolations are resolved in ``raw``, not in ``source_text``
            raw = (child.source_text or child.raw) if child.kind == "scalar" else None
            match = _TRAINER_INTERPOLATION.fullmatch(raw.strip("'\" ")) if isinstance(raw, str) else None
            if match is not None:
                refs[name] = _TRAINER_REFS[match.group(1)]  # `${trainer.max_epochs}`: the run's own figure
        found[str(key)] = _config_horizon(spec, kind, args, refs)
    return found


_TRAINER_INTERPOLATION = re.compile(r"\$\{trainer\.(max_epochs|max_steps)\}")


def _config_horizon(
    spec: SchedulerSpec, kind: str, args: Dict[str, Any], refs: Optional[Dict[str, str]] = None
) -> SchedulerSpec:
    """The horizon of a scheduler built from config arguments (values of the config builder);
    ``refs``: arguments that are an interpolation of a Trainer figure."""
    if kind not in HORIZON_ARGS:
        return spec
    (arg, _), spec.end = HORIZON_ARGS[kind]
    if refs and arg in refs:
        spec.horizon = Horizon(refs=(refs[arg],), text=f"{arg}: ${{{refs[arg]}}}")
    elif arg in args:
        value = args[arg]
        spec.horizon = (
            Horizon(factor=float(value.data), text=f"{arg}: {value.data}")
            if value.is_number()
            else Horizon(unknown=value.reason or f"`{arg}` is not a number", text=arg)
        )
    elif kind == "OneCycleLR" and "epochs" in args and "steps_per_epoch" in args:
        epochs, per_epoch = args["epochs"], args["steps_per_epoch"]
        text = f"epochs: {epochs.raw} × steps_per_epoch: {per_epoch.raw}"
        spec.horizon = (
            Horizon(factor=float(epochs.data * per_epoch.data), text=text, unit_hint="steps")
            if epochs.is_number() and per_epoch.is_number()
            else Horizon(unknown="the horizon is not literal", text=text, unit_hint="steps")
        )
    elif kind in ("LinearLR", "ConstantLR", "PolynomialLR"):
        spec.horizon = Horizon(factor=5.0, text="5 (the default total_iters)")
    return spec
