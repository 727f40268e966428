"""Which files can pin the project's Lightning version (``versions.find_pins`` reads them).

Kept apart from ``versions.py`` so that the results cache can tell whether the pins
changed (``fingerprint``) without importing ``packaging`` on a run that parses nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

# How deep below the project root ``pin_folders`` looks for requirement/environment files,
# and the folders it never enters.
PIN_DEPTH = 3
_SKIPPED = {"node_modules", "site-packages", "__pycache__", "venv", "env", "build", "dist"}


def requirement_files(root: Path) -> List[Path]:
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [f for f in files if f.is_file()]


def environment_files(root: Path) -> List[Path]:
    return sorted(root.glob("environment*.y*ml"))


def folder_pin_files(folder: Path) -> List[Path]:
    """The pin files of a folder below the project root: requirements and environments."""
    return requirement_files(folder) + environment_files(folder)


def folders_between(directory: Optional[Path], root: Path) -> List[Path]:
    """The folders from ``directory`` up to the project root (excluded), nearest first;
    empty when ``directory`` is the root or not inside it."""
    if directory is None:
        return []
    directory = Path(os.path.abspath(directory))
    try:
        directory.relative_to(root)
    except ValueError:
        return []
    found = []
    while directory != root and root in directory.parents:
        found.append(directory)
        directory = directory.parent
    return found


def pin_folders(root: Path) -> List[Path]:
    """Folders below the root (at most PIN_DEPTH deep, hidden ones skipped) that hold
    requirement or environment files, sorted."""
    found: List[Path] = []
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if depth > 0 and any(
            e.is_file()
            and ((e.name.startswith("requirements") and e.name.endswith(".txt")) or e.name.startswith("environment"))
            for e in entries
        ):
            found.append(folder)
        if depth < PIN_DEPTH:
            for e in entries:
                if e.is_dir(follow_symlinks=False) and not e.name.startswith(".") and e.name not in _SKIPPED:
                    stack.append((Path(e.path), depth + 1))
    return sorted(found)


def pin_files(root: Path) -> List[Path]:
    """Every file ``versions.find_pins`` may read, existing or not."""
    return [
        root / "pyproject.toml",
        *requirement_files(root),
        root / "setup.cfg",
        root / "setup.py",
        *environment_files(root),
    ]


def fingerprint(
    root: Optional[Path],
    setting: Optional[str],
    directory: Optional[Path] = None,
    folders: Optional[List[Path]] = None,
    memo: Optional[Dict[Any, List[Tuple[str, str]]]] = None,
) -> str:
    """Equal fingerprints resolve to the same target version (for one tool version):
    the root's pin files, those of the folders between ``directory`` and the root, and
    those of every folder ``pin_folders`` finds (``folders``: already found). ``memo``
    keeps each folder's files and their states for the rest of one run."""
    if setting:
        return f"setting {setting}"
    if root is None:
        return "no project"
    from lightning_lint.model import dependencies

    memo = {} if memo is None else memo

    def states(key: Any, files: Callable[[], Iterable[Path]]) -> List[Tuple[str, str]]:
        if key not in memo:
            memo[key] = [(str(p), dependencies.file_state(p)) for p in files()]
        return memo[key]

    found = list(states(("root", root), lambda: pin_files(root)))
    for folder in [*folders_between(directory, root), *(pin_folders(root) if folders is None else folders)]:
        found.extend(states(folder, lambda: folder_pin_files(folder)))  # noqa: B023 - called at once
    return dependencies.digest(repr(found).encode())
