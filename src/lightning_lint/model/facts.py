"""Project facts: the few cross-file facts a rule may need.

What the whole project says about its data loading and logging, as one value; the scan
that gathers it is ``linter/project_facts.py``. One Python file's contribution (its
*fragment*) is a ``ProjectFacts`` too, and ``merge`` adds it to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from lightning_lint.model import lightning_api
from lightning_lint.model.optimizers import SchedulerSpec
from lightning_lint.model.spec import Loc

# The methods of a class that the fit graph reads: the loader hooks and the step methods.
GRAPH_HOOKS = (
    "train_dataloader",
    "val_dataloader",
    "test_dataloader",
    "predict_dataloader",
    "training_step",
    "validation_step",
    "configure_optimizers",  # the class whose LR schedulers a fitted subclass inherits (LL701-LL703)
)


@dataclass(frozen=True)
class ClassFacts:
    """What the fit graph needs of one class of the project: where it is, its bases (as
    its file resolves them), the loader hooks and steps it defines, the loaders its hooks
    return (role, kind, where built), and the metric names it logs."""

    name: str
    loc: Loc
    bases: Tuple[str, ...] = ()
    lightning_base: Optional[str] = None
    hooks: Tuple[str, ...] = ()
    loaders: Tuple[Tuple[str, str, Loc], ...] = ()
    metrics: Tuple[Tuple[str, Loc], ...] = ()
    dynamic_logging: Optional[Loc] = None


@dataclass
class ProjectFacts:
    """What the whole project says about its data loading and logging."""

    root: Optional[Path] = None
    plain_loaders: List[Loc] = field(default_factory=list)  # torch DataLoader constructions
    train_plain_loaders: List[Loc] = field(default_factory=list)  # ... whose role is train (or unknown)
    stateful_loaders: List[Tuple[str, Loc]] = field(default_factory=list)  # (kind or class name, where)
    logged_metrics: Dict[str, Loc] = field(default_factory=dict)
    dynamic_logging: Optional[Loc] = None  # a logging call whose name is not a literal
    manual_optimization: List[Tuple[str, Loc]] = field(default_factory=list)  # LightningModules
    lightning_modules: List[str] = field(default_factory=list)
    # LightningModule / LightningDataModule classes by name, through bases in other files
    lightning_classes: Set[str] = field(default_factory=set)
    class_bases: Dict[str, Set[str]] = field(default_factory=dict)  # class name -> base names
    # ``fit`` across modules: "pkg.mod.func" -> the parameters it calls ``fit`` on (names
    # and positions), and the functions (dotted, as the callers import them, made absolute)
    # whose result some module fits
    fitting_parameters: Dict[str, Set[str]] = field(default_factory=dict)
    fitted_functions: Set[str] = field(default_factory=set)
    classes: Dict[str, List[ClassFacts]] = field(default_factory=dict)  # class name -> definitions
    # the class index for subclasses of Lightning classes: class name -> what each class of
    # that name does in __init__ (model.subclasses.InitInfo, as JSON data)
    class_inits: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    # the trainer_class of each LightningCLI(...) of the project ("" for the plain Trainer)
    cli_trainer_classes: Set[str] = field(default_factory=set)
    measured: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # config path -> facts
    # command lines that pass several LightningCLI configs: (absolute config paths, where)
    cli_config_sets: List[Tuple[Tuple[str, ...], Loc]] = field(default_factory=list)
    # the kinds of training data (extract/streams.py): dataset class -> map | finite | endless,
    # classes that keep a position (state_dict + load_state_dict), and what each train loader reads
    stream_classes: Dict[str, str] = field(default_factory=dict)
    position_classes: Dict[str, Loc] = field(default_factory=dict)
    train_loader_inputs: List[Tuple[Loc, Tuple[Tuple[str, str], ...]]] = field(default_factory=list)
    # LightningModule class name -> the LR schedulers its configure_optimizers returns
    schedulers: Dict[str, List[SchedulerSpec]] = field(default_factory=dict)
    files_scanned: int = 0
    files_parsed: int = 0
    truncated: bool = False  # more files than MAX_FILES: facts may be incomplete

    def identity(self) -> str:
        """The facts as text, sets sorted: equal facts give equal text in every process
        (a set's order changes with the string hash seed)."""
        fields = dict(vars(self))
        fields["lightning_classes"] = sorted(self.lightning_classes)
        fields["class_bases"] = sorted((name, sorted(bases)) for name, bases in self.class_bases.items())
        fields["fitting_parameters"] = sorted((name, sorted(p)) for name, p in self.fitting_parameters.items())
        fields["fitted_functions"] = sorted(self.fitted_functions)
        fields["classes"] = sorted(self.classes.items())
        fields["cli_trainer_classes"] = sorted(self.cli_trainer_classes)
        fields["class_inits"] = sorted(
            (name, sorted(repr(sorted(info.items())) for info in infos)) for name, infos in self.class_inits.items()
        )
        return repr(sorted(fields.items(), key=lambda item: item[0]))

    @property
    def loaders_resumable(self) -> Optional[bool]:
        """True when the project uses a loader that keeps its position, False when it only
        builds plain DataLoaders, None when no loader is found (nothing can be said)."""
        if self.stateful_loaders:
            return True
        if self.train_plain_loaders:
            return False
        return None

    def training_data(self) -> "TrainingData":
        """What the project's plain train loaders read, as one kind (see ``TrainingData``)."""
        return training_data(self)

    def describe_plain_loader(self) -> str:
        loc = self.train_plain_loaders[0]
        more = len(self.train_plain_loaders) - 1
        return f"{loc.path}:{loc.span.start_line}" + (f" and {more} more" if more > 0 else "")


def merge(fragment: ProjectFacts, facts: ProjectFacts) -> None:
    """Add one file's fragment to the facts: the same as folding its extraction."""
    facts.stream_classes.update(fragment.stream_classes)
    facts.position_classes.update(fragment.position_classes)
    facts.train_loader_inputs.extend(fragment.train_loader_inputs)
    facts.plain_loaders.extend(fragment.plain_loaders)
    facts.train_plain_loaders.extend(fragment.train_plain_loaders)
    facts.stateful_loaders.extend(fragment.stateful_loaders)
    for name, loc in fragment.logged_metrics.items():
        facts.logged_metrics.setdefault(name, loc)
    if facts.dynamic_logging is None:
        facts.dynamic_logging = fragment.dynamic_logging
    facts.manual_optimization.extend(fragment.manual_optimization)
    facts.lightning_modules.extend(fragment.lightning_modules)
    facts.lightning_classes.update(fragment.lightning_classes)
    for name, bases in fragment.class_bases.items():
        facts.class_bases.setdefault(name, set()).update(bases)
    for name, params in fragment.fitting_parameters.items():
        facts.fitting_parameters.setdefault(name, set()).update(params)
    facts.fitted_functions.update(fragment.fitted_functions)
    for name, definitions in fragment.classes.items():
        facts.classes.setdefault(name, []).extend(definitions)
    for name, infos in fragment.class_inits.items():
        facts.class_inits.setdefault(name, []).extend(infos)
    facts.cli_trainer_classes.update(fragment.cli_trainer_classes)
    for name, schedulers in fragment.schedulers.items():
        facts.schedulers.setdefault(name, list(schedulers))
    facts.files_parsed += fragment.files_parsed


def fold(extraction: Any, facts: ProjectFacts) -> None:
    """Add one file's extraction to the project facts (its path relative to the root)."""
    module = module_of(extraction.path)
    for name, params in extraction.facts.get("fits_parameters", {}).items():
        facts.fitting_parameters.setdefault(f"{module}.{name}", set()).update(params)
    for qualname in extraction.facts.get("fitted_calls", ()):
        facts.fitted_functions.add(absolute_name(qualname, module))
    for cli in extraction.facts.get("lightning_cli", ()):
        trainer_class = cli.get("trainer_class") or ""
        if trainer_class.startswith("<local>."):
            trainer_class = f"{module_of(extraction.path)}.{trainer_class.split('.', 1)[1]}"
        facts.cli_trainer_classes.add(trainer_class)
    for name, schedulers in extraction.facts.get("schedulers", {}).items():
        facts.schedulers.setdefault(name, list(schedulers))
    for loader in extraction.loaders:
        if loader.kind in lightning_api.STATEFUL_LOADERS:
            facts.stateful_loaders.append((loader.kind, loader.loc))
        elif loader.kind == "DataLoader":
            facts.plain_loaders.append(loader.loc)
            if loader.role in (None, "train"):
                facts.train_plain_loaders.append(loader.loc)
                owners = tuple(("owner", use.owner) for use in loader.uses if use.role == "train" and use.owner)
                facts.train_loader_inputs.append((loader.loc, tuple(loader.inputs) + owners))
    for cls in extraction.classes:
        if {"state_dict", "load_state_dict"} <= set(cls.methods) and _looks_like_loader(cls):
            facts.stateful_loaders.append((cls.name, cls.loc))
        if cls.stream:
            facts.stream_classes[cls.name] = cls.stream
        if {"state_dict", "load_state_dict"} <= set(cls.methods):
            facts.position_classes[cls.name] = cls.loc
        for name, loc in cls.logged_metrics.items():
            facts.logged_metrics.setdefault(name, loc)
        if cls.dynamic_logging is not None and facts.dynamic_logging is None:
            facts.dynamic_logging = cls.dynamic_logging
        if cls.lightning_base in ("LightningModule", "LightningDataModule"):
            facts.lightning_classes.add(cls.name)
        else:
            facts.class_bases.setdefault(cls.name, set()).update(b.rsplit(".", 1)[-1] for b in cls.bases)
        if cls.init is not None:
            info = cls.init.to_json()
            info["module"] = module_of(extraction.path)
            facts.class_inits.setdefault(cls.name, []).append(info)
        if cls.lightning_base == "LightningModule":
            facts.lightning_modules.append(cls.name)
            if cls.manual_optimization is not None:
                facts.manual_optimization.append((cls.name, cls.manual_optimization))
    _fold_classes(extraction, facts)


def _fold_classes(extraction: Any, facts: ProjectFacts) -> None:
    """Each class's ``ClassFacts``: what the fit graph follows across files."""
    returned: Dict[Loc, List[Tuple[str, str, Loc]]] = {}  # by the hook's ``def`` (one file may
    for loader in extraction.loaders:  # define several classes of one name)
        for use in loader.uses:
            if use.owner is not None:
                returned.setdefault(use.loc, []).append((use.role, loader.kind, loader.loc))
    for cls in extraction.classes:
        facts.classes.setdefault(cls.name, []).append(
            ClassFacts(
                name=cls.name,
                loc=cls.loc,
                bases=tuple(cls.bases),
                lightning_base=cls.lightning_base,
                hooks=tuple(hook for hook in GRAPH_HOOKS if hook in cls.methods),
                loaders=tuple(found for loc in cls.methods.values() for found in returned.get(loc, ())),
                metrics=tuple(sorted(cls.logged_metrics.items())),
                dynamic_logging=cls.dynamic_logging,
            )
        )


def module_of(path: str) -> str:
    """The dotted module a file path (relative to the project root) defines."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if not parts:
        return ""
    last = parts[-1]
    parts[-1] = last[:-3] if last.endswith(".py") else last
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _looks_like_loader(cls: Any) -> bool:
    """A class that Lightning would treat as a stateful loader: it derives from a
    DataLoader, or is named like one (a wrapper the train step iterates)."""
    names = [cls.name] + [base.rsplit(".", 1)[-1] for base in cls.bases]
    return any(name.endswith(("Loader", "DataLoader", "Iterator", "Iterable")) for name in names)


def absolute_name(qualname: str, module: str) -> str:
    """``.utils.build`` imported in ``pkg.train`` is ``pkg.utils.build``."""
    if not qualname.startswith("."):
        return qualname
    level = len(qualname) - len(qualname.lstrip("."))
    package = module.split(".")[:-level] if level <= module.count(".") + 1 else []
    return ".".join([*package, qualname.lstrip(".")])


def same_function(a: str, b: str) -> bool:
    """Whether two dotted names may name the same function: one ends with the other,
    by whole parts, and they share at least the module and the function name
    (``src.pkg.mod.f`` and ``pkg.mod.f``)."""
    pa, pb = a.split("."), b.split(".")
    shorter, longer = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    return len(shorter) >= 2 and longer[-len(shorter) :] == shorter


def fit_elsewhere(spec: Any, module: str, facts: ProjectFacts) -> Optional[str]:
    """How another module of the project fits this Trainer, or None: a caller fits the
    result of the function that returns it, or the function it is handed to calls ``fit``
    on that parameter."""
    returned_from = spec.extras.get("returned_from")
    if returned_from:
        mine = f"{module}.{returned_from}"
        if any(same_function(mine, other) for other in facts.fitted_functions):
            return f"`{returned_from}()` is fit by a caller"
    for use in spec.uses:
        if use.kind != "escapes" or not use.callee or not use.param:
            continue
        callee = absolute_name(use.callee, module)
        for name, params in facts.fitting_parameters.items():
            if use.param in params and same_function(callee, name):
                return f"`{use.callee.rsplit('.', 1)[-1]}()` calls `fit` on it"
    return None


@dataclass(frozen=True)
class TrainingData:
    """The kind of data the training loaders read (``extract/streams.py`` has the kinds):
    ``map``, ``finite``, ``endless``, ``saved`` (a sampler or DataModule that saves its
    position itself), or None when no plain train loader is found. ``assumed`` is True when
    the dataset's class was not found (a plain DataLoader is then taken as map-style);
    ``detail`` says what was seen, for messages and ``explain``."""

    kind: Optional[str]
    detail: str = ""
    assumed: bool = False
    where: str = ""  # path:line of the loader


# what a resumed run sees, by kind (proven in tests/test_lightning_behaviour_resume.py)
RESUME_BEHAVIOUR = {
    "map": "the first batches of the epoch are trained again and the rest skipped (the loader restarts at "
    "the beginning while the loop counts the saved batches as done)",
    "finite": "the stream is re-read from its start: the batches before the checkpoint are trained twice and "
    "nothing is skipped (Lightning prints no warning: the stream has no known length)",
    "endless": "nothing is replayed: the stream never ends, there is no epoch to restart",
    "saved": "the project restores the position itself (presumed right)",
}


def _loader_kind(inputs: Tuple[Tuple[str, str], ...], facts: ProjectFacts) -> Tuple[Optional[str], str]:
    for role, name in inputs:
        if role in ("sampler", "batch_sampler", "owner") and name in facts.position_classes:
            what = "DataModule" if role == "owner" else role.replace("_", " ")
            return "saved", f"{what} `{name}` saves its position (state_dict/load_state_dict)"
    for role, name in inputs:
        if role == "dataset" and name in facts.stream_classes:
            kind = facts.stream_classes[name]
            words = {"map": "a map-style dataset", "finite": "a finite iterable", "endless": "an endless stream"}
            return kind, f"`{name}` is {words.get(kind, kind)}"
    return None, ""


def training_data(facts: ProjectFacts) -> TrainingData:
    """One kind for the whole project's plain train loaders: ``endless``/``saved`` only
    when every loader is; otherwise the kind of the first loader that can replay or skip
    batches (an unclassified dataset counts as map-style, ``assumed``)."""
    if not facts.train_plain_loaders:
        return TrainingData(None)
    inputs = dict(facts.train_loader_inputs)
    exempt: List[Tuple[str, str]] = []
    replaying: List[TrainingData] = []
    for loc in facts.train_plain_loaders:
        kind, detail = _loader_kind(inputs.get(loc, ()), facts)
        where = f"{loc.path}:{loc.span.start_line}"
        if kind in ("endless", "saved"):
            exempt.append((kind, f"{detail} ({where})"))
        elif kind is None:
            replaying.append(TrainingData("map", "its dataset is taken as map-style", True, where))
        else:
            replaying.append(TrainingData(kind, detail, False, where))
    if replaying:  # a map-style loader (replays and skips) is the worse case
        return next((d for d in replaying if d.kind == "map"), replaying[0])
    kinds = {kind for kind, _ in exempt}
    return TrainingData(kinds.pop() if len(kinds) == 1 else "saved", "; ".join(d for _, d in exempt))


def describe_training_data(data: TrainingData) -> str:
    """The kind, what was seen and what a mid-epoch resume does, for ``explain``."""
    kinds = {"map": "map-style", "finite": "a finite stream", "endless": "an endless stream", "saved": "saved position"}
    where = f" ({data.where})" if data.where else ""
    return f"{kinds.get(data.kind or '', 'unknown')}: {data.detail}{where}; on a mid-epoch resume {RESUME_BEHAVIOUR.get(data.kind or '', '')}"
