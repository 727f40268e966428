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

    def describe_plain_loader(self) -> str:
        loc = self.train_plain_loaders[0]
        more = len(self.train_plain_loaders) - 1
        return f"{loc.path}:{loc.span.start_line}" + (f" and {more} more" if more > 0 else "")


def merge(fragment: ProjectFacts, facts: ProjectFacts) -> None:
    """Add one file's fragment to the facts: the same as folding its extraction."""
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
    for name, schedulers in fragment.schedulers.items():
        facts.schedulers.setdefault(name, list(schedulers))
    facts.files_parsed += fragment.files_parsed


def fold(extraction: Any, facts: ProjectFacts) -> None:
    """Add one file's extraction to the project facts."""
    for name, schedulers in extraction.facts.get("schedulers", {}).items():
        facts.schedulers.setdefault(name, list(schedulers))
    for loader in extraction.loaders:
        if loader.kind in lightning_api.STATEFUL_LOADERS:
            facts.stateful_loaders.append((loader.kind, loader.loc))
        elif loader.kind == "DataLoader":
            facts.plain_loaders.append(loader.loc)
            if loader.role in (None, "train"):
                facts.train_plain_loaders.append(loader.loc)
    for cls in extraction.classes:
        if {"state_dict", "load_state_dict"} <= set(cls.methods) and _looks_like_loader(cls):
            facts.stateful_loaders.append((cls.name, cls.loc))
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
