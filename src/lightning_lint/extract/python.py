"""Python source -> Trainer, callback, loader and class specs.

Reads the stdlib ``ast`` (positions included, ~10x cheaper than a libcst parse and no
import cost; see docs/design.md). Names are resolved through a small scope table of our
own: imports, and names bound exactly once to a literal. Nothing is executed.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple, Union

from lightning_lint.extract import config_sections, fit_graph, flow, optimizers, streams
from lightning_lint.extract import subclasses as subclass_reader
from lightning_lint.extract.failure import ParseFailure
from lightning_lint.model import lightning_api
from lightning_lint.model import subclasses as subclass_data
from lightning_lint.model.sources import SourceFile, parse_ast, shallow, utf8_col_to_char
from lightning_lint.model.spec import (
    FLAVOR_PYTHON,
    ApiUse,
    Call,
    CallbackSpec,
    ClassSpec,
    Condition,
    Extraction,
    LoaderSpec,
    LoaderUse,
    Loc,
    RunCall,
    Span,
    TrainerSpec,
    TrainerUse,
    Value,
    absent,
    known,
    unknown,
)
from lightning_lint.model.variants import candidate_set, dict_of_candidates

_MAX_DEPTH = 24  # how far a chain of ``a = b`` assignments is followed
_MAX_MODULE_DEPTH = 3  # how many imports away a helper's result is followed
# Top-level packages that are never the project's own modules (cheap to skip).
_NOT_PROJECT = frozenset(
    {"torch", "lightning", "pytorch_lightning", "lightning_fabric", "numpy", "os", "sys", "omegaconf", "hydra"}
)
_RUN_METHODS = ("fit", "validate", "test", "predict", "tune")  # tune: Lightning < 2.0
_MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "update",
        "pop",
        "setdefault",
        "clear",
        "remove",
        "__setitem__",
    }
)
_LOADER_POSITIONAL = (
    "dataset",
    "batch_size",
    "shuffle",
    "sampler",
    "batch_sampler",
    "num_workers",
    "collate_fn",
    "pin_memory",
    "drop_last",
    "timeout",
    "worker_init_fn",
)
_ROLE_BY_HOOK = {
    "train_dataloader": "train",
    "val_dataloader": "val",
    "test_dataloader": "test",
    "predict_dataloader": "predict",
}
# The run-method parameters that take loaders, and the loop each feeds.
_LOADER_PARAMS = {
    "fit": {"train_dataloaders": "train", "val_dataloaders": "val"},
    "validate": {"dataloaders": "val"},
    "test": {"dataloaders": "test"},
    "predict": {"dataloaders": "predict"},
}
_REMOVED_CLASSMETHODS = ("from_argparse_args", "add_argparse_args", "parse_argparser", "default_attributes")


# -- scopes ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Binding:
    kind: str  # assign | import | param | def | class | other
    node: ast.AST
    value: Optional[ast.expr] = None  # for assign: the right-hand side
    target: str = ""  # for import: the dotted name it binds


@dataclass(eq=False)
class _Scope:
    node: ast.AST
    parent: Optional["_Scope"]
    is_class: bool = False
    name: str = "<module>"
    bindings: Dict[str, List[_Binding]] = field(default_factory=dict)
    mutations: Dict[str, List[ast.AST]] = field(default_factory=dict)  # in-place changes made here
    declared_global: Set[str] = field(default_factory=set)
    declared_nonlocal: Set[str] = field(default_factory=set)
    star_imports: List[str] = field(default_factory=list)

    def bind(self, name: str, binding: _Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


# Nodes without children that matter: never visited (most of a tree's nodes are these).
_LEAVES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.Constant)
# Fields that hold names, numbers or such leaves, never a node to visit (``names`` of an
# import is read by its handler); each node class's other fields, worked out once.
_SCALAR_FIELDS = frozenset(
    {"arg", "asname", "attr", "conversion", "ctx", "id", "is_async", "kind", "kwd_attrs", "level", "lineno"}
    | {"module", "n", "name", "names", "op", "ops", "s", "simple", "tag", "type_comment", "type_ignores"}
)
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}
_UNSEEN = object()
_NAME = ast.Name
# functions and methods that change their first argument in place (``setattr(cfg, ...)``)
_CHANGING_CALLS = frozenset({"update", "setattr", "delattr", "merge_with"})


class _ScopeBuilder(ast.NodeVisitor):
    """One pass over the module: scopes, bindings, and every call with its scope."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _Scope(tree, None)
        self.scope = self.module
        self.mutated_in: Dict[str, List[_Scope]] = {}  # name -> scopes that change it in place
        self.scope_of: Dict[int, _Scope] = {}  # id(node) -> scope, for calls and classes
        self.calls: List[ast.Call] = []
        self.classes: List[ast.ClassDef] = []
        self.parents: Dict[int, ast.AST] = {}
        self.block_depth: Dict[int, int] = {}  # id(call statement) -> nesting under if/for/...
        # id(class) -> the ``self.log(...)`` calls and ``self.automatic_optimization = False``
        # assignments inside it (nested functions and classes included), in source order
        self.logging_nodes: Dict[int, List[ast.AST]] = {}
        self.init_calls: List[ast.Call] = []  # ``<something>.__init__(...)``: base class calls
        # names whose value is changed in place somewhere: ``cfg.x.y = 1``, ``cfg["x"] = ...``,
        # ``cfg.merge_with(...)``, ``OmegaConf.update(cfg, ...)`` (extract/config_sections.py)
        self.changed_in_place: Set[str] = set()
        self._classes: List[ast.ClassDef] = []  # the classes the visit is inside
        # the ``return`` statements of the function the visit is in (None: a class or module
        # body), kept for ``_return_statements``: helpers are followed into by their returns
        self._returns: Optional[List[ast.Return]] = None
        self._depth = 0
        self.visit(tree)

    # -- structure ---------------------------------------------------------------------
    # The visit is the extractor's hot loop: a handler per node class, looked up once per
    # class (not by name per node as ast.NodeVisitor does), and no generator per node.
    _handlers: Dict[type, Any] = {}

    def visit(self, node: ast.AST) -> None:
        handler = self._handlers.get(node.__class__)
        if handler is None:
            handler = getattr(type(self), "visit_" + node.__class__.__name__, None)
            if handler is None or node.__class__ is ast.Constant:
                handler = type(self).generic_visit
            self._handlers[node.__class__] = handler
        handler(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        parents = self.parents
        handlers = self._children
        fields = _CHILD_FIELDS.get(node.__class__)
        if fields is None:
            fields = _CHILD_FIELDS[node.__class__] = tuple(f for f in node._fields if f not in _SCALAR_FIELDS)
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            for item in value if value.__class__ is list else (value,):
                cls = item.__class__
                if cls is _NAME:  # the commonest node, and one without children to visit
                    parents[id(item)] = node
                    continue
                handler = handlers.get(cls, _UNSEEN)
                if handler is _UNSEEN:
                    handler = self._child_handler(cls)
                if handler is not None:
                    parents[id(item)] = node
                    handler(self, item)

    # The handler of a child node by its class; None for what is never visited: leaves
    # and what is not a node (``Global.names`` and such are scalar fields, not lists of nodes)
    _children: Dict[type, Any] = {}

    def _child_handler(self, cls: type) -> Any:
        handler = None
        if issubclass(cls, ast.AST) and not issubclass(cls, _LEAVES):
            handler = getattr(type(self), "visit_" + cls.__name__, None) or type(self).generic_visit
        self._children[cls] = handler
        return handler

    def _enter(self, node: ast.AST, name: str, is_class: bool = False) -> _Scope:
        scope = _Scope(node, self.scope, is_class=is_class, name=name)
        self.scope_of[id(node)] = scope
        return scope

    def _visit_function(self, node: ast.AST) -> None:
        name = getattr(node, "name", "<lambda>")
        if not isinstance(node, ast.Lambda):
            self.scope.bind(name, _Binding("def", node))
            for decorator in node.decorator_list:  # type: ignore[attr-defined]
                self.parents[id(decorator)] = node
                self.visit(decorator)
        args = node.args  # type: ignore[attr-defined]
        for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.parents[id(default)] = node
            self.visit(default)
        outer, outer_depth, outer_returns = self.scope, self._depth, self._returns
        self.scope = self._enter(node, name)
        self._depth = 0
        self._returns = [] if node.__class__ is not ast.Lambda else None
        if self._returns is not None:
            _RETURNS[id(node)] = (node, self._returns)
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
            self.scope.bind(arg.arg, _Binding("param", arg))
        body = node.body if isinstance(node.body, list) else [node.body]  # type: ignore[attr-defined]
        for stmt in body:
            self.parents[id(stmt)] = node
            self.visit(stmt)
        self.scope, self._depth, self._returns = outer, outer_depth, outer_returns

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.bind(node.name, _Binding("class", node))
        self.classes.append(node)
        self.scope_of[id(node)] = self.scope
        self._classes.append(node)
        for expr in node.bases + [k.value for k in node.keywords] + node.decorator_list:
            self.parents[id(expr)] = node
            self.visit(expr)
        outer, outer_depth, outer_returns = self.scope, self._depth, self._returns
        self.scope = self._enter(node, node.name, is_class=True)
        self.scope_of[id(node)] = outer
        self._depth, self._returns = 0, None
        for stmt in node.body:
            self.parents[id(stmt)] = node
            self.visit(stmt)
        self.scope, self._depth, self._returns = outer, outer_depth, outer_returns
        self._classes.pop()

    def _mark_logging(self, node: ast.AST) -> None:
        """``node`` is what ``_Extractor._class_statement`` looks for in each enclosing class."""
        for cls in self._classes:
            self.logging_nodes.setdefault(id(cls), []).append(node)

    def _visit_block(self, node: ast.AST) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_If = visit_While = visit_Try = visit_With = visit_AsyncWith = _visit_block
    if hasattr(ast, "TryStar"):
        visit_TryStar = _visit_block
    if hasattr(ast, "Match"):
        visit_Match = _visit_block

    def visit_Return(self, node: ast.Return) -> None:
        if self._returns is not None:
            self._returns.append(node)
        self.generic_visit(node)

    # -- bindings ----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.scope.bind(alias.asname, _Binding("import", node, target=alias.name))
            else:
                top = alias.name.split(".", 1)[0]
                self.scope.bind(top, _Binding("import", node, target=top))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # ``from .utils import f``: ``.utils.f``, resolved against this file's folder
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            for alias in node.names:
                if alias.name != "*":
                    self.scope.bind(alias.asname or alias.name, _Binding("import", node, target=prefix + alias.name))
            return
        if not node.module:
            for alias in node.names:
                self.scope.bind(alias.asname or alias.name, _Binding("other", node))
            return
        for alias in node.names:
            if alias.name == "*":
                self.scope.star_imports.append(node.module)
            else:
                self.scope.bind(
                    alias.asname or alias.name, _Binding("import", node, target=f"{node.module}.{alias.name}")
                )

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.declared_nonlocal.update(node.names)

    def _bind_target(self, target: ast.AST, value: Optional[ast.expr], node: ast.AST) -> None:
        if target.__class__ is ast.Attribute or target.__class__ is ast.Subscript:
            root = config_sections.root_name(target)
            if root is not None:
                self.changed_in_place.add(root)
        if isinstance(target, ast.Name):
            self._binding_scope(target.id).bind(
                target.id, _Binding("assign" if value is not None else "other", node, value=value)
            )
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, None, node)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, node)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            self._mutation(target.value.id, node)

    def _mutation(self, name: str, node: ast.AST) -> None:
        if name not in self.scope.mutations:
            self.mutated_in.setdefault(name, []).append(self.scope)
        self.scope.mutations.setdefault(name, []).append(node)

    def _binding_scope(self, name: str) -> _Scope:
        if name in self.scope.declared_global:
            return self.module
        return self.scope

    def visit_Assign(self, node: ast.Assign) -> None:
        if (
            self._classes
            and _is_false(node.value)
            and any(_is_self_attr(t, "automatic_optimization") for t in node.targets)
        ):
            self._mark_logging(node)
        for target in node.targets:
            self._bind_target(target, node.value if len(node.targets) == 1 else None, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind_target(node.target, None, node)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target, node.value, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._bind_target(target, None, node)

    def _bind_loop(self, node: ast.AST) -> None:
        self._bind_target(node.target, None, node)  # type: ignore[attr-defined]
        self._visit_block(node)

    visit_For = visit_AsyncFor = _bind_loop

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._bind_target(node.optional_vars, None, node)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._bind_target(node.target, None, node)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.scope.bind(node.name, _Binding("other", node))
        self._visit_block(node)

    def _changed_in_place(self, expr: ast.AST) -> None:
        root = config_sections.root_name(expr)
        if root is not None:
            self.changed_in_place.add(root)

    # -- calls -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)
        self.scope_of[id(node)] = self.scope
        self.block_depth[id(node)] = self._depth
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in _MUTATING_METHODS:
            self._mutation(func.value.id, node)
        if self._classes and _logs_metric(func):
            self._mark_logging(node)
        if func.__class__ is ast.Attribute:
            if func.attr == "__init__":
                self.init_calls.append(node)
            elif func.attr in config_sections.IN_PLACE_CHANGES:
                self._changed_in_place(func.value)
        if node.args and (getattr(func, "attr", None) or getattr(func, "id", None)) in _CHANGING_CALLS:
            self._changed_in_place(node.args[0])
        self.generic_visit(node)


# -- the extractor --------------------------------------------------------------------------


# Finds the project module that defines a dotted name (``pkg.config.trainer_kwargs``,
# ``.utils.build``) imported by the file at a path: its source, or None.
ModuleFinder = Callable[[str, str], Optional[SourceFile]]


class _Extractor:
    def __init__(
        self,
        tree: ast.Module,
        source: SourceFile,
        modules: Optional[ModuleFinder] = None,
        depth: int = 0,
        classes: Optional[ClassLookup] = None,
        origin: Optional[str] = None,
    ) -> None:
        self.source = source
        self.modules = modules
        self.module_depth = depth  # how many imports away from the linted file
        self._imported: Dict[str, Optional[Tuple["_Extractor", ast.FunctionDef]]] = {}
        self.path = source.path
        self.origin = origin  # the file on disk (None: not read from disk): configs it loads are read
        self.scopes = _ScopeBuilder(tree)
        self._classes = classes  # the project's class index (None: this file's classes only)
        self._index: Optional[subclass_data.Index] = None
        self._init_infos: Dict[Tuple[int, str], subclass_data.InitInfo] = {}
        self._call_values: Dict[int, Value] = {}
        self._qualnames: Dict[Tuple[int, int], Optional[str]] = {}  # (id(expr), id(scope)): both live as long
        self._callback_specs: Dict[int, CallbackSpec] = {}  # id(Call data) -> spec
        self._following: Set[int] = set()  # functions whose result is being worked out (cycles)
        # > 0 while a ``**`` argument is worked out: only then are helpers of other modules
        # read (reading the module of every imported call would cost more than the lint)
        self._configuring = 0
        self.extraction = Extraction(self.path, "python")
        self._itertools_names = streams.itertools_names(tree)

    # -- positions ---------------------------------------------------------------------
    def span(self, node: ast.AST) -> Span:
        start_line = node.lineno  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or start_line
        start_col = utf8_col_to_char(self.source.line(start_line), node.col_offset) + 1  # type: ignore[attr-defined]
        end_byte = getattr(node, "end_col_offset", None)
        if end_byte is None:
            end_col = start_col
        else:
            end_col = utf8_col_to_char(self.source.line(end_line), end_byte) + 1
        return Span(start_line, start_col, end_line, end_col)

    def loc(self, node: ast.AST) -> Loc:
        return Loc(self.path, self.span(node))

    def text(self, node: ast.AST, limit: int = 60) -> str:
        segment = self.source.text_of(self.span(node))
        segment = " ".join(segment.split())
        return segment if len(segment) <= limit else segment[: limit - 3] + "..."

    # -- names -------------------------------------------------------------------------
    def lookup(self, name: str, scope: _Scope) -> Tuple[Optional[_Scope], List[_Binding]]:
        """The scope that binds ``name`` as seen from ``scope`` (Python's LEGB, minus
        class bodies for code inside methods), and its bindings."""
        current: Optional[_Scope] = scope
        first = True
        while current is not None:
            if name in current.declared_global and current is not self.scopes.module:
                current = self.scopes.module
                continue
            if current.is_class and not first:
                current = current.parent
                continue
            if name in current.bindings:
                return current, current.bindings[name]
            current = current.parent
            first = False
        return None, []

    def qualname(self, expr: ast.AST, scope: _Scope, depth: int = 0) -> Optional[str]:
        """The dotted name an expression refers to, through imports and aliases."""
        if depth == 0:  # asked again and again of the same call's function (a few passes over the calls)
            key = (id(expr), id(scope))
            if key not in self._qualnames:
                self._qualnames[key] = self._qualname(expr, scope, 0)
            return self._qualnames[key]
        return self._qualname(expr, scope, depth)

    def _qualname(self, expr: ast.AST, scope: _Scope, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope, depth + 1)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        owner, bindings = self.lookup(expr.id, scope)
        if not bindings:
            for module in self._star_imports(scope):
                candidate = f"{module}.{expr.id}"
                if lightning_api.canonical_symbol(candidate):
                    return candidate
            return expr.id if expr.id in ("dict", "list", "tuple", "float", "int", "str", "bool") else None
        names: Set[Optional[str]] = set()
        for binding in bindings:
            if binding.kind == "import":
                names.add(binding.target)
            elif binding.kind == "assign" and isinstance(binding.value, (ast.Name, ast.Attribute)):
                names.add(self.qualname(binding.value, owner or scope, depth + 1))
            elif binding.kind == "class":
                names.add(f"<local>.{expr.id}")
            else:
                names.add(None)
        if len(names) == 1:
            return names.pop()
        # several imports of the same Lightning symbol (try: lightning / except: pytorch_lightning)
        symbols = {lightning_api.canonical_symbol(n) if n else None for n in names}
        if len(symbols) == 1 and None not in symbols:
            return sorted(n for n in names if n)[0]
        return None

    def mutations_of(self, name: str, owner: _Scope) -> List[Tuple[ast.AST, bool]]:
        """The in-place changes (``cbs.append(...)``, ``cfg["k"] = v``) of the ``name``
        that ``owner`` binds, in source order: made in ``owner`` or in a nested function
        that uses the same binding. The flag says whether the change is conditional
        (under an ``if``/loop, or in another function, which may never run)."""
        found: List[Tuple[ast.AST, bool]] = []
        for scope in self.scopes.mutated_in.get(name, []):
            if self.lookup(name, scope)[0] is not owner:
                continue
            for node in scope.mutations[name]:
                conditional = scope is not owner or self.scopes.block_depth.get(id(node), 0) > 0
                found.append((node, conditional))
        found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))  # type: ignore[attr-defined]
        return found

    def _star_imports(self, scope: _Scope) -> Iterable[str]:
        current: Optional[_Scope] = scope
        while current is not None:
            yield from current.star_imports
            current = current.parent

    def symbol(self, expr: ast.AST, scope: _Scope) -> Optional[str]:
        name = self.qualname(expr, scope)
        if not name:
            return None
        found = lightning_api.canonical_symbol(name)
        if found is None:
            resolved = self.subclass(name)
            found = resolved.symbol if resolved is not None else None
        return found

    # -- subclasses of Lightning classes -----------------------------------------------
    def subclass(self, qualname: str) -> Optional[subclass_data.Resolved]:
        """The Lightning class a class extends (this file's, a library's, the project's)."""
        if not (
            qualname.startswith("<local>.")
            or qualname in subclass_data.LIBRARY_SUBCLASSES
            or (self._classes is not None and subclass_reader.may_be_project_class(qualname))
        ):
            return None
        if self._index is None:
            local: Dict[str, subclass_data.InitInfo] = {}
            for node in self.scopes.classes:
                info = self._init_info(node)
                if info is not None:
                    local.setdefault(node.name, info)
            self._index = subclass_data.Index(self._classes, local)
        return self._index.resolve(qualname)

    def _init_info(self, node: ast.ClassDef, module: str = "") -> Optional[subclass_data.InitInfo]:
        if not node.bases:
            return None
        key = (id(node), module)
        if key not in self._init_infos:  # asked by the class index and by the class's spec
            scope = self.scopes.scope_of[id(node)]
            bases = tuple(self.qualname(base, scope) or f"?{self.text(base)}" for base in node.bases)
            self._init_infos[key] = subclass_reader.init_info(
                node,
                bases,
                module,
                f"{self.path}:{node.lineno}",
                lambda expr: self.value(expr, scope),
                self.scopes.init_calls,
            )
        return self._init_infos[key]

    def _subclass_args(self, data: Call, loc: Loc) -> Tuple[Optional[subclass_data.Resolved], Dict[str, Value], Any]:
        """A call of a subclass: the Lightning class's arguments (keywords the subclass
        consumes left out, literals it passes added at the call) and the mapping."""
        resolved = self.subclass(data.qualname) if not lightning_api.canonical_symbol(data.qualname) else None
        if resolved is None or not resolved.chain:
            return None, dict(data.args), None
        mapped = subclass_data.map_call(resolved.chain, data.args, data.positional)
        args: Dict[str, Value] = dict(mapped.args)
        for name, (literal, owner) in mapped.fixed.items():
            args[name] = known(literal, loc=loc, raw=f"{literal!r} (passed by `{owner}.__init__`)", key_path=name)
        for name, owner in mapped.computed.items():
            args[name] = unknown(
                f"`{owner}.__init__` passes `{name}` a value computed at run time", loc=loc, key_path=name
            )
        return resolved, args, mapped

    # -- values ------------------------------------------------------------------------
    def value(self, expr: ast.expr, scope: _Scope, depth: int = 0) -> Value:
        """Evaluate an expression as far as it can be known without running anything."""
        where = {"value_loc": self.loc(expr), "raw": self.text(expr)}
        if depth > _MAX_DEPTH:
            return unknown(f"`{self.text(expr)}` is too indirect to follow", **where)
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, (str, int, float, bool)) or expr.value is None:
                return known(expr.value, **where)
            return unknown(f"`{self.text(expr)}` is not a plain literal", **where)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
            operand = self.value(expr.operand, scope, depth + 1)
            if operand.is_number():
                return known(-operand.data if isinstance(expr.op, ast.USub) else operand.data, **where)
            return unknown(operand.reason or f"`{self.text(expr)}` is not a literal", **where)
        if isinstance(expr, ast.BinOp):
            return self._binop(expr, scope, depth, where)
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            items = []
            for element in expr.elts:
                if isinstance(element, ast.Starred):
                    items.append(
                        unknown(
                            f"`{self.text(element)}` is unpacked at run time",
                            value_loc=self.loc(element),
                            raw=self.text(element),
                        )
                    )
                else:
                    items.append(self.value(element, scope, depth + 1))
            return known(tuple(items), **where)
        if isinstance(expr, ast.Dict):
            return self._dict(expr, scope, depth, where)
        if isinstance(expr, ast.IfExp):
            return self._if_expression(expr, scope, depth, where)
        if isinstance(expr, ast.DictComp):
            return self._dict_comprehension(expr, scope, depth, where)
        if isinstance(expr, ast.JoinedStr):
            if all(isinstance(part, ast.Constant) for part in expr.values):
                return known("".join(str(part.value) for part in expr.values), **where)  # type: ignore[attr-defined]
            return unknown(f"the f-string `{self.text(expr)}` is built at run time", **where)
        if isinstance(expr, ast.Name):
            return self._name(expr, scope, depth, where)
        if isinstance(expr, ast.Call):
            return self._call(expr, scope, depth, where)
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, scope, depth, where)
        if isinstance(expr, ast.Attribute):
            return unknown(f"`{self.text(expr)}` is only known at run time", **where)
        return unknown(f"`{self.text(expr)}` is computed at run time", **where)

    def _binop(self, expr: ast.BinOp, scope: _Scope, depth: int, where: dict) -> Value:
        left = self.value(expr.left, scope, depth + 1)
        right = self.value(expr.right, scope, depth + 1)
        if left.known and right.known and not isinstance(left.data, bool) and not isinstance(right.data, bool):
            a, b = left.data, right.data
            try:
                if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                    if isinstance(expr.op, ast.Pow) and (abs(b) > 64 or abs(a) > 2**32):
                        raise ValueError("too large")
                    result = _ARITHMETIC[type(expr.op)](a, b)
                    return known(result, **where)
                if isinstance(a, str) and isinstance(b, str) and isinstance(expr.op, ast.Add):
                    return known(a + b, **where)
            except (KeyError, ArithmeticError, ValueError, OverflowError):
                pass
        reason = left.reason or right.reason or f"`{self.text(expr)}` is computed at run time"
        return unknown(reason, **where)

    def _dict(self, expr: ast.Dict, scope: _Scope, depth: int, where: dict) -> Value:
        entries: Dict[str, Value] = {}
        for key, item in zip(expr.keys, expr.values):
            if key is None:  # ``{**base, "k": v}``
                splat = self.value(item, scope, depth + 1)
                if not splat.is_dict():
                    return unknown(splat.reason or f"`**{self.text(item)}` is only known at run time", **where)
                entries.update(splat.data)
                continue
            # str keys, and int keys written as text like YAML does ({0: 8} -> "0")
            if not (
                isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) and not isinstance(key.value, bool)
            ):
                return unknown(f"the dict `{self.text(expr)}` has keys only known at run time", **where)
            value = self.value(item, scope, depth + 1)
            entries[str(key.value)] = _place(
                value,
                loc=Loc(self.path, _join(self.span(key), self.span(item))),
                key_loc=self.loc(key),
                key_path=str(key.value),
            )
        return known(entries, **where)

    def _name(self, expr: ast.Name, scope: _Scope, depth: int, where: dict) -> Value:
        name = expr.id
        owner, bindings = self.lookup(name, scope)
        if not bindings:
            return unknown(f"`{name}` is not defined in this file", **where)
        if len(bindings) > 1:
            return self._reaching_value(expr, owner, scope, bindings, depth, where)
        binding = bindings[0]
        if binding.kind == "assign" and binding.value is not None and owner is not None:
            if self.mutations_of(name, owner):
                return self._mutated_value(expr, owner, scope, binding, depth, where)
        return self._binding_value(name, binding, owner, scope, depth, where)

    def _binding_value(
        self, name: str, binding: _Binding, owner: Optional[_Scope], scope: _Scope, depth: int, where: dict
    ) -> Value:
        if binding.kind == "param":
            return unknown(f"`{name}` is a parameter of `{owner.name if owner else '?'}()`", **where)
        if binding.kind == "import":
            return unknown(f"`{name}` is imported from `{binding.target.rsplit('.', 1)[0]}`", **where)
        if binding.kind != "assign" or binding.value is None:
            return unknown(f"`{name}` is not bound to a literal", **where)
        return self.value(binding.value, owner or scope, depth + 1)

    def _reaching(self, use: ast.AST, owner: _Scope, bindings: List[_Binding]) -> Optional[List[Tuple[_Binding, Any]]]:
        """The bindings of a name (in ``owner``) that reach ``use``, with the condition of
        each; None when that cannot be told (the use is in a nested function, a binding
        is a loop variable's or an import's, or the conditions cannot be written)."""
        params = [b for b in bindings if b.kind == "param"]
        definitions = [b for b in bindings if b.kind != "param"]
        by_node = {id(b.node): b for b in definitions}
        found = flow.reaching(
            [b.node for b in definitions],
            use,
            owner.node,
            self.scopes.parents,
            initial=params[0].node if params else None,
        )
        if not found:
            return None
        conditions = flow.exclusive_conditions([rest for _, rest in found], self.text)
        if conditions is None:
            return None
        return [(by_node.get(id(node)) or params[0], condition) for (node, _), condition in zip(found, conditions)]

    def _reaching_value(
        self, expr: ast.Name, owner: Optional[_Scope], scope: _Scope, bindings: List[_Binding], depth: int, where: dict
    ) -> Value:
        name = expr.id
        fallback = unknown(f"`{name}` is assigned more than once", **where)
        if owner is None or owner is not scope or any(b.kind not in ("assign", "param") for b in bindings):
            return fallback
        if self.mutations_of(name, owner):
            return unknown(f"`{name}` is modified after it is assigned", **where)
        reached = self._reaching(expr, owner, bindings)
        if reached is None:
            return fallback
        items = [(condition, self._binding_value(name, b, owner, scope, depth, {})) for b, condition in reached]
        if len(items) == 1:
            return items[0][1]
        return candidate_set(items, f"`{name}` is assigned in several branches", **where)

    def _mutated_value(
        self, expr: ast.Name, owner: _Scope, scope: _Scope, binding: _Binding, depth: int, where: dict
    ) -> Value:
        """A dict built in steps before it is used: ``d = {...}``, then ``d["k"] = v``,
        ``d.update(...)``, ``d.setdefault(k, v)``, ``d.pop(k)``, ``del d[k]``. A change
        under one condition makes the key a candidate set; anything else is unknown."""
        name = expr.id
        fallback = unknown(f"`{name}` is modified after it is assigned", **where)
        if owner is not scope or binding.value is None:
            return fallback
        base = self.value(binding.value, owner, depth + 1)
        if not base.is_dict():
            return fallback
        use_path = flow.path_of(expr, owner.node, self.scopes.parents)
        if use_path is None:
            return fallback
        entries: Dict[str, Value] = dict(base.data)
        for node, _conditional in self.mutations_of(name, owner):
            if flow.position(node) >= flow.position(expr):
                continue  # changed after the use
            path = flow.path_of(node, owner.node, self.scopes.parents)
            changes = self._dict_changes(node, owner, depth)
            if path is None or changes is None:
                return fallback
            condition = flow.condition(path[flow.common(path, use_path) :], self.text)
            if len(condition) > 1:
                return fallback
            for op, key, new in changes:
                old = entries.get(key)
                if op == "default" and old is not None and not old.candidates:
                    continue
                value = new if op != "delete" and new is not None else absent(key_path=key)
                if not condition:
                    if op == "delete":
                        entries.pop(key, None)
                    else:
                        entries[key] = value
                    continue
                test, holds = condition[0]
                before = old if old is not None else absent(key_path=key)
                entries[key] = candidate_set(
                    [(condition, value), (((test, not holds),), before)],
                    f"`{name}[{key!r}]` is set under a condition",
                    key_path=key,
                    loc=value.loc or before.loc,
                    key_loc=value.key_loc or before.key_loc,
                )
        return _place(base, data=entries)

    def _dict_changes(
        self, node: ast.AST, owner: _Scope, depth: int
    ) -> Optional[List[Tuple[str, str, Optional[Value]]]]:
        """What one in-place change does to a dict: (set | default | delete, key, value)."""
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            key = self._subscript_key(node.targets[0], owner, depth)
            if key is None:
                return None
            # anchored at the key literal (a rename keeps the quotes); no `key=value` span,
            # so no fix rewrites ``d["k"] = v`` as if it were a keyword argument
            target = node.targets[0]
            index = target.slice  # type: ignore[attr-defined]
            value = self.value(node.value, owner, depth + 1)
            return [("set", key, _place(value, loc=None, key_loc=self.loc(index), key_path=key))]
        if isinstance(node, ast.Delete) and len(node.targets) == 1:
            key = self._subscript_key(node.targets[0], owner, depth)
            return [("delete", key, None)] if key is not None else None
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return None
        method = node.func.attr
        if method == "update" and len(node.args) <= 1:
            changes: List[Tuple[str, str, Optional[Value]]] = []
            if node.args:
                given = self.value(node.args[0], owner, depth + 1)
                if not given.is_dict():
                    return None
                changes.extend(("set", key, value) for key, value in given.data.items())
            for keyword in node.keywords:
                if keyword.arg is None:
                    return None
                changes.append(("set", keyword.arg, self._keyword(keyword, owner, depth)))
            return changes
        if method in ("pop", "setdefault") and node.args and not node.keywords:
            key_value = self.value(node.args[0], owner, depth + 1)
            if not key_value.is_str():
                return None
            if method == "pop":
                return [("delete", key_value.data, None)]
            if len(node.args) == 2:
                return [("default", key_value.data, self.value(node.args[1], owner, depth + 1))]
        return None

    def _subscript_key(self, target: ast.AST, owner: _Scope, depth: int) -> Optional[str]:
        if not isinstance(target, ast.Subscript):
            return None
        index = target.slice
        if isinstance(index, ast.Index):  # Python 3.8 AST shape
            index = index.value  # type: ignore[attr-defined]
        key = self.value(index, owner, depth + 1)
        return key.data if key.is_str() else None

    def _if_expression(self, expr: ast.IfExp, scope: _Scope, depth: int, where: dict) -> Value:
        """``a if test else b``: both arms, each under its outcome of the test."""
        test = self.text(expr.test, limit=80)
        items: List[Tuple[Condition, Value]] = []
        for holds, arm in ((True, expr.body), (False, expr.orelse)):
            value = self.value(arm, scope, depth + 1)
            if value.candidates:
                items.extend((((test, holds),) + c.when, c.value) for c in value.candidates)
            else:
                items.append((((test, holds),), value))
        return candidate_set(items, f"`{self.text(expr)}` depends on `{test}`", **where)

    def _dict_comprehension(self, expr: ast.DictComp, scope: _Scope, depth: int, where: dict) -> Value:
        """``{k: cfg[k] for k in ("max_epochs", "devices")}``: the keys are known, their
        values are not; with a filter (``if k in KEYS``) each key may be missing."""
        reason = f"the dict `{self.text(expr)}` is built at run time"
        if len(expr.generators) != 1:
            return unknown(reason, **where)
        generator = expr.generators[0]
        target = generator.target
        key_name = target.id if isinstance(target, ast.Name) else None
        if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            key_name = target.elts[0].id
        if key_name is None or not (isinstance(expr.key, ast.Name) and expr.key.id == key_name):
            return unknown(reason, **where)
        keys: Optional[List[str]] = None
        if isinstance(target, ast.Name):
            keys = self._string_list(self.value(generator.iter, scope, depth + 1))
        for test in generator.ifs:  # ``if k in KEYS`` bounds the keys
            if (
                isinstance(test, ast.Compare)
                and isinstance(test.left, ast.Name)
                and test.left.id == key_name
                and len(test.ops) == 1
                and isinstance(test.ops[0], ast.In)
            ):
                bound = self._string_list(self.value(test.comparators[0], scope, depth + 1))
                if bound is not None:
                    keys = bound if keys is None else [k for k in keys if k in bound]
        if keys is None:
            return unknown(reason, **where)
        optional = bool(generator.ifs)
        value_reason = f"`{self.text(expr.value)}` is computed for each key of `{self.text(expr)}`"
        entries = {
            key: unknown(value_reason, key_path=key, value_loc=self.loc(expr), optional=optional) for key in keys
        }
        return known(entries, **where)

    @staticmethod
    def _string_list(value: Value) -> Optional[List[str]]:
        if value.is_list() and all(item.is_str() for item in value.data):
            return [item.data for item in value.data]
        return None

    def _call(self, expr: ast.Call, scope: _Scope, depth: int, where: dict) -> Value:
        cached = self._call_values.get(id(expr))
        if cached is not None:
            return cached
        qualname = self.qualname(expr.func, scope)
        function = self._local_function(expr.func, scope)
        if function is not None:
            result = self._function_result(function, depth, where)
            if result is not None:
                self._call_values[id(expr)] = result
                return result
        elif qualname and self.modules is not None and self._configuring:
            imported = self._imported_function(qualname)
            if imported is not None:
                other, definition = imported
                other._configuring += 1
                try:
                    result = other._function_result(definition, depth, where)
                finally:
                    other._configuring -= 1
                if result is not None:
                    self._call_values[id(expr)] = result
                    return result
        if qualname == "dict" and len(expr.args) <= 1 and not any(isinstance(a, ast.Starred) for a in expr.args):
            base = self.value(expr.args[0], scope, depth + 1) if expr.args else known({})
            if not base.is_dict():
                return unknown(base.reason or f"`{self.text(expr)}` is built at run time", **where)
            entries: Dict[str, Value] = dict(base.data)
            for keyword in expr.keywords:
                if keyword.arg is None:
                    return unknown(f"`{self.text(expr)}` unpacks values only known at run time", **where)
                entries[keyword.arg] = self._keyword(keyword, scope, depth)
            result = known(entries, **where)
        else:
            result = self._call_with_arguments(expr, qualname, scope, depth, where)
        if (
            function is None
            and not self._configuring
            and self.modules is not None
            and qualname
            and "." in qualname
            and not lightning_api.canonical_symbol(qualname)
        ):
            return result  # perhaps a helper of another module, not followed here: may be later
        self._call_values[id(expr)] = result
        return result

    def _call_with_arguments(
        self, expr: ast.Call, qualname: Optional[str], scope: _Scope, depth: int, where: dict
    ) -> Value:
        """A call as a value: its arguments, with ``**`` splats of known dicts merged."""
        args: Dict[str, Value] = {}
        open_reason = None
        for keyword in expr.keywords:
            if keyword.arg is None:
                self._configuring += 1  # ``Trainer(**helper(args))``: worth reading the helper's module
                try:
                    splat = self.value(keyword.value, scope, depth + 1)
                finally:
                    self._configuring -= 1
                if not splat.is_dict() and not splat.candidates:  # a section of a YAML file the script loads
                    splat = config_sections.section_for(self, keyword.value, scope) or splat
                merged = splat.data if splat.is_dict() else dict_of_candidates(splat)
                if merged is not None:
                    args.update(merged)
                else:
                    open_reason = f"`**{self.text(keyword.value)}` may set any argument"
            else:
                args[keyword.arg] = self._keyword(keyword, scope, depth)
        positional = []
        for arg in expr.args:
            if isinstance(arg, ast.Starred):
                open_reason = open_reason or f"`{self.text(arg)}` passes arguments only known at run time"
            else:
                positional.append(self.value(arg, scope, depth + 1))
        name = qualname or self.text(expr.func)
        if name.rsplit(".", 1)[-1] == "instantiate_from_config" and len(positional) == 1 and not args:
            built = _target_params_call(positional[0])  # latent-diffusion's helper: target(**params)
            if built is not None:
                return known(built, **where)
        return known(Call(name, args, tuple(positional), open_reason), **where)

    def _local_function(self, func: ast.AST, scope: _Scope) -> Optional[ast.FunctionDef]:
        """The module-level or nested function of this file a call names (not a method,
        not a class)."""
        if not isinstance(func, ast.Name):
            return None
        _, bindings = self.lookup(func.id, scope)
        if len(bindings) == 1 and bindings[0].kind == "def" and isinstance(bindings[0].node, ast.FunctionDef):
            return bindings[0].node
        return None

    def _imported_function(self, qualname: str) -> Optional[Tuple["_Extractor", ast.FunctionDef]]:
        """A module-level function of another project module, with an extractor of that
        module (bounded: ``_MAX_MODULE_DEPTH`` imports away; each module read once)."""
        if qualname in self._imported:
            return self._imported[qualname]
        self._imported[qualname] = None
        if self.modules is None or self.module_depth >= _MAX_MODULE_DEPTH or "." not in qualname.strip("."):
            return None
        if lightning_api.canonical_symbol(qualname) or qualname.split(".", 1)[0] in _NOT_PROJECT:
            return None
        module, _, name = qualname.rpartition(".")
        source = self.modules(self.path, module)
        if source is None:
            return None
        try:
            tree = parse_ast(source.text, filename=source.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        other = _Extractor(tree, source, self.modules, self.module_depth + 1, classes=self._classes)
        _, bindings = other.lookup(name, other.scopes.module)
        if len(bindings) == 1 and bindings[0].kind == "def" and isinstance(bindings[0].node, ast.FunctionDef):
            self._imported[qualname] = (other, bindings[0].node)
        return self._imported[qualname]

    def _function_result(self, function: ast.FunctionDef, depth: int, where: dict) -> Optional[Value]:
        """What a helper of this file returns, its parameters unknown: one value, or the
        candidates of several ``return`` statements, each under the branch it is in (an
        early return hides the later ones). None when it returns nothing to follow."""
        if id(function) in self._following or depth > _MAX_DEPTH:
            return None
        returns = [node for node in _return_statements(function) if node.value is not None]
        if not returns:
            return None
        inner = self.scopes.scope_of.get(id(function))
        if inner is None:
            return None
        self._following.add(id(function))
        try:
            rests = [flow.path_of(node, function, self.scopes.parents) or () for node in returns]
            conditions = flow.exclusive_conditions(list(reversed(rests)), self.text)
            if conditions is None:
                return None
            conditions.reverse()  # an early return hides the later ones: negate the earlier
            items = [
                (condition, self.value(node.value, inner, depth + 1))  # type: ignore[arg-type]
                for node, condition in zip(returns, conditions)
            ]
        finally:
            self._following.discard(id(function))
        if len(items) == 1:
            return items[0][1]
        return candidate_set(items, f"`{function.name}()` returns different values", **where)

    def _keyword(self, keyword: ast.keyword, scope: _Scope, depth: int) -> Value:
        value = self.value(keyword.value, scope, depth + 1)
        key_span = self.span(keyword)
        key_loc = Loc(
            self.path,
            Span(
                key_span.start_line,
                key_span.start_col,
                key_span.start_line,
                key_span.start_col + len(keyword.arg or ""),
            ),
        )
        return _place(value, loc=Loc(self.path, key_span), key_loc=key_loc, key_path=keyword.arg or "")

    def _subscript(self, expr: ast.Subscript, scope: _Scope, depth: int, where: dict) -> Value:
        container = self.value(expr.value, scope, depth + 1)
        index = expr.slice
        if isinstance(index, ast.Index):  # Python 3.8 AST shape
            index = index.value  # type: ignore[attr-defined]
        key = self.value(index, scope, depth + 1)
        if container.is_dict() and key.is_str() and key.data in container.data:
            return container.data[key.data]
        if container.is_list() and key.is_int() and -len(container.data) <= key.data < len(container.data):
            return container.data[key.data]
        if self.qualname(expr.value, scope) == "os.environ":
            return unknown(f"`{self.text(expr)}` is an environment variable", **where)
        return unknown(container.reason or f"`{self.text(expr)}` is only known at run time", **where)

    # -- specs -------------------------------------------------------------------------
    def run(self) -> Extraction:
        trainer_calls: Dict[int, TrainerSpec] = {}
        loaders: Dict[int, LoaderSpec] = {}  # id(call node) -> spec
        for call in self.scopes.calls:
            scope = self.scopes.scope_of[id(call)]
            symbol = self.symbol(call.func, scope)
            if (symbol == "Trainer" or self._from_argparse_args(call, scope)) and not self._expects_error(call):
                spec = self._trainer(call, scope)
                trainer_calls[id(call)] = spec
                self.extraction.trainers.append(spec)
            elif symbol == "Fabric" and not self._expects_error(call):
                self.extraction.fabrics.append(self._fabric(call, scope))
            elif symbol == "LightningCLI":
                self._lightning_cli(call, scope)
            elif symbol and symbol.startswith("callbacks."):
                self._callback_spec(self.value(call, scope))
            elif symbol and symbol.startswith("loader."):
                loader = self._loader(call, scope, symbol.split(".", 1)[1])
                loaders[id(call)] = loader
                self.extraction.loaders.append(loader)
        for call in self.scopes.calls:
            self._run_call(call, trainer_calls)
            self._not_training(call, trainer_calls)
            self._api_use(call)
            if loaders:
                self._loaders_passed(call, trainer_calls, loaders)
            if trainer_calls:
                self._trainer_uses(call, trainer_calls)
        if trainer_calls:
            self._trainer_escapes(trainer_calls)
        self._fit_facts()
        for node in self.scopes.classes:
            self.extraction.classes.append(self._class(node))
        self._resolve_local_bases()
        fit_graph.record_imports(self)
        schedulers = optimizers.collect(self, self.scopes.classes)
        if schedulers:
            self.extraction.facts["schedulers"] = schedulers
        return self.extraction

    def _trainer(self, call: ast.Call, scope: _Scope) -> TrainerSpec:
        value = self.value(call, scope)
        data: Call = value.data
        resolved, args, mapped = self._subclass_args(data, self.loc(call.func))
        spec = TrainerSpec(
            path=self.path,
            flavor=FLAVOR_PYTHON,
            loc=self.loc(call.func),
            args=args,
            open_reason=data.open_reason if data.open_reason else None,
            description=f"Trainer(...) at {self.path}:{call.lineno}",
        )
        if mapped is not None:
            _apply_subclass(spec, resolved, mapped, f"{self.text(call.func)}(...) at {self.path}:{call.lineno}")
        elif self._from_argparse_args(call, scope):
            # 1.x: the namespace is filtered to the Trainer's parameters, the explicit
            # keywords are passed on as they are
            spec.args.pop("args", None)  # ``from_argparse_args(args=namespace)``
            spec.open_reason = spec.open_reason or (
                f"`Trainer.from_argparse_args({self.text(call.args[0]) if call.args else 'args'}, ...)` "
                "may set any argument from the command line"
            )
            spec.description = f"Trainer.from_argparse_args(...) at {self.path}:{call.lineno}"
        elif data.positional:
            spec.open_reason = spec.open_reason or "positional arguments may set any argument"
        spec.extras["call_loc"] = self.loc(call)
        spec.extras["enclosing"] = self._enclosing(call)
        self._attach_callbacks(spec, call, scope)
        return spec

    def _fabric(self, call: ast.Call, scope: _Scope) -> TrainerSpec:
        """``Fabric(...)``: its arguments, for the hardware and precision rules only."""
        data: Call = self.value(call, scope).data
        open_reason = data.open_reason or ("positional arguments may set any argument" if data.positional else None)
        spec = TrainerSpec(
            path=self.path,
            flavor=FLAVOR_PYTHON,
            loc=self.loc(call.func),
            args=dict(data.args),
            open_reason=open_reason,
            description=f"Fabric(...) at {self.path}:{call.lineno}",
        )
        spec.extras["kind"] = "fabric"
        spec.extras["call_loc"] = self.loc(call)
        return spec

    def _expects_error(self, call: ast.Call) -> bool:
        """A call inside ``with pytest.raises(...)`` / ``self.assertRaises(...)``: a test
        that builds a broken Trainer on purpose."""
        node: ast.AST = call
        while True:
            parent = self.scopes.parents.get(id(node))
            if parent is None or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return False
            if isinstance(parent, (ast.With, ast.AsyncWith)) and any(
                isinstance(item.context_expr, ast.Call)
                and self.text(item.context_expr.func).rsplit(".", 1)[-1]
                in ("raises", "assertRaises", "assertRaisesRegex")
                for item in parent.items
            ):
                return True
            node = parent

    def _from_argparse_args(self, call: ast.Call, scope: _Scope) -> bool:
        func = call.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "from_argparse_args"
            and self.symbol(func.value, scope) == "Trainer"
        )

    def _enclosing(self, node: ast.AST) -> Tuple[str, ...]:
        """What a call is nested in, innermost first: ``def name`` for functions and
        classes, ``if <test>`` for conditions (a ``debug`` branch, a ``test_*`` function)."""
        found: List[str] = []
        parent = self.scopes.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append(f"def {parent.name}")
            elif isinstance(parent, (ast.If, ast.While, ast.IfExp)):
                found.append(f"if {self.text(parent.test, limit=200)}")
            parent = self.scopes.parents.get(id(parent))
        return tuple(found)

    def _attach_callbacks(self, spec: TrainerSpec, call: ast.Call, scope: _Scope) -> None:
        value = spec.args.get("callbacks")
        if value is None:
            if spec.open_reason:
                spec.callbacks_open = spec.open_reason
            return
        expr = next((k.value for k in call.keywords if k.arg == "callbacks"), None)
        appended: List[Tuple[ast.expr, bool]] = []
        if isinstance(expr, ast.Name) and value.unknown:
            # ``cbs = [...]; cbs.append(ModelCheckpoint(...)); Trainer(callbacks=cbs)``
            value, appended = self._mutated_list(expr, scope)
        items = _callback_items(value)
        if items is None:
            spec.callbacks_open = value.reason or "the callbacks are only known at run time"
            return
        for item, conditional in items:
            self._add_callback(spec, item, conditional=conditional)
        for element, conditional in appended:
            self._add_callback(spec, self.value(element, scope), conditional=conditional)

    def _mutated_list(self, name: ast.Name, scope: _Scope) -> Tuple[Value, List[Tuple[ast.expr, bool]]]:
        owner, bindings = self.lookup(name.id, scope)
        unknown_list = unknown(f"`{name.id}` is built at run time", value_loc=self.loc(name), raw=name.id)
        if owner is None or len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return unknown_list, []
        base = self.value(bindings[0].value, owner)
        if _callback_items(base) is None or base.is_call() or base.is_none():
            return unknown_list, []
        appended: List[Tuple[ast.expr, bool]] = []
        for mutation, conditional in self.mutations_of(name.id, owner):
            if not isinstance(mutation, ast.Call) or not isinstance(mutation.func, ast.Attribute):
                return unknown_list, []
            method = mutation.func.attr
            if method == "append" and len(mutation.args) == 1:
                appended.append((mutation.args[0], conditional))
            elif method == "insert" and len(mutation.args) == 2:
                appended.append((mutation.args[1], conditional))
            elif method == "extend" and len(mutation.args) == 1 and isinstance(mutation.args[0], (ast.List, ast.Tuple)):
                appended.extend((element, conditional) for element in mutation.args[0].elts)
            else:
                return unknown_list, []
        return base, appended

    def _add_callback(self, spec: TrainerSpec, item: Value, conditional: bool) -> None:
        if item.is_call():
            callback = self._callback_spec(item)
            if callback is not None:
                if conditional:
                    callback.conditional = True
                spec.callbacks.append(callback)
                return
            spec.callbacks_open = spec.callbacks_open or (
                f"`{item.raw or item.data.qualname}` may return any callbacks"
            )
        elif item.unknown:
            spec.callbacks_open = spec.callbacks_open or item.reason
        else:
            spec.callbacks_open = spec.callbacks_open or f"`{item.raw}` is not a callback instance"

    def _callback_spec(self, value: Value) -> Optional[CallbackSpec]:
        """The spec for a callback construction (one per call, shared by every Trainer
        that lists it); None for a call that is not known to build a callback."""
        if not value.is_call():
            return None
        data: Call = value.data
        existing = self._callback_specs.get(id(data))
        if existing is not None:
            return existing
        kind = lightning_api.short_callback_name(data.qualname) if not data.qualname.startswith("<local>") else None
        resolved, args, mapped = (
            (None, dict(data.args), None)
            if kind
            else self._subclass_args(data, value.value_loc or Loc(self.path, Span(1, 1, 1, 1)))
        )
        if resolved is not None and resolved.symbol.startswith("callbacks."):
            kind = resolved.kind
        elif kind is None and not self._is_local_callback_class(data.qualname):
            return None
        info = lightning_api.CALLBACKS.get(kind or "")
        if info is not None and mapped is None:
            names = list(info.params)
            for name, positional in zip(names, data.positional):
                args.setdefault(name, positional)
        spec = CallbackSpec(
            kind=kind or "",
            qualname=data.qualname,
            args=args,
            loc=value.value_loc or Loc(self.path, Span(1, 1, 1, 1)),
            open_reason=data.open_reason,
            flavor=FLAVOR_PYTHON,
        )
        if mapped is not None:
            spec.open_reason = spec.open_reason or mapped.open_reason
            spec.defaults.update(mapped.defaults)
            spec.extras["subclass"] = resolved.describe() if resolved else ""
            spec.extras["own_args"] = mapped.own
        self._callback_specs[id(data)] = spec
        self.extraction.callbacks.append(spec)
        return spec

    def _is_local_callback_class(self, qualname: str) -> bool:
        if not qualname.startswith("<local>."):
            return False
        name = qualname.split(".", 1)[1]
        for node in self.scopes.classes:
            if node.name == name:
                scope = self.scopes.scope_of[id(node)]
                return any(self.symbol(base, scope) == "Callback" for base in node.bases) or any(
                    self._is_local_callback_class(f"<local>.{base.id}")
                    for base in node.bases
                    if isinstance(base, ast.Name) and base.id != name
                )
        return False

    def _lightning_cli(self, call: ast.Call, scope: _Scope) -> None:
        value = self.value(call, scope)
        data: Call = value.data
        run = data.args.get("run")
        self.extraction.facts.setdefault("lightning_cli", []).append(
            {
                "loc": self.loc(call),
                "run": run.data if run is not None and run.is_bool() else (None if run is not None else True),
            }
        )
        # ``trainer_class=MyTrainer``: its YAML ``trainer:`` section holds MyTrainer's arguments
        given = next((k.value for k in call.keywords if k.arg == "trainer_class"), None)
        trainer_class = self.qualname(given, scope) if given is not None else None
        resolved = self.subclass(trainer_class) if trainer_class else None
        self.extraction.facts["lightning_cli"][-1]["trainer_class"] = trainer_class
        defaults = data.args.get("trainer_defaults")
        if defaults is None or not defaults.is_dict():
            return
        args = {name: _place(v, key_path=name) for name, v in defaults.data.items() if name != "callbacks"}
        mapped = None
        if resolved is not None and resolved.chain and resolved.symbol == "Trainer":
            mapped = subclass_data.map_call(resolved.chain, args)
            args = dict(mapped.args)
        spec = TrainerSpec(
            path=self.path,
            flavor=FLAVOR_PYTHON,
            loc=defaults.key_loc or self.loc(call.func),
            args=args,
            open_reason="LightningCLI reads the other Trainer arguments from its config files and command line",
            description=f"LightningCLI trainer_defaults at {self.path}:{call.lineno}",
        )
        spec.callbacks_open = "LightningCLI adds callbacks from its config files and command line"
        spec.fit_graph = fit_graph.cli_graph(self, call, scope)
        if mapped is not None:
            _apply_subclass(spec, resolved, mapped, spec.description)
        self.extraction.trainers.append(spec)

    def _loader(self, call: ast.Call, scope: _Scope, kind: str) -> LoaderSpec:
        value = self.value(call, scope)
        data: Call = value.data
        args = dict(data.args)
        for name, positional in zip(_LOADER_POSITIONAL, data.positional):
            args.setdefault(name, positional)
        spec = LoaderSpec(
            kind=kind,
            qualname=data.qualname,
            args=args,
            loc=self.loc(call),
            role=self._loader_role(call),
            open_reason=data.open_reason,
        )
        use = self._hook_use(call)
        if use is not None:
            spec.uses.append(use)
        spec.inputs = self._loader_inputs(call, args)
        return spec

    def _loader_inputs(self, call: ast.Call, args: Dict[str, Value]) -> Tuple[Tuple[str, str], ...]:
        """The dataset and sampler classes of a loader, by name (extract/streams.py)."""
        found: List[Tuple[str, str]] = []
        positions = {name: index for index, name in enumerate(_LOADER_POSITIONAL)}
        owner = next((p for p in self._parents(call) if isinstance(p, ast.ClassDef)), None)
        for role in ("dataset", "sampler", "batch_sampler"):
            value = args.get(role)
            if value is not None and value.is_call():
                found.append((role, value.data.short_name))
                continue
            expr = next((k.value for k in call.keywords if k.arg == role), None)
            if expr is None and positions[role] < len(call.args):
                expr = call.args[positions[role]]
            found.extend((role, name) for name in streams.class_names(expr, owner))
            function = next((p for p in self._parents(call) if isinstance(p, ast.FunctionDef)), None)
            if owner is not None and function is not None and isinstance(expr, ast.Name):
                found.extend((role, name) for name in streams.helper_arguments(owner, function, expr.id))
        return tuple(found)

    def _parents(self, node: ast.AST) -> Iterable[ast.AST]:
        parent = self.scopes.parents.get(id(node))
        while parent is not None:
            yield parent
            parent = self.scopes.parents.get(id(parent))

    def _loader_role(self, call: ast.Call) -> Optional[str]:
        node: Optional[ast.AST] = call
        assigned: Optional[str] = None
        while node is not None:
            parent = self.scopes.parents.get(id(node))
            if isinstance(parent, ast.Assign) and assigned is None:
                targets = [t.id for t in parent.targets if isinstance(t, ast.Name)]
                assigned = targets[0] if targets else None
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                role = _ROLE_BY_HOOK.get(parent.name)
                if role:
                    return role
                break
            node = parent
        return _role_from_name(assigned) if assigned else None

    # -- where loaders go -----------------------------------------------------------------
    def _hook_use(self, call: ast.Call) -> Optional[LoaderUse]:
        """The loader hook of a class that returns this loader: the loader is (an element
        of) what ``val_dataloader()`` returns, directly or through a variable, or it is
        assigned to ``self.<attr>`` in any method and the hook returns ``self.<attr>``.
        A loader picked out of a container (``loaders["val"]``) is not followed."""
        name = attr = None
        parent = self.scopes.parents.get(id(call))
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                name = targets[0].id
            elif (
                len(targets) == 1
                and isinstance(targets[0], ast.Attribute)
                and _is_self_attr(targets[0], targets[0].attr)
            ):
                attr = targets[0].attr
        node: ast.AST = call
        carried, returned = True, False
        while True:
            parent = self.scopes.parents.get(id(node))
            if parent is None or isinstance(parent, (ast.Lambda, ast.ClassDef)):
                return None
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = parent
                break
            if isinstance(parent, ast.Return):
                returned = carried
            elif carried and not _carries(parent, node):
                carried = False
            node = parent
        owner = self.scopes.parents.get(id(function))
        if not isinstance(owner, ast.ClassDef):
            return None
        if attr is not None:
            for method in owner.body:
                role = _ROLE_BY_HOOK.get(getattr(method, "name", ""))
                if role and any(_refers_to(value, attr=attr) for value in _returned_values(method)):
                    return self._use_of(owner, method, role)
            return None
        returns = returned or (
            name is not None and any(_refers_to(value, name=name) for value in _returned_values(function))
        )
        role = _ROLE_BY_HOOK.get(function.name)
        if role is None:
            return fit_graph.hook_via_helper(self, owner, function) if returns else None
        if returns:
            return self._use_of(owner, function, role)
        return None

    def _use_of(self, owner: ast.ClassDef, method: ast.AST, role: str) -> LoaderUse:
        how = f"returned by `{owner.name}.{method.name}()`"  # type: ignore[attr-defined]
        return LoaderUse(role, how, self._name_loc(method, "def"), owner=owner.name)

    def _loaders_passed(self, call: ast.Call, trainers: Dict[int, TrainerSpec], loaders: Dict[int, LoaderSpec]) -> None:
        """``trainer.fit(model, train_loader, val_loader)`` / ``trainer.test(dataloaders=...)``:
        the loaders given to a run method. A keyword is enough (the names are Lightning's
        own); positional arguments count only on a Trainer built in this file."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _LOADER_PARAMS:
            return
        scope = self.scopes.scope_of[id(call)]
        params = _LOADER_PARAMS[func.attr]
        given = [(k.arg, k.value) for k in call.keywords if k.arg in params]
        if self._trainers_of(func.value, scope, trainers) or self._is_trainer_instance(func.value, scope):
            for param, expr in zip(_RUN_POSITIONAL[func.attr], call.args):
                if isinstance(expr, ast.Starred):
                    break
                if param in params:
                    given.append((param, expr))
        for param, expr in given:
            role = params[param]
            how = f"passed to `{self.text(func)}({param}=...)`"
            for loader in self._loaders_in(expr, scope, loaders, 0):
                loader.uses.append(LoaderUse(role, how, self.loc(call)))

    def _loaders_in(self, expr: ast.AST, scope: _Scope, loaders: Dict[int, LoaderSpec], depth: int) -> List[LoaderSpec]:
        """The loader constructions an expression is: the call itself, a name bound once
        to one, or the elements of a list, tuple or dict of them."""
        if depth > _MAX_DEPTH:
            return []
        if isinstance(expr, ast.Call):
            found = loaders.get(id(expr))
            if found is not None:
                return [found]
            return self._through_helper(  # ``make_loader(...)`` of this file
                expr, scope, lambda e, s: self._loaders_in(e, s, loaders, depth + 1)
            )
        if isinstance(expr, (ast.List, ast.Tuple)):
            return [found for e in expr.elts for found in self._loaders_in(e, scope, loaders, depth + 1)]
        if isinstance(expr, ast.Dict):
            return [found for e in expr.values for found in self._loaders_in(e, scope, loaders, depth + 1)]
        if isinstance(expr, ast.IfExp):
            return [found for e in (expr.body, expr.orelse) for found in self._loaders_in(e, scope, loaders, depth + 1)]
        if isinstance(expr, ast.Subscript):
            return fit_graph.loaders_through(self, expr, scope, loaders, depth)
        if isinstance(expr, ast.Name):
            return [
                found
                for value, owner in self._assigned(expr, scope)
                for found in self._loaders_in(value, owner, loaders, depth + 1)
            ]
        return []

    def _run_call(self, call: ast.Call, trainers: Dict[int, TrainerSpec]) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _RUN_METHODS:
            return
        specs = self._trainers_of(func.value, self.scopes.scope_of[id(call)], trainers)
        if not specs:
            return
        scope = self.scopes.scope_of[id(call)]
        args = {k.arg: self._keyword(k, scope, 0) for k in call.keywords if k.arg}
        for name, expr in zip(_RUN_POSITIONAL[func.attr], call.args):
            if isinstance(expr, ast.Starred):
                break
            args.setdefault(
                name, _place(self.value(expr, scope), loc=self.loc(expr), value_loc=self.loc(expr), key_path=name)
            )
        for spec in specs:
            spec.runs.append(RunCall(func.attr, args, self.loc(call)))
            fit_graph.record(self, spec, call, scope)

    def _not_training(self, call: ast.Call, trainers: Dict[int, TrainerSpec]) -> None:
        """A library call that uses the Trainer for something else than training (NeMo's
        ``llm.generate(trainer=...)``, ``trainer.to_fabric()``; model/subclasses.py)."""
        if not trainers:
            return
        scope = self.scopes.scope_of[id(call)]
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in subclass_data.NOT_TRAINING_METHODS:
            owner, why = subclass_data.NOT_TRAINING_METHODS[func.attr]
            for spec in self._trainers_of(func.value, scope, trainers):
                if spec.extras.get("subclass_class") == owner:
                    spec.extras.setdefault("trains", False)
                    spec.extras.setdefault("not_training", why)
            return
        reason = subclass_data.NOT_TRAINING_CALLS.get(self.qualname(func, scope) or "")
        if reason is None:
            return
        for expr in list(call.args) + [k.value for k in call.keywords if k.arg == "trainer"]:
            for spec in self._trainers_of(expr, scope, trainers):
                spec.extras.setdefault("trains", False)
                spec.extras.setdefault("not_training", reason)

    def _trainers_of(
        self, expr: ast.AST, scope: _Scope, trainers: Dict[int, TrainerSpec], depth: int = 0
    ) -> List[TrainerSpec]:
        """The Trainer instances an expression may be: a ``Trainer(...)`` call, a name
        whose reaching assignments are (a re-assignment is another instance), or the
        result of a helper of this file that returns one."""
        if depth > _MAX_DEPTH:
            return []
        if isinstance(expr, ast.Call):
            spec = trainers.get(id(expr))
            if spec is not None:
                return [spec]
            return self._through_helper(expr, scope, lambda e, s: self._trainers_of(e, s, trainers, depth + 1))
        if isinstance(expr, ast.Name):
            return [
                found
                for value, owner in self._assigned(expr, scope)
                for found in self._trainers_of(value, owner, trainers, depth + 1)
            ]
        return []

    def _through_helper(
        self, call: ast.Call, scope: _Scope, follow: Callable[[ast.expr, _Scope], List[Any]]
    ) -> List[Any]:
        """What ``follow`` finds in the ``return``s of the helper of this file that ``call``
        calls (cycles cut)."""
        function = self._local_function(call.func, scope)
        inner = self.scopes.scope_of.get(id(function)) if function is not None else None
        if function is None or inner is None or id(function) in self._following:
            return []
        self._following.add(id(function))
        try:
            return [
                found
                for node in _return_statements(function)
                if node.value is not None
                for found in follow(node.value, inner)
            ]
        finally:
            self._following.discard(id(function))

    def _assigned(self, name: ast.Name, scope: _Scope) -> List[Tuple[ast.expr, _Scope]]:
        """The expressions assigned to a name whose assignments reach this use (one
        binding anywhere, or the reaching ones in the same scope), with their scope."""
        owner, bindings = self.lookup(name.id, scope)
        if owner is None or not bindings:
            return []
        if len(bindings) > 1:
            reached = self._reaching(name, owner, bindings) if owner is scope else None
            bindings = [b for b, _ in reached] if reached else []
        return [(b.value, owner) for b in bindings if b.kind == "assign" and b.value is not None]

    def _trainer_uses(self, call: ast.Call, trainers: Dict[int, TrainerSpec]) -> None:
        """A Trainer handed to a call: tuned (``Tuner(trainer)``), attached to a model
        (``model.set_trainer(trainer)``, ``Model(cfg, trainer=trainer)``,
        ``restore_from(..., trainer=trainer)``), given to a helper of this file that calls
        ``fit`` on it (a training run), or to code the linter cannot follow."""
        scope = self.scopes.scope_of[id(call)]
        given = [(None, arg) for arg in call.args] + [(k.arg, k.value) for k in call.keywords]
        for keyword, expr in given:
            if isinstance(expr, ast.Starred) or not isinstance(expr, (ast.Name, ast.Call)):
                continue
            specs = self._trainers_of(expr, scope, trainers)
            if not specs:
                continue
            callee = self.text(call.func, limit=40)
            qualname = self.qualname(call.func, scope) or ""
            function = self._local_function(call.func, scope)
            if function is not None and self._fits_parameter(function, call, expr):
                run = RunCall("fit", {}, self.loc(call))
                for spec in specs:
                    spec.runs.append(run)
                continue
            if qualname.rsplit(".", 1)[-1] == "Tuner":
                use = TrainerUse("tune", f"tuned by `{callee}(...)`", self.loc(call))
            elif isinstance(call.func, ast.Attribute) and call.func.attr == "set_trainer":
                use = TrainerUse("attach", f"attached to a model by `{callee}(...)`", self.loc(call))
            elif keyword == "trainer" and function is None:
                use = TrainerUse("attach", f"given to `{callee}(trainer=...)`", self.loc(call))
            else:
                position = next((str(i) for i, arg in enumerate(call.args) if arg is expr), "")
                use = TrainerUse(
                    "escapes", f"handed to `{callee}(...)`", self.loc(call), callee=qualname, param=keyword or position
                )
            for spec in specs:
                spec.uses.append(use)

    def _fits_parameter(self, function: ast.FunctionDef, call: ast.Call, expr: ast.AST) -> bool:
        """Whether the helper ``function`` calls ``fit`` on the parameter ``expr`` is given to."""
        args = function.args
        names = [a.arg for a in args.posonlyargs + args.args]
        param: Optional[str] = None
        for index, arg in enumerate(call.args):
            if arg is expr and index < len(names):
                param = names[index]
        for keyword in call.keywords:
            if keyword.value is expr:
                param = keyword.arg
        if param is None:
            return False
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "fit"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == param
            ):
                return True
        return False

    def _trainer_escapes(self, trainers: Dict[int, TrainerSpec]) -> None:
        """A Trainer returned from a function, or stored on an object, may be used for
        anything where it goes."""
        for node_id, spec in trainers.items():
            parent = self.scopes.parents.get(node_id)
            if isinstance(parent, ast.Return):
                spec.uses.append(TrainerUse("escapes", "returned", spec.extras["call_loc"]))
                self._returned_from(spec, self.scopes.scope_of[node_id])
            elif isinstance(parent, (ast.Assign, ast.AnnAssign)):
                targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
                if any(not isinstance(t, ast.Name) for t in targets):
                    spec.uses.append(TrainerUse("escapes", "stored on an object", spec.extras["call_loc"]))
                else:
                    self._name_escapes(spec, targets[0], self.scopes.scope_of[node_id])  # type: ignore[arg-type]

    def _name_escapes(self, spec: TrainerSpec, target: ast.Name, scope: _Scope) -> None:
        """``trainer = Trainer(...)`` in a function that ends ``return trainer``."""
        if not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        for node in _return_statements(scope.node):
            if isinstance(node.value, ast.Name) and node.value.id == target.id:
                spec.uses.append(TrainerUse("escapes", "returned", self.loc(node)))
                self._returned_from(spec, scope)
                return

    def _returned_from(self, spec: TrainerSpec, scope: _Scope) -> None:
        """A module-level function returns this Trainer: callers in other modules may fit it
        (the project facts say, see ``model/facts.py``)."""
        if isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.parent is self.scopes.module:
            spec.extras["returned_from"] = scope.node.name

    def _fit_facts(self) -> None:
        """What other modules need to know about ``fit`` here: the module's functions that
        call ``fit`` on a parameter (``def train(trainer, model): trainer.fit(model)``),
        and the imported functions whose result is fit (``build_trainer(cfg).fit(model)``)."""
        fits_parameters: Dict[str, List[str]] = {}
        for call in self.scopes.calls:
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "fit" and isinstance(func.value, ast.Name)):
                continue
            scope = self.scopes.scope_of[id(call)]
            function = scope.node
            if not isinstance(function, ast.FunctionDef) or scope.parent is not self.scopes.module:
                continue
            args = function.args
            if func.value.id in [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]:
                params = fits_parameters.setdefault(function.name, [])
                position = (
                    [a.arg for a in args.posonlyargs + args.args].index(func.value.id)
                    if any(a.arg == func.value.id for a in args.posonlyargs + args.args)
                    else None
                )
                params.extend([func.value.id] + ([str(position)] if position is not None else []))
        fitted_calls: Set[str] = set()
        for call in self.scopes.calls:
            func = call.func
            if not isinstance(func, ast.Attribute) or func.attr != "fit":
                continue
            scope = self.scopes.scope_of[id(call)]
            for made in self._calls_behind(func.value, scope):
                qualname = self.qualname(made.func, scope)
                if (
                    qualname
                    and not self._local_function(made.func, scope)
                    and not lightning_api.canonical_symbol(qualname)
                ):
                    fitted_calls.add(qualname)
        if fits_parameters:
            self.extraction.facts["fits_parameters"] = fits_parameters
        if fitted_calls:
            self.extraction.facts["fitted_calls"] = sorted(fitted_calls)

    def _calls_behind(self, expr: ast.AST, scope: _Scope) -> List[ast.Call]:
        """The calls whose result an expression is: the call itself, or what the name's
        reaching assignments call."""
        if isinstance(expr, ast.Call):
            return [expr]
        if not isinstance(expr, ast.Name):
            return []
        return [value for value, _ in self._assigned(expr, scope) if isinstance(value, ast.Call)]

    def _api_use(self, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        scope = self.scopes.scope_of[id(call)]
        if func.attr in _REMOVED_CLASSMETHODS and self.symbol(func.value, scope) == "Trainer":
            self.extraction.api_uses.append(ApiUse(f"Trainer.{func.attr}", self.loc(func)))
        elif func.attr == "tune" and self._is_trainer_instance(func.value, scope):
            self.extraction.api_uses.append(ApiUse("Trainer.tune", self.loc(func)))

    def _is_trainer_instance(self, expr: ast.AST, scope: _Scope) -> bool:
        if isinstance(expr, ast.Name):
            owner, bindings = self.lookup(expr.id, scope)
            if len(bindings) != 1 or not isinstance(bindings[0].value, ast.Call):
                return False
            expr, scope = bindings[0].value, owner or scope
        return isinstance(expr, ast.Call) and self.symbol(expr.func, scope) == "Trainer"

    def _class(self, node: ast.ClassDef) -> ClassSpec:
        scope = self.scopes.scope_of[id(node)]
        bases = tuple(self.qualname(base, scope) or f"?{self.text(base)}" for base in node.bases)
        spec = ClassSpec(name=node.name, loc=self._name_loc(node, "class"), bases=bases)
        spec.stream = streams.classify_class(node, self._itertools_names)
        for base in bases:
            symbol = lightning_api.canonical_symbol(base) if base else None
            if symbol in ("LightningModule", "LightningDataModule", "Callback"):
                spec.lightning_base = symbol
        if spec.lightning_base in (None, "Callback") and any(
            subclass_data.lightning_symbol(base)
            or base in subclass_data.LIBRARY_SUBCLASSES
            or base.startswith("<local>.")
            or subclass_reader.may_be_project_class(base)
            for base in bases
            if not base.startswith("?")
        ):
            spec.init = self._init_info(node)  # the project's class index (model/subclasses.py)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spec.methods[stmt.name] = self._name_loc(
                    stmt, "async def" if isinstance(stmt, ast.AsyncFunctionDef) else "def"
                )
                if stmt.name == "automatic_optimization" and _returns_false(stmt):
                    spec.manual_optimization = self.loc(stmt)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == "automatic_optimization" for t in targets) and _is_false(
                    stmt.value
                ):
                    spec.manual_optimization = self.loc(stmt)
        for inner in self.scopes.logging_nodes.get(id(node), ()):
            self._class_statement(inner, spec)
        return spec

    def _class_statement(self, node: ast.AST, spec: ClassSpec) -> None:
        if (
            isinstance(node, ast.Assign)
            and _is_false(node.value)
            and any(_is_self_attr(t, "automatic_optimization") for t in node.targets)
        ):
            spec.manual_optimization = spec.manual_optimization or self.loc(node)
        if not isinstance(node, ast.Call) or not _logs_metric(node.func):
            return
        scope = self.scopes.scope_of.get(id(node), self.scopes.module)
        method = node.func.attr  # type: ignore[attr-defined]
        if method == "log":
            name_expr = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
            name = self.value(name_expr, scope) if name_expr is not None else None
            if name is not None and name.is_str():
                spec.logged_metrics.setdefault(name.data, self.loc(node))
            else:
                spec.dynamic_logging = spec.dynamic_logging or self.loc(node)
        else:
            dict_expr = (
                node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dictionary"), None)
            )
            values = self.value(dict_expr, scope) if dict_expr is not None else None
            if values is not None and values.is_dict():
                for key in values.data:
                    spec.logged_metrics.setdefault(key, self.loc(node))
            else:
                spec.dynamic_logging = spec.dynamic_logging or self.loc(node)

    def _resolve_local_bases(self) -> None:
        """A class deriving from a LightningModule defined in the same file is one too."""
        by_name = {spec.name: spec for spec in self.extraction.classes}
        changed = True
        while changed:
            changed = False
            for spec in self.extraction.classes:
                if spec.lightning_base:
                    continue
                for base in spec.bases:
                    parent = by_name.get(base.split(".", 1)[1]) if base.startswith("<local>.") else None
                    if parent is not None and parent is not spec and parent.lightning_base:
                        spec.lightning_base = parent.lightning_base
                        changed = True
                        break

    def _name_loc(self, node: ast.AST, keyword: str) -> Loc:
        """The span of the name in ``def name`` / ``class name``."""
        line = node.lineno  # type: ignore[attr-defined]
        name = node.name  # type: ignore[attr-defined]
        text = self.source.line(line)
        col = text.find(name, utf8_col_to_char(text, node.col_offset))  # type: ignore[attr-defined]
        if col < 0:
            return self.loc(node)
        return Loc(self.path, Span(line, col + 1, line, col + 1 + len(name)))


_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
}


# The positional parameters of the Trainer's run methods (trainer.py, 2.6).
_RUN_POSITIONAL = {
    "fit": ("model", "train_dataloaders", "val_dataloaders", "datamodule", "ckpt_path"),
    "validate": ("model", "dataloaders", "ckpt_path", "verbose", "datamodule"),
    "test": ("model", "dataloaders", "ckpt_path", "verbose", "datamodule"),
    "predict": ("model", "dataloaders", "datamodule", "return_predictions", "ckpt_path"),
    "tune": ("model", "train_dataloaders", "val_dataloaders", "datamodule"),
}


def _place(value: Value, **where) -> Value:
    """The same value with the location of the key it is given under."""
    return dataclasses.replace(value, **where)


def _join(first: Span, last: Span) -> Span:
    return Span(first.start_line, first.start_col, last.end_line, last.end_col)


def _is_false(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _returns_false(func: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    return any(isinstance(stmt, ast.Return) and _is_false(stmt.value) for stmt in func.body)


def _logs_metric(func: ast.AST) -> bool:
    """``self.log(...)``/``self.log_dict(...)``, or a callback hook's ``pl_module.log(...)``
    (Lightning's name for the module a callback is given): a metric in ``callback_metrics``."""
    return _is_self_attr(func, ("log", "log_dict")) or (
        isinstance(func, ast.Attribute)
        and func.attr in ("log", "log_dict")
        and isinstance(func.value, ast.Name)
        and func.value.id == "pl_module"
    )


def _is_self_attr(node: ast.AST, names) -> bool:
    if isinstance(names, str):
        names = (names,)
    return (
        isinstance(node, ast.Attribute)
        and node.attr in names
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _returned_values(function: ast.AST) -> Iterable[ast.AST]:
    """The expressions a function returns (not those of functions nested in it)."""
    stack = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value
            continue
        stack.extend(ast.iter_child_nodes(node))


def _target_params_call(config: Value) -> Optional[Call]:
    """``instantiate_from_config({"target": "a.B", "params": {...}})`` builds ``a.B(**params)``."""
    if not config.is_dict():
        return None
    target, params = config.data.get("target"), config.data.get("params")
    if target is None or not target.known or not isinstance(target.data, str):
        return None
    if params is None:
        return Call(target.data, {})
    if params.is_dict():
        return Call(target.data, dict(params.data))
    return Call(target.data, {}, (), params.reason or "`params` is only known at run time")


def _callback_items(value: Value) -> Optional[List[Tuple[Value, bool]]]:
    """The callbacks a ``callbacks=`` value lists, each with whether it is there only on
    some paths (``[ckpt, evaluator] if args.online_ft else [ckpt]``); None when the list
    cannot be read."""
    if value.is_none():
        return []
    if value.is_call():
        return [(value, False)]
    if value.is_list():
        return [(item, False) for item in value.data]
    if not value.candidates:
        return None
    arms = [_callback_items(c.value) if not c.value.unknown else None for c in value.candidates]
    if any(arm is None for arm in arms):
        return None
    seen: Dict[int, Tuple[Value, int]] = {}
    for arm in arms:
        for item, _ in arm or []:
            key = id(item.data) if item.known else id(item)
            seen[key] = (seen[key][0], seen[key][1] + 1) if key in seen else (item, 1)
    return [(item, count < len(arms)) for item, count in seen.values()]


_RETURNS: Dict[int, Tuple[ast.AST, List[ast.Return]]] = {}


def _return_statements(function: ast.AST) -> List[ast.Return]:
    """The ``return`` statements of a function (not of functions nested in it), in order
    (remembered for the tree being extracted: helpers are asked about many times; the
    scope builder records them as it visits each function)."""
    cached = _RETURNS.get(id(function))
    if cached is not None and cached[0] is function:
        return cached[1]
    if len(_RETURNS) > 4096:
        _RETURNS.clear()
    found = _find_returns(function)
    _RETURNS[id(function)] = (function, found)
    return found


def _find_returns(function: ast.AST) -> List[ast.Return]:
    found: List[ast.Return] = []
    stack = list(reversed(getattr(function, "body", [])))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            found.append(node)
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _carries(parent: ast.AST, child: ast.AST) -> bool:
    """Whether ``parent`` hands ``child``'s value on unchanged: as an element of a list,
    tuple or dict, an argument of a call (``CombinedLoader(...)``), a branch of ``x if c
    else y``. A subscript, attribute or operation makes something else of it."""
    if isinstance(parent, (ast.List, ast.Tuple, ast.Set, ast.Starred, ast.keyword)):
        return True
    if isinstance(parent, ast.Dict):
        return any(child is value for value in parent.values)
    if isinstance(parent, ast.Call):
        return child is not parent.func
    if isinstance(parent, ast.IfExp):
        return child is not parent.test
    return False


def _refers_to(expr: ast.AST, name: Optional[str] = None, attr: Optional[str] = None) -> bool:
    """Whether the value ``expr`` hands on (see ``_carries``) is the variable ``name`` or
    ``self.<attr>``."""
    if name is not None and isinstance(expr, ast.Name) and expr.id == name:
        return True
    if attr is not None and _is_self_attr(expr, attr):
        return True
    return any(_carries(expr, child) and _refers_to(child, name, attr) for child in ast.iter_child_nodes(expr))


def _role_from_name(name: str) -> Optional[str]:
    lowered = name.lower()
    for needle, role in (
        ("train", "train"),
        ("valid", "val"),
        ("val", "val"),
        ("eval", "val"),
        ("test", "test"),
        ("pred", "predict"),
    ):
        if needle in lowered:
            return role
    return None


def _apply_subclass(spec: TrainerSpec, resolved: Any, mapped: subclass_data.Mapped, description: str) -> None:
    spec.open_reason = spec.open_reason or mapped.open_reason
    spec.defaults.update(mapped.defaults)
    spec.description = description
    spec.extras["subclass"] = resolved.describe()
    spec.extras["subclass_class"] = resolved.chain[0].qualname if resolved.chain else ""
    spec.extras["own_args"] = mapped.own


# what the extractor asks the project: the classes of a called name (see model/subclasses.py)
ClassLookup = Callable[[str], List[subclass_data.InitInfo]]


def extract(
    tree: ast.Module,
    source: SourceFile,
    modules: Optional[ModuleFinder] = None,
    classes: Optional[ClassLookup] = None,
    origin: Optional[str] = None,
) -> Extraction:
    """The Lightning configuration a parsed module contains. ``modules`` finds the
    project modules whose helpers the file calls (None: the file alone); ``classes``
    finds the project's classes of a name (for subclasses of Lightning classes in other
    modules); ``origin`` is the file's path on disk (YAML files it loads are read relative
    to it)."""
    _RETURNS.clear()  # remembered per extraction only
    try:
        return _Extractor(tree, source, modules, classes=classes, origin=origin).run()
    finally:
        _RETURNS.clear()


# -- parsing -----------------------------------------------------------------------

# SyntaxErrors that come from CPython's own limits, the same in every newer Python: such a
# file is not "newer syntax", and libcst (which has no such limits) need not be asked.
_CPYTHON_LIMITS = (
    "too many nested parentheses",
    "too many levels of indentation",
    "Exceeds the limit",
    "too many statically nested blocks",
    "too complex",
    "nested too deeply",
)
# Bounds on what the libcst probe may be given: its parser recurses natively (deep nesting
# crashes the process) and slows down sharply on long operator chains.
_PROBE_MAX_BRACKETS = 200  # CPython's own limit on nested brackets
_PROBE_MAX_INDENT = 100  # CPython's own limit on indentation levels
_PROBE_MAX_OPERATORS = 500  # operators in one logical line


def parse_python(source: SourceFile) -> "ast.Module":
    try:
        return parse_ast(source.text, filename=source.path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max(1, exc.offset or 1)
        if not any(limit in (exc.msg or "") for limit in _CPYTHON_LIMITS) and _parses_with_libcst(source.text):
            raise ParseFailure(
                f"uses syntax newer than the Python running lightning-lint "
                f"({sys.version_info.major}.{sys.version_info.minor}); skipped",
                line,
                col,
                newer_syntax=True,
            ) from None
        raise ParseFailure(f"SyntaxError: {exc.msg}", line, col) from None
    except (RecursionError, MemoryError):
        raise ParseFailure("the file is too deeply nested to parse", environmental=True) from None
    except ValueError as exc:
        raise ParseFailure(f"cannot be parsed: {exc}") from None


def _parses_with_libcst(text: str) -> bool:
    """libcst parses every Python 3 grammar version, whatever Python runs it: a file it
    accepts is valid Python for a newer interpreter, not a syntax error. Files nested
    deeper than any CPython accepts are not given to it (see ``_safe_to_probe``)."""
    if not _safe_to_probe(text):
        return False
    try:
        import libcst

        libcst.parse_module(text)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not valid Python 3"
        return False


def _safe_to_probe(text: str) -> bool:
    """Whether ``text`` is shallow enough for libcst's parser: bracket and indentation
    depth within CPython's limits, and no logical line with hundreds of operators
    (each may add a level of nesting)."""
    return shallow(text, _PROBE_MAX_BRACKETS, _PROBE_MAX_INDENT, _PROBE_MAX_OPERATORS)


def extract_source(
    source: SourceFile,
    modules: Optional[ModuleFinder] = None,
    classes: Optional[ClassLookup] = None,
    origin: Optional[str] = None,
) -> Extraction:
    """Parse and extract a Python file; raises ParseFailure."""
    tree = parse_python(source)
    try:
        return extract(tree, source, modules, classes, origin)
    except RecursionError:  # ``ast`` accepts nesting deeper than a recursive walk can follow
        raise ParseFailure("the file is too deeply nested to parse", environmental=True) from None
