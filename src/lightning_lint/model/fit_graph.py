"""Following a fit graph through the project: which loaders a Trainer trains on, whether
its ``fit`` validates, and which metrics its model logs.

The extractor records what one ``fit`` call receives (``spec.FitGraph``: class names,
loaders passed directly). The classes are defined anywhere in the project: this module
resolves them against ``ProjectFacts.classes`` (matched by the last part of the name, the
candidate in the module the name points at preferred), walks their bases in the order
Python's MRO visits them for the usual shapes (depth first, left to right), and says why
when something cannot be followed: a base that is not defined in the project (it may
define the hook), two classes of the same name, a hook whose loader is built elsewhere.

When the graph cannot be followed, a rule may fall back to the loaders that the linted
file can reach: those built in the file itself or in the project modules it imports
(``reachable``), never a loader of another entry point.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from lightning_lint.model import lightning_api
from lightning_lint.model.facts import ClassFacts, ProjectFacts
from lightning_lint.model.spec import FitGraph, Loc

_MAX_BASES = 64  # classes visited in one hierarchy
# Bases from libraries that define no Lightning hook and log nothing: a hierarchy that
# reaches them is still complete.
_HARMLESS_ROOTS = frozenset(
    {"object", "torch", "abc", "typing", "typing_extensions", "collections", "enum", "dataclasses", "builtins"}
)
_HARMLESS_NAMES = frozenset({"object", "ABC", "Generic", "Protocol", "Module", "nn.Module"})

PLAIN = "DataLoader"


@dataclass
class Hierarchy:
    """A class and its bases in the project, in lookup order; ``reason`` says why the
    list may be incomplete (None: every base is known)."""

    classes: List[ClassFacts] = field(default_factory=list)
    reason: Optional[str] = None

    def first_with(self, hook: str) -> Optional[ClassFacts]:
        return next((cls for cls in self.classes if hook in cls.hooks), None)

    def defines(self, hook: str) -> Optional[bool]:
        """True when a class of the hierarchy defines ``hook``, False when none does and
        the hierarchy is complete, None when a base that is not seen may define it."""
        if self.first_with(hook) is not None:
            return True
        return None if self.reason else False


@dataclass
class Loaders:
    """The loaders one loop of a fit receives: ``found`` (kind, where built) and in
    words where they come from; ``reason`` when they cannot be known; ``defined`` is
    False when provably none is given (no hook, nothing passed)."""

    found: List[Tuple[str, Loc]] = field(default_factory=list)
    how: str = ""
    reason: Optional[str] = None
    defined: Optional[bool] = None

    @property
    def resumable(self) -> Optional[bool]:
        """Whether every training loader found keeps its position (None: unknown)."""
        if self.reason or not self.found:
            return None
        return all(kind in lightning_api.STATEFUL_LOADERS for kind, _ in self.found)


def _short(dotted: str) -> str:
    name = dotted.lstrip("?").split("[", 1)[0]
    return name.rsplit(".", 1)[-1]


def _abs(path: str, facts: ProjectFacts) -> str:
    if facts.root is not None and not os.path.isabs(path):
        return os.path.normpath(os.path.join(str(facts.root), path))
    return os.path.abspath(path)


def _module_suffixes(path: str) -> List[str]:
    """The dotted module names a file may be imported as: ``a/b/c.py`` gives ``a.b.c``,
    ``b.c`` and ``c``."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.replace(os.sep, "/").split("/") if p and p != "."]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts))]


def _is_harmless(dotted: str) -> bool:
    name = dotted.lstrip("?")
    if name in _HARMLESS_NAMES or _short(name) in ("object", "Generic", "Protocol", "ABC"):
        return True
    return name.split(".", 1)[0] in _HARMLESS_ROOTS


_LIGHTNING_MIXINS = frozenset({"HyperparametersMixin", "ModelHooks", "DataHooks", "CheckpointHooks"})


def _is_lightning(dotted: str) -> bool:
    """A base of Lightning's own (LightningModule, a callback, a hook mixin) defines no
    loader of the user's. Lightning's demo classes (``BoringModel``) do: they are not
    this."""
    name = dotted.lstrip("?")
    if lightning_api.canonical_symbol(name) is not None:
        return True
    root = name.split(".", 1)[0]
    return root in ("lightning", "pytorch_lightning") and _short(name) in _LIGHTNING_MIXINS


