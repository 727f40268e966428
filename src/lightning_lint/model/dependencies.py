"""What the lint of one file consulted besides the file itself.

The results cache may reuse a file's findings only while everything they were computed
from is unchanged. Most of that is the file's bytes and its settings; the rest is
recorded here while the file is linted: other files read (a Hydra composition, a
LightningCLI config set, measured facts), folders listed and paths probed (Hydra's
config search), the resolved Lightning version and the project facts. Each record is
``(kind, key) -> value``; a later run recomputes the value for the same key and reuses
the findings only when every value is equal.

The recorder is a stack per thread (a server may lint in several threads; parallel runs
use processes).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

Key = Tuple[str, str]
Deps = Dict[Key, str]

FILE = "file"  # key: absolute path; value: digest of the bytes, or "missing"
IS_FILE = "isfile"  # key: absolute path; value: "1" / "0"
IS_DIR = "isdir"
YAML_FILES = "yamls"  # key: a folder; value: the names of the YAML files in it
TARGET = "target"  # key: project root + "|" + target-version setting; value: the resolved version
FACTS = "facts"  # key: project root; value: a digest of the project facts
SPLATS = "splats"  # key: a script; value: its digest when it has `Trainer(**`, else "none"
# The value of a record that is not known yet (the project facts, before they are gathered):
# a later record of the same key replaces it, and the run fills it in before caching.
PENDING = "<pending>"

_local = threading.local()


def _stack() -> List[Deps]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def start() -> None:
    _stack().append({})


def stop() -> Deps:
    stack = _stack()
    return stack.pop() if stack else {}


def note(kind: str, key: str, value: str) -> None:
    """Record a fact the current lint depends on (ignored when nothing records)."""
    stack = _stack()
    if stack:
        record = stack[-1]
        if record.get((kind, key), PENDING) == PENDING:
            record[(kind, key)] = value


def current() -> Deps:
    """A copy of what the current lint has recorded so far (empty when nothing records)."""
    stack = _stack()
    return dict(stack[-1]) if stack else {}


def extend(deps: Deps) -> None:
    """Record again what an earlier, interrupted lint of the same text recorded."""
    for (kind, key), value in deps.items():
        note(kind, key, value)


def recording() -> bool:
    return bool(_stack())


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_state(path: Union[str, Path]) -> str:
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except OSError:
        return "missing"


def note_file(path: Union[str, Path]) -> None:
    stack = _stack()
    if stack:
        key = os.path.abspath(path)
        if (FILE, key) not in stack[-1]:
            note(FILE, key, file_state(key))


def splat_state(path: Union[str, Path]) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return "missing"
    return splat_state_of(data)


def splat_state_of(data: bytes) -> str:
    return digest(data) if b"Trainer(**" in data else "none"


def is_file(path: Path) -> bool:
    found = path.is_file()
    note(IS_FILE, os.path.abspath(path), "1" if found else "0")
    return found


def is_dir(path: Path) -> bool:
    found = path.is_dir()
    note(IS_DIR, os.path.abspath(path), "1" if found else "0")
    return found


_YAML_LISTINGS: Dict[str, Tuple[int, List[Path]]] = {}  # folder -> (its mtime, its YAML files)


def yaml_files(folder: Path) -> List[Path]:
    """The YAML files directly in ``folder``, sorted (raises OSError like iterdir).
    Remembered while the folder's modification time stays (an entry added, removed or
    renamed moves it): a Hydra config root is listed once per run, not once per config."""
    try:
        key = os.fspath(folder)  # absolute paths only: a relative one depends on the working directory
        mtime = os.stat(key).st_mtime_ns
        known = _YAML_LISTINGS.get(key) if os.path.isabs(key) else None
        if known is not None and known[0] == mtime:
            found = list(known[1])
        else:
            found = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if os.path.isabs(key) and time.time_ns() - mtime > 2_000_000_000:  # settled (see cache.py)
                _YAML_LISTINGS[key] = (mtime, list(found))
    except OSError:
        note(YAML_FILES, os.path.abspath(folder), "unreadable")
        raise
    note(YAML_FILES, os.path.abspath(folder), _names(found))
    return found


def _names(paths: List[Path]) -> str:
    return "\n".join(p.name for p in paths)


def current_value(kind: str, key: str) -> Optional[str]:
    """The value a file-system record has now; None for kinds the caller must compute
    (the target version and the project facts need the linter's projects)."""
    if kind == FILE:
        return file_state(key)
    if kind == SPLATS:
        return splat_state(key)
    if kind == IS_FILE:
        return "1" if os.path.isfile(key) else "0"
    if kind == IS_DIR:
        return "1" if os.path.isdir(key) else "0"
    if kind == YAML_FILES:
        folder = Path(key)
        try:
            return _names(sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        except OSError:
            return "unreadable"
    return None
