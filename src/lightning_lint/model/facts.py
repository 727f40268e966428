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
from lightning_lint.model.spec import Loc


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
    measured: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # config path -> facts
    # command lines that pass several LightningCLI configs: (absolute config paths, where)
    cli_config_sets: List[Tuple[Tuple[str, ...], Loc]] = field(default_factory=list)
    # the kinds of training data (extract/streams.py): dataset class -> map | finite | endless,
    # classes that keep a position (state_dict + load_state_dict), and what each train loader reads
    stream_classes: Dict[str, str] = field(default_factory=dict)
    position_classes: Dict[str, Loc] = field(default_factory=dict)
    train_loader_inputs: List[Tuple[Loc, Tuple[Tuple[str, str], ...]]] = field(default_factory=list)
    files_scanned: int = 0
    files_parsed: int = 0
    truncated: bool = False  # more files than MAX_FILES: facts may be incomplete

    def identity(self) -> str:
        """The facts as text, sets sorted: equal facts give equal text in every process
        (a set's order changes with the string hash seed)."""
        fields = dict(vars(self))
        fields["lightning_classes"] = sorted(self.lightning_classes)
        fields["class_bases"] = sorted((name, sorted(bases)) for name, bases in self.class_bases.items())
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
    facts.files_parsed += fragment.files_parsed


def fold(extraction: Any, facts: ProjectFacts) -> None:
    """Add one file's extraction to the project facts."""
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
        if cls.lightning_base == "LightningModule":
            facts.lightning_modules.append(cls.name)
            if cls.manual_optimization is not None:
                facts.manual_optimization.append((cls.name, cls.manual_optimization))


def _looks_like_loader(cls: Any) -> bool:
    """A class that Lightning would treat as a stateful loader: it derives from a
    DataLoader, or is named like one (a wrapper the train step iterates)."""
    names = [cls.name] + [base.rsplit(".", 1)[-1] for base in cls.bases]
    return any(name.endswith(("Loader", "DataLoader", "Iterator")) for name in names)


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