def resolve_class(
    dotted: str, facts: ProjectFacts, origin: Optional[str] = None, defined_at: Optional[Loc] = None
) -> Tuple[Optional[ClassFacts], Optional[str]]:
    """The project class a name refers to, or why it cannot be told. ``origin`` is the
    file that names it (a ``<local>.`` name is defined there); ``defined_at`` is where
    the extractor saw the very ``class`` statement (several classes of one name in a file)."""
    name = _short(dotted)
    candidates = facts.classes.get(name, [])
    if not candidates:
        return None, f"`{name}` is not a class defined in the project"
    if len(candidates) == 1:
        return candidates[0], None
    chosen: Sequence[ClassFacts] = ()
    if defined_at is not None:
        here = _abs(defined_at.path, facts)
        line = defined_at.span.start_line
        chosen = [c for c in candidates if c.loc.span.start_line == line and _abs(c.loc.path, facts) == here]
        if len(chosen) == 1:
            return chosen[0], None
    if dotted.startswith(".") and origin is not None:  # ``from .models import Net``
        stripped = dotted.lstrip(".")
        base = os.path.dirname(_abs(origin, facts))
        for _ in range(len(dotted) - len(stripped) - 1):
            base = os.path.dirname(base)
        module = os.path.join(base, *stripped.split(".")[:-1])
        chosen = [
            c for c in candidates if _abs(c.loc.path, facts) in (module + ".py", os.path.join(module, "__init__.py"))
        ]
    elif dotted.startswith("<local>.") and origin is not None:
        here = _abs(origin, facts)
        chosen = [c for c in candidates if _abs(c.loc.path, facts) == here]
    elif "." in dotted.lstrip("?"):
        module = dotted.lstrip("?").rsplit(".", 1)[0].lstrip(".")  # ``.models.Net``: a relative import
        chosen = [c for c in candidates if module in _module_suffixes(c.loc.path)]
    if len(chosen) == 1:
        return chosen[0], None
    return None, f"{len(candidates)} classes of the project are named `{name}`"


def hierarchy(
    dotted: str, facts: ProjectFacts, origin: Optional[str] = None, defined_at: Optional[Loc] = None
) -> Hierarchy:
    """The class and its project bases, depth first and left to right."""
    result = Hierarchy()
    top, reason = resolve_class(dotted, facts, origin, defined_at)
    if top is None:
        result.reason = reason
        return result
    seen = set()
    stack: List[ClassFacts] = [top]
    while stack and len(result.classes) < _MAX_BASES:
        cls = stack.pop()
        if id(cls) in seen:
            continue
        seen.add(id(cls))
        result.classes.append(cls)
        found: List[ClassFacts] = []
        for base in cls.bases:
            if _is_lightning(base) or _is_harmless(base):
                continue
            parent, why = resolve_class(base, facts, cls.loc.path)
            if parent is None:
                result.reason = result.reason or f"the base class `{base.lstrip('?')}` of `{cls.name}`: {why}"
                continue
            found.append(parent)
        stack.extend(reversed(found))
    return result


def loaders_of(
    dotted: str, role: str, facts: ProjectFacts, origin: Optional[str] = None, defined_at: Optional[Loc] = None
) -> Loaders:
    """The loaders the ``<role>_dataloader`` hook of a class (or of a base) returns."""
    hook = f"{role}_dataloader"
    classes = hierarchy(dotted, facts, origin, defined_at)
    owner = classes.first_with(hook)
    if owner is None:
        if classes.reason:
            return Loaders(reason=classes.reason)
        return Loaders(defined=False, how=f"`{_short(dotted)}` defines no `{hook}()`")
    found = [(kind, loc) for r, kind, loc in owner.loaders if r == role]
    how = f"returned by `{owner.name}.{hook}()`"
    if not found:
        return Loaders(reason=f"`{owner.name}.{hook}()` returns a loader built where it cannot be followed")
    return Loaders(found=found, how=how, defined=True)


def train_loaders_of(class_name: str, facts: ProjectFacts) -> Tuple[List[Tuple[str, Loc]], Optional[str]]:
    """The training loaders (kind, where built) a class's ``train_dataloader()`` returns,
    through its bases; the reason when they cannot be told."""
    loaders = loaders_of(class_name, "train", facts)
    return loaders.found, loaders.reason


def logged_metrics_of(
    class_name: str, facts: ProjectFacts, origin: Optional[str] = None, defined_at: Optional[Loc] = None
) -> Tuple[Dict[str, Loc], Optional[str]]:
    """The metric names a class and its bases log with ``self.log``/``self.log_dict``;
    the reason when the list may be incomplete (a base not seen, a dynamic name)."""
    classes = hierarchy(class_name, facts, origin, defined_at)
    logged: Dict[str, Loc] = {}
    for cls in classes.classes:
        for name, loc in cls.metrics:
            logged.setdefault(name, loc)
        if cls.dynamic_logging is not None and not classes.reason:
            where = cls.dynamic_logging
            classes.reason = f"`{cls.name}` logs a name computed at run time ({where.path}:{where.span.start_line})"
    return logged, classes.reason


