"""Project facts: the few cross-file facts a rule may need, gathered once per run.

A cheap scan of the project root: every Python file is read, only the files whose bytes
mention a loader, ``self.log`` or manual optimization are parsed (with ``ast``), and the
extractor's loaders and classes are folded into one ``ProjectFacts``. Facts measured by
``confirm --save-facts`` are read from ``.lightning-lint/facts.json`` at the root.

What one Python file contributes (its *fragment*) depends on its bytes alone, so the
results cache keeps fragments by content: an unchanged project is re-gathered by reading
and hashing its files, without parsing any.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from lightning_lint.linter.model import Loc

# A file that contains none of these cannot change a project fact.
_INTERESTING = (b"DataLoader", b"Loader(", b".log(", b".log_dict(", b"automatic_optimization", b"state_dict",
                b"LightningModule", b"LightningDataModule")
MAX_FILES = 20000
MAX_FILE_BYTES = 2 * 1024 * 1024
MEASURED_FACTS = Path(".lightning-lint") / "facts.json"


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
    files_scanned: int = 0
    files_parsed: int = 0
    truncated: bool = False  # more files than MAX_FILES: facts may be incomplete

    def identity(self) -> str:
        """The facts as text, sets sorted: equal facts give equal text in every process
        (a set's order changes with the string hash seed)."""
        fields = {name: value for name, value in vars(self).items()}
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


class _WouldParse(Exception):
    pass


def gather_without_parsing(root: Optional[Path], resolver: Any, fragments: Any) -> Optional[ProjectFacts]:
    """The facts, when every file that contributes has its fragment in ``fragments``
    (an unchanged project, or one without Python); None when some file would need parsing."""
    try:
        return gather(root, resolver, fragments, parse=False)
    except _WouldParse:
        return None


def gather(root: Optional[Path], resolver: Any, fragments: Any = None, parse: bool = True) -> ProjectFacts:
    """Scan ``root`` (None: no project, no facts). ``fragments`` (optional) keeps each
    file's contribution by content: ``get(path, digest)`` / ``put(path, digest, fragment)``."""
    facts = ProjectFacts(root=root)
    if root is None:
        return facts
    from lightning_lint.linter.discovery import walk_project
    for path in walk_project(root, resolver, accept=_wanted):
        if facts.files_scanned >= MAX_FILES:
            facts.truncated = True
            break
        facts.files_scanned += 1
        if path.suffix == ".py":
            _scan_file(path, root, facts, fragments, parse)
        else:
            _scan_invocations(path, root, facts)
    facts.measured = read_measured(root)
    _resolve_lightning_classes(facts)
    return facts


def _resolve_lightning_classes(facts: ProjectFacts) -> None:
    """A class whose base (named as in its file, matched by the last dotted part) is a
    Lightning class of the project is one too."""
    changed = True
    while changed:
        changed = False
        for name, bases in facts.class_bases.items():
            if name not in facts.lightning_classes and bases & facts.lightning_classes:
                facts.lightning_classes.add(name)
                changed = True


def _scan_file(path: Path, root: Path, facts: ProjectFacts, fragments: Any = None, parse: bool = True) -> None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return
    if len(data) > MAX_FILE_BYTES or not any(marker in data for marker in _INTERESTING):
        return
    if fragments is None:
        merge(fragment_of(path, root, data), facts)
        return
    from lightning_lint.linter.deps import digest
    key, content = f"{root}|{os.path.abspath(path)}", digest(data)  # Locs are relative to the root
    fragment = fragments.get(key, content)
    if fragment is None:
        if not parse:
            raise _WouldParse(path)
        fragment = fragment_of(path, root, data)
        fragments.put(key, content, fragment)
    merge(fragment, facts)


def fragment_of(path: Path, root: Path, data: bytes) -> ProjectFacts:
    """What one Python file contributes to the project facts."""
    fragment = ProjectFacts()
    from lightning_lint.linter import python_extract
    from lightning_lint.linter.engine import parse_ast
    from lightning_lint.linter.sources import PYTHON, UnreadableSource, decode_source
    try:
        display = str(path.relative_to(root))
    except ValueError:
        display = str(path)
    try:
        source = decode_source(data, display, PYTHON)
        tree = parse_ast(source.text)
        extraction = python_extract.extract(tree, source)
    except (UnreadableSource, SyntaxError, ValueError, RecursionError, MemoryError):
        return fragment  # the file's own LL900/LL901 is reported when it is linted
    fragment.files_parsed = 1
    fold(extraction, fragment)
    return fragment


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
    facts.files_parsed += fragment.files_parsed


_INVOCATION_FILES = re.compile(r"(\.(sh|bash|zsh|mk|md|rst|txt|slurm|sbatch|yml|yaml)|^Makefile|^Justfile)$")
_CONFIG_FLAG = re.compile(r"(?:^|\s)(?:-c|--config)(?:=|\s+)([\"']?)([^\s\"']+\.ya?ml)\1")


def _wanted(name: str) -> bool:
    return name.endswith(".py") or bool(_INVOCATION_FILES.search(name))


def _scan_invocations(path: Path, root: Path, facts: ProjectFacts) -> None:
    """Command lines (scripts, Makefiles, docs, CI workflows) that give LightningCLI
    several ``--config`` files: jsonargparse merges them left to right."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return
    if len(data) > MAX_FILE_BYTES or (b"--config" not in data and b"-c " not in data):
        return
    text = data.decode("utf-8", errors="replace")
    from lightning_lint.linter.model import Span
    for number, line in enumerate(text.splitlines(), start=1):
        configs = [m.group(2) for m in _CONFIG_FLAG.finditer(line)]
        if len(configs) < 2:
            continue
        resolved = []
        for config in configs:
            candidate = (path.parent / config) if not os.path.isabs(config) else Path(config)
            if not candidate.exists():
                candidate = root / config
            resolved.append(os.path.abspath(candidate))
        display = os.path.relpath(path, root) if str(path).startswith(str(root)) else str(path)
        facts.cli_config_sets.append((tuple(resolved), Loc(display, Span(number, 1, number, len(line) + 1))))


def fold(extraction: Any, facts: ProjectFacts) -> None:
    """Add one file's extraction to the project facts."""
    from lightning_lint.linter import lightning_data
    for loader in extraction.loaders:
        if loader.kind in lightning_data.STATEFUL_LOADERS:
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


def read_measured(root: Path) -> Dict[str, Dict[str, Any]]:
    """Facts saved by ``confirm --save-facts``: config path (relative to the root) ->
    fact table (the keys of ``[tool.lightning-lint.facts]``)."""
    path = root / MEASURED_FACTS
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    entries = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {str(k): dict(v) for k, v in entries.items() if isinstance(v, dict)}


def write_measured(root: Path, config: str, measured: Dict[str, Any]) -> Path:
    """Store measured facts for ``config`` (used by ``confirm --save-facts``)."""
    path = root / MEASURED_FACTS
    existing = read_measured(root)
    existing[config] = measured
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"version": 1, "facts": existing}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
