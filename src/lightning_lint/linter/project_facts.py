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
from pathlib import Path
from typing import Any, Dict, Optional

from lightning_lint.linter.discovery import walk_project
from lightning_lint.model.dependencies import digest
from lightning_lint.model.facts import ProjectFacts, fold, merge
from lightning_lint.model.sources import NOTEBOOK, PYTHON, UnreadableSource, decode_source, parse_ast
from lightning_lint.model.spec import Loc, Span

# A file that contains none of these cannot change a project fact.
_INTERESTING = (
    b"DataLoader",
    b"Loader(",
    b".log(",
    b".log_dict(",
    b"automatic_optimization",
    b"state_dict",
    b"LightningModule",
    b"LightningDataModule",
    b".fit(",
    # the classes of a fit graph: DataModules on project bases, loader hooks and steps in mixins
    b"DataModule):",
    b"_dataloader(self",
    b"_step(self",
)
MAX_FILES = 20000
MAX_FILE_BYTES = 2 * 1024 * 1024
MEASURED_FACTS = Path(".lightning-lint") / "facts.json"


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
    for path in walk_project(root, resolver, accept=_wanted):
        if facts.files_scanned >= MAX_FILES:
            facts.truncated = True
            break
        facts.files_scanned += 1
        if path.suffix in (".py", ".ipynb"):  # a notebook's code cells count like a module
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
    from lightning_lint.extract import python

    try:
        display = str(path.relative_to(root))
    except ValueError:
        display = str(path)
    try:
        source = decode_source(data, display, NOTEBOOK if path.suffix == ".ipynb" else PYTHON)
        tree = parse_ast(source.text)
        extraction = python.extract(tree, source)
    except (UnreadableSource, SyntaxError, ValueError, RecursionError, MemoryError):
        return fragment  # the file's own LL900/LL901 is reported when it is linted
    fragment.files_parsed = 1
    fold(extraction, fragment)
    return fragment


_INVOCATION_FILES = re.compile(r"(\.(sh|bash|zsh|mk|md|rst|txt|slurm|sbatch|yml|yaml)|^Makefile|^Justfile)$")
_CONFIG_FLAG = re.compile(r"(?:^|\s)(?:-c|--config)(?:=|\s+)([\"']?)([^\s\"']+\.ya?ml)\1")


def _wanted(name: str) -> bool:
    return name.endswith((".py", ".ipynb")) or bool(_INVOCATION_FILES.search(name))


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