def fit_loaders(graph: FitGraph, role: str, facts: ProjectFacts) -> Loaders:
    """The loaders a fit gives one loop (``train`` or ``val``): passed to ``fit``, else
    returned by the DataModule's hook, else by the LightningModule's."""
    given = graph.train_given if role == "train" else graph.val_given
    passed = graph.train_loaders if role == "train" else graph.val_loaders
    if given:
        if passed and not graph.unresolved_reason:
            found = [(ref.kind, ref.loc) for ref in passed]
            return Loaders(found=found, how=f"passed to `fit` at line {graph.loc.span.start_line}", defined=True)
        return Loaders(reason=graph.unresolved_reason or f"the {role} loaders passed to `fit` cannot be followed")
    sources = [
        (c, at) for c, at in ((graph.datamodule_class, graph.datamodule_loc), (graph.model_class, graph.model_loc)) if c
    ]
    if not sources:
        return Loaders(reason=graph.unresolved_reason or "the model given to `fit` is not known")
    for dotted, at in sources:
        loaders = loaders_of(dotted, role, facts, graph.loc.path, at)
        if loaders.defined is not False:
            return loaders
    if graph.unresolved_reason:  # the model may define the hook
        return Loaders(reason=graph.unresolved_reason)
    return Loaders(defined=False, how=f"no `{role}_dataloader()` is defined and none is passed to `fit`")


def fit_validates(graph: FitGraph, facts: ProjectFacts) -> Optional[bool]:
    """False when the fit provably runs no validation loop (no validation loader, or a
    model without ``validation_step``); True when it has both; None when unknown."""
    if graph.model_class is None:
        return None
    steps = hierarchy(graph.model_class, facts, graph.loc.path, graph.model_loc).defines("validation_step")
    if steps is False and not graph.unresolved_reason:
        return False
    loaders = fit_loaders(graph, "val", facts)
    if loaders.defined is False:
        return False
    if steps and loaders.defined:
        return True
    return None


def class_loc(
    dotted: Optional[str], facts: ProjectFacts, origin: Optional[str] = None, defined_at: Optional[Loc] = None
) -> Optional[Loc]:
    if not dotted:
        return None
    cls, _ = resolve_class(dotted, facts, origin, defined_at)
    return cls.loc if cls is not None else None


def where(loc: Loc) -> str:
    return f"{loc.path}:{loc.span.start_line}"


def describe(graph: FitGraph, facts: ProjectFacts) -> str:
    """The graph in one line: "fits Net (model.py:5) with DigitsDataModule (data.py:10);
    train loader data.py:23, plain DataLoader, not resumable"."""
    parts = []
    model = graph.model_class
    if model:
        loc = class_loc(model, facts, graph.loc.path, graph.model_loc)
        parts.append(f"fits {_short(model)}" + (f" ({where(loc)})" if loc else " (not found in the project)"))
    else:
        parts.append("fits an unknown model")
    if graph.datamodule_class:
        loc = class_loc(graph.datamodule_class, facts, graph.loc.path, graph.datamodule_loc)
        parts.append(
            f"with {_short(graph.datamodule_class)}" + (f" ({where(loc)})" if loc else " (not found in the project)")
        )
    text = " ".join(parts)
    loaders = fit_loaders(graph, "train", facts)
    if loaders.found:
        descriptions = []
        for kind, loc in loaders.found:
            resumable = kind in lightning_api.STATEFUL_LOADERS
            label = "plain DataLoader" if kind == PLAIN else kind
            descriptions.append(f"{where(loc)}, {label}, {'resumable' if resumable else 'not resumable'}")
        noun = "train loader" if len(descriptions) == 1 else "train loaders"
        text += f"; {noun} " + "; ".join(descriptions)
    elif loaders.defined is False:
        text += "; no train loader"
    else:
        text += f"; train loader unknown ({loaders.reason})"
    return text


# -- the fallback: loaders the linted file can reach ------------------------------------------


def reachable(loc: Loc, origin: str, imports: Iterable[Tuple[int, str]], facts: ProjectFacts) -> bool:
    """Whether a loader built at ``loc`` (a project-relative path) is in the file
    ``origin`` or in a project module that file imports: ``imports`` holds (level,
    dotted name) pairs, level > 0 for relative imports. A module is found from the
    importing file's folder or one of its parents (where Python's path would start)."""
    target = _abs(loc.path, facts)
    if target == os.path.abspath(origin):
        return True
    stem = target[:-3] if target.endswith(".py") else target
    if stem.endswith(os.sep + "__init__"):
        stem = stem[: -len(os.sep + "__init__")]
    root = str(facts.root) if facts.root is not None else None
    return stem in _imported_prefixes(os.path.abspath(origin), tuple(imports), root)


