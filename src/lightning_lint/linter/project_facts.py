"""Project facts: the few cross-file facts a rule may need, gathered once per run.

A cheap scan of the project root: every Python file is read, only the files whose bytes
mention a loader, ``self.log`` or manual optimization are parsed (with ``ast``), and the
extractor's loaders and classes are folded into one ``ProjectFacts``. Facts measured by
``confirm --save-facts`` are read from ``.lightning-lint/facts.json`` at the root.

What one Python file contributes (its *fragment*) depends on its bytes alone, so the
results cache keeps fragments by content, and by the file's signature (``cache.py``): an
unchanged project is re-gathered from the cache with one ``stat`` per file, without
reading or parsing any; a file whose signature changed is read and hashed, and parsed only
when its content changed. Files that contribute nothing are remembered too, so that they
are not read again. When discovery walked the project root, its listing is used instead
of a second walk (``Project.listing``).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Collection, Dict, Iterable, List, Optional, Tuple, Union

from lightning_lint.linter.cache import signature
from lightning_lint.linter.discovery import facts_file as wanted
from lightning_lint.linter.discovery import walk_project
from lightning_lint.model.dependencies import digest
from lightning_lint.model.facts import ProjectFacts, fold, merge
from lightning_lint.model.sources import NOTEBOOK, PYTHON, UnreadableSource, decode_source, parse_ast
from lightning_lint.model.spec import Loc, Span

# A file that contains none of these (nor what ``_LOGGING`` and ``_RESUMABLE`` find) cannot
# change a project fact.
_INTERESTING = (
    b"DataLoader",
    b"Loader(",
    b"automatic_optimization",
    b"LightningModule",
    b"LightningDataModule",
    b".fit(",
    # the classes of a fit graph: DataModules on project bases, loader hooks and steps in mixins
    b"DataModule):",
    b"_dataloader(self",
    b"_step(self",
    # subclasses of the Trainer and of callbacks (the class index, model/subclasses.py)
    b"Trainer",
    b"Checkpoint",
    b"EarlyStopping",
    b"Callback",
    b"LightningCLI",
    b"def __iter__",  # a dataset that streams: finite or endless (extract/streams.py)
    b"configure_optimizers",
)
# A logged metric: ``self.log(``/``self.log_dict(`` or a callback's ``pl_module.log(``, as the
# extractor reads them (``extract/python.py: _logs_metric``); ``math.log(`` is not one.
# (Each pattern starts with a literal, which the regex engine looks for first: a pattern
# starting with ``\b`` would be tried at every position of every file.)
_LOG_CALL = re.compile(rb"\.[\s\\]*log(?:_dict)?[\s\\]*\(")  # (``\`` continues a line)
_LOGGERS = (b"self", b"pl_module")
# A class that keeps its position (a resumable loader or sampler) defines both methods.
_RESUMABLE = (re.compile(rb"def\s+state_dict\b"), re.compile(rb"def\s+load_state_dict\b"))
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


def fragment_key(root: Optional[Path], path: Union[str, Path]) -> str:
    """The key of a file's facts fragment (and of its command lines): the project root, for
    the fragment's locations are relative to it, and the file's absolute path."""
    return f"{root}|{os.path.abspath(path)}"


def gather(root: Optional[Path], resolver: Any, fragments: Any = None, parse: bool = True) -> ProjectFacts:
    """Scan ``root`` (None: no project, no facts). ``fragments`` (optional) keeps each
    file's contribution by content: ``get(path, digest)`` / ``put(path, digest, fragment)``."""
    facts = ProjectFacts(root=root)
    if root is None:
        return facts
    listing = getattr(fragments, "listing", None)
    paths: Iterable[Union[str, Path]] = listing if listing is not None else walk_project(root, resolver, accept=wanted)
    for path in paths:
        if facts.files_scanned >= MAX_FILES:
            facts.truncated = True
            break
        facts.files_scanned += 1
        if str(path).endswith((".py", ".ipynb")):  # a notebook's code cells count like a module
            _scan_file(path, root, facts, fragments, parse)
        else:
            _scan_invocations(path, root, facts, fragments)
    facts.measured = read_measured(root)
    _resolve_lightning_classes(facts)
    return facts


def unparsed(
    root: Optional[Path],
    resolver: Any,
    project: Any,
    known: Optional[Dict[str, bytes]] = None,
    skip: Collection[str] = (),
) -> List[Tuple[str, str, bytes]]:
    """(key, path, bytes) of the project's Python files whose fragment is neither cached
    nor offered: what ``gather`` would parse. A pool parses them before the facts are
    gathered, so that this part of the work is shared among the processes too. ``known``:
    the bytes of files the run has read already, by absolute path; ``skip``: the keys of
    files the run lints (their fragments will be offered)."""
    if root is None:
        return []
    listing = getattr(project, "listing", None)
    paths: Iterable[Union[str, Path]] = listing if listing is not None else walk_project(root, resolver, accept=wanted)
    todo: List[Tuple[str, str, bytes]] = []
    for index, path in enumerate(paths):
        if index >= MAX_FILES:
            break
        if not str(path).endswith((".py", ".ipynb")):
            continue
        absolute = os.path.abspath(path)
        key = fragment_key(root, absolute)
        if key in skip or project.offered(key):  # linted in this run (gather takes its fragment as it is)
            continue
        sig = signature(absolute)
        if project.lookup(key, sig)[0]:
            continue
        data = known.get(absolute) if known else None
        if data is None:
            data = _read_regular(path)
        if data is None:
            continue
        if len(data) > MAX_FILE_BYTES or not may_contribute(data):
            if sig is not None and len(data) <= MAX_FILE_BYTES:
                project.put(key, "", None, sig)  # what gather records: not read again while unchanged
            continue
        if not project.has_fragment(key, digest(data)):
            todo.append((key, str(path), data))
    return todo


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


def _scan_file(
    path: Union[str, Path], root: Path, facts: ProjectFacts, fragments: Any = None, parse: bool = True
) -> None:
    key = sig = None
    if fragments is not None:
        key = fragment_key(root, path)
        sig = signature(key.split("|", 1)[1])
        known, fragment = fragments.lookup(key, sig) if hasattr(fragments, "lookup") else (False, None)
        if known:  # unchanged since it was last scanned: not read
            if fragment is not None:
                merge(fragment, facts)
            return
        offered = fragments.take_offered(key) if hasattr(fragments, "take_offered") else None
        if offered is not None:  # parsed in this run (its bytes were digested then): not read again
            content, fragment = offered
            if fragment is None:  # its bytes pass none of the markers
                fragments.put(key, "", None, sig)
                return
            fragments.put(key, content, fragment, sig)
            merge(fragment, facts)
            return
    data = _read_regular(path)
    if data is None:
        return
    if len(data) > MAX_FILE_BYTES or not may_contribute(data):
        if fragments is not None and sig is not None and len(data) <= MAX_FILE_BYTES:
            fragments.put(key, "", None, sig)  # contributes nothing: not read again while unchanged
        return
    if fragments is None or key is None:
        merge(fragment_of(Path(path), root, data), facts)
        return
    content = digest(data)
    fragment = fragments.get(key, content, sig) if hasattr(fragments, "lookup") else fragments.get(key, content)
    if fragment is None:
        if not parse:
            raise _WouldParse(path)
        fragment = fragment_of(Path(path), root, data)
        fragments.put(key, content, fragment, sig)
    elif sig is not None:
        fragments.put(key, content, fragment, sig)  # the signature changed, the content did not
    merge(fragment, facts)


def may_contribute(data: bytes) -> bool:
    """Whether a Python file's bytes may give it a facts fragment (else it is not parsed)."""
    return (
        any(marker in data for marker in _INTERESTING)
        or _logs_metric(data)
        or all(pattern.search(data) is not None for pattern in _RESUMABLE)
    )


def _logs_metric(data: bytes) -> bool:
    """Whether ``self`` or ``pl_module`` (a whole name) comes before a ``.log(`` call."""
    for match in _LOG_CALL.finditer(data):
        before = data[max(0, match.start() - 40) : match.start()].rstrip(b" \t\f\r\n\\")
        for name in _LOGGERS:
            if before.endswith(name):
                previous = before[-len(name) - 1 : -len(name)]
                if not (previous.isalnum() or previous == b"_"):
                    return True
    return False


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
    except Exception:  # noqa: BLE001 - an extractor bug: the file's own lint reports LL905
        return fragment  # and the other files' facts must not fail with it
    fragment.files_parsed = 1
    fold(extraction, fragment)
    return fragment


_CONFIG_FLAG = re.compile(r"(?:^|\s)(?:-c|--config)(?:=|\s+)([\"']?)([^\s\"']+\.ya?ml)\1")


def _scan_invocations(path: Union[str, Path], root: Path, facts: ProjectFacts, fragments: Any = None) -> None:
    """Command lines (scripts, Makefiles, docs, CI workflows) that give LightningCLI
    several ``--config`` files: jsonargparse merges them left to right. What a file says
    (line, length, config names) is cached by its signature like a fragment; the names
    are resolved against the file system on every run."""
    key = sig = None
    lines: Optional[list] = None
    if fragments is not None and hasattr(fragments, "lookup_lines"):
        key = fragment_key(root, path)
        sig = signature(key.split("|", 1)[1])
        lines = fragments.lookup_lines(key, sig)
    if lines is None:
        lines = _command_lines(path)
        if lines is None:
            return
        if key is not None and sig is not None:
            fragments.put_lines(key, sig, lines)
    for number, length, configs in lines:
        resolved = []
        for config in configs:
            candidate = (Path(path).parent / config) if not os.path.isabs(config) else Path(config)
            if not candidate.exists():
                candidate = root / config
            resolved.append(os.path.abspath(candidate))
        display = os.path.relpath(path, root) if str(path).startswith(str(root)) else str(path)
        facts.cli_config_sets.append((tuple(resolved), Loc(display, Span(number, 1, number, length + 1))))


def _command_lines(path: Union[str, Path]) -> Optional[list]:
    """[line number, length, config names] of each line giving two configs or more;
    None when the file cannot be read."""
    data = _read_regular(path)
    if data is None:
        return None
    if len(data) > MAX_FILE_BYTES or (b"--config" not in data and b"-c " not in data):
        return []
    found = []
    text = data.decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        configs = [m.group(2) for m in _CONFIG_FLAG.finditer(line)]
        if len(configs) >= 2:
            found.append([number, len(line), configs])
    return found


def _read_regular(path: Union[str, Path]) -> Optional[bytes]:
    """The first bytes of a regular file (up to one past the limit); None for anything
    else: opening a named pipe would block for ever."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None


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