@lru_cache(maxsize=64)
def _imported_prefixes(here: str, imports: Tuple[Tuple[int, str], ...], root: Optional[str]) -> FrozenSet[str]:
    """Every path an import of ``here`` may name, with each of its parent paths: a
    module file ``stem`` is loaded by an import of ``imported`` when ``imported`` is
    ``stem`` or a name inside it (``stem/...``). Computed once per file: the rules ask
    about every loader of the project."""
    folder = os.path.dirname(here)
    named: List[str] = []
    for level, dotted in imports:
        if level > 0:
            base = folder
            for _ in range(level - 1):
                base = os.path.dirname(base)
            named.append(os.path.join(base, *dotted.split(".")) if dotted else base)
            continue
        ancestor = folder
        while True:
            for start in (ancestor, os.path.join(ancestor, "src")):  # a script beside a src/ layout
                named.append(os.path.join(start, *dotted.split(".")))
            parent = os.path.dirname(ancestor)
            if parent == ancestor or (root is not None and not parent.startswith(root)):
                break
            ancestor = parent
    prefixes: Set[str] = set()
    for path in named:
        while path not in prefixes:
            prefixes.add(path)
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    return frozenset(prefixes)


# -- the training loader of one Trainer, for the rules ----------------------------------------


@dataclass
class TrainingLoader:
    """What a rule may say about the loader a Trainer trains on: ``resumable`` (None:
    nothing can be said), the words that cite it, where it is, and ``note``: empty when
    the fit graph gave it, else how the fallback judged."""

    resumable: Optional[bool]
    cite: str = ""
    related: List[Loc] = field(default_factory=list)
    note: str = ""


def _cite(locs: Sequence[Loc], how: str = "") -> str:
    more = len(locs) - 1
    text = where(locs[0]) + (f" and {more} more" if more > 0 else "")
    return f"{text}, {how}" if how else text


def training_loader(
    graph: Optional[FitGraph],
    facts: ProjectFacts,
    origin: str,
    imports: Iterable[Tuple[int, str]],
    python: bool = True,
    missing: str = "no `fit` call is visible for this Trainer",
) -> TrainingLoader:
    """The loader a Trainer trains on, from its fit graph; when the graph cannot be
    followed, from the loaders the file can reach (a Python file: its own and those of
    the project modules it imports; a config: the project's), saying so."""
    reason = missing
    if graph is not None:
        loaders = fit_loaders(graph, "train", facts)
        if loaders.found and not loaders.reason:
            kinds = {kind for kind, _ in loaders.found}
            if kinds <= lightning_api.STATEFUL_LOADERS:
                return TrainingLoader(True, cite=_cite([loc for _, loc in loaders.found], loaders.how))
            plain = [loc for kind, loc in loaders.found if kind == PLAIN]
            if kinds == {PLAIN}:
                return TrainingLoader(False, cite=_cite(plain, loaders.how), related=plain[:1])
            return TrainingLoader(None)
        if loaders.defined is False:
            return TrainingLoader(None)  # no training loader at all: Lightning raises before training
        reason = loaders.reason or reason
    if not python:
        resumable = facts.loaders_resumable
        if resumable is False:
            return TrainingLoader(
                False,
                cite=facts.describe_plain_loader(),
                related=facts.train_plain_loaders[:1],
                note=f" (judged by the project's loaders: {reason})",
            )
        return TrainingLoader(resumable)
    imports = list(imports)
    if any(reachable(loc, origin, imports, facts) for _, loc in facts.stateful_loaders):
        return TrainingLoader(True)
    plain = [loc for loc in facts.train_plain_loaders if reachable(loc, origin, imports, facts)]
    if not plain:
        return TrainingLoader(None)
    return TrainingLoader(
        False,
        cite=_cite(plain),
        related=plain[:1],
        note=f" (the fit graph cannot be followed: {reason}; judged by the loaders built in this file "
        "and the modules it imports)",
    )


def logged_outside_models(facts: ProjectFacts, exclude: Iterable[str] = ()) -> Tuple[Dict[str, Loc], Optional[Loc]]:
    """What classes other than the LightningModules and DataModules of the project log
    (callbacks, helpers, mixins outside ``exclude``): they may log into any model's
    metrics. The second item is where one of them logs a name computed at run time."""
    skip = set(exclude)
    logged: Dict[str, Loc] = {}
    dynamic: Optional[Loc] = None
    for name, definitions in sorted(facts.classes.items()):
        if name in skip or name in facts.lightning_classes:
            continue
        for cls in definitions:
            for metric, loc in cls.metrics:
                logged.setdefault(metric, loc)
            dynamic = dynamic or cls.dynamic_logging
    return logged, dynamic
