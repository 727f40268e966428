"""Which files a run looks at.

Walks the given paths, keeps Python and YAML files, honours ``.gitignore`` files (and
``.git/info/exclude``), skips version-control folders, virtual environments, caches and
build output, and never follows a symbolic link to a folder (no loops). Files named
explicitly are linted even when excluded, unless ``--force-exclude`` is given, which is
what pre-commit needs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union

from lightning_lint.linter.settings import SettingsResolver
from lightning_lint.model.sources import kind_of

PROJECT_MARKERS = ("pyproject.toml", "lightning-lint.toml", "setup.py", "setup.cfg", ".git")

# What the project facts scan looks at (``project_facts.py``): Python files, and files that
# may hold command lines (scripts, Makefiles, docs, CI workflows)
_INVOCATION_FILES = re.compile(r"(\.(sh|bash|zsh|mk|md|rst|txt|slurm|sbatch|yml|yaml)|^Makefile|^Justfile)$")


def facts_file(name: str) -> bool:
    """Whether the project facts scan looks at a file of this name."""
    return name.endswith((".py", ".ipynb")) or bool(_INVOCATION_FILES.search(name))


def find_project_root(path: Path) -> Optional[Path]:
    """The nearest folder above ``path`` that looks like a project root."""
    path = Path(os.path.abspath(path))
    directory = path if path.is_dir() else path.parent
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return None


@dataclass(frozen=True)
class Candidate:
    path: Path
    explicit: bool  # named on the command line


@dataclass
class Discovery:
    files: List[Candidate] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # paths that do not exist
    # project root -> the files its facts scan looks at (absolute paths, in walk order), for
    # each project root that a walked folder is: the same walk lists them, so the facts
    # need not walk the tree again (``project_facts.gather``)
    listings: Dict[Path, List[str]] = field(default_factory=dict)


class _GitIgnores:
    """The .gitignore rules that apply inside one repository, collected lazily."""

    def __init__(self) -> None:
        self._specs: Dict[str, Optional[List[Any]]] = {}

    def _spec(self, directory: str) -> Optional[List[Any]]:
        """The patterns of ``directory``'s .gitignore (and of .git/info/exclude at a
        repository root) that decide something; None when there are none."""
        if directory not in self._specs:
            lines: List[str] = []
            for name in (".gitignore",):
                try:
                    with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as handle:
                        lines.extend(handle.read().splitlines())
                except OSError:
                    pass
            if os.path.isdir(os.path.join(directory, ".git")):
                try:
                    with open(
                        os.path.join(directory, ".git", "info", "exclude"), encoding="utf-8", errors="replace"
                    ) as handle:
                        lines.extend(handle.read().splitlines())
                except OSError:
                    pass
            patterns = None
            lines = [line for line in lines if line.strip() and not line.startswith("#")]
            if lines:  # pathspec is imported only when there is a pattern to match
                import pathspec

                spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
                patterns = [pattern for pattern in spec.patterns if pattern.include is not None] or None
            self._specs[directory] = patterns
        return self._specs[directory]

    def ignored(self, path: Union[str, Path], is_dir: bool) -> bool:
        """Whether any .gitignore between the repository root and ``path`` ignores it.
        Later (deeper) files may re-include with ``!pattern``."""
        absolute = os.path.abspath(path)
        root = _repo_root(os.path.dirname(absolute))
        if root is None:
            return False
        prefix = root if root.endswith(os.sep) else root + os.sep
        relative_parts = absolute[len(prefix) :].split(os.sep)
        ignored = False
        directory = root
        for depth in range(len(relative_parts)):
            spec = self._spec(directory)
            if spec is not None:
                rel = "/".join(relative_parts[depth:])
                result = _match(spec, rel + ("/" if is_dir else ""))
                if result is not None:
                    ignored = result
            if depth < len(relative_parts) - 1:
                directory = os.path.join(directory, relative_parts[depth])
        return ignored


def _match(patterns: List[Any], rel: str) -> Optional[bool]:
    """True (ignored), False (re-included by a negation) or None (no pattern matched)."""
    result = None
    for pattern in patterns:
        if pattern.match_file(rel):
            result = pattern.include
    return result


_REPO_ROOTS: Dict[str, Optional[str]] = {}


def _repo_root(directory: str) -> Optional[str]:
    """The nearest folder at or above ``directory`` (absolute) holding ``.git``."""
    if directory in _REPO_ROOTS:
        return _REPO_ROOTS[directory]
    root: Optional[str] = None
    if os.path.exists(os.path.join(directory, ".git")):
        root = directory
    else:
        parent = os.path.dirname(directory)
        if parent != directory:
            root = _repo_root(parent)
    _REPO_ROOTS[directory] = root
    return root


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def discover(
    paths: List[str],
    resolver: SettingsResolver,
    force_exclude: bool = False,
    facts_accept: Optional[Callable[[str], bool]] = None,
) -> Discovery:
    """The Python and YAML files under ``paths``, in a stable order. With
    ``facts_accept``, a walked folder that is a project root also gets its listing for
    the project facts (the files whose names ``facts_accept`` takes, outside nested projects)."""
    result = Discovery()
    gitignores = _GitIgnores()
    seen: Set[Union[str, Path]] = set()  # absolute paths (strings from walks)
    for raw in paths:
        path = Path(raw)
        absolute = Path(os.path.abspath(path))
        if not absolute.exists() and not absolute.is_symlink():
            result.missing.append(raw)
            continue
        if absolute.is_dir():
            listing: Optional[List[str]] = None
            if facts_accept is not None and absolute not in result.listings and _is_project_root(str(absolute)):
                listing = result.listings[absolute] = []
            prefix, given = str(absolute).rstrip(os.sep) + os.sep, str(path)
            for file in _walk_names(absolute, resolver, gitignores, listing=listing, also=facts_accept):
                if file not in seen:
                    seen.add(file)
                    # keep paths as the user wrote them: ``src/`` -> ``src/train.py``
                    result.files.append(Candidate(Path(given, file[len(prefix) :]), explicit=False))
            continue
        if force_exclude and _excluded(absolute, resolver, gitignores, is_dir=False):
            continue
        if str(absolute) not in seen:
            seen.add(str(absolute))
            result.files.append(Candidate(path, explicit=True))
    return result


def _excluded(path: Path, resolver: SettingsResolver, gitignores: _GitIgnores, is_dir: bool) -> bool:
    settings = resolver.for_path(path if is_dir else path.parent)
    if settings.is_excluded(path):
        return True
    if settings.respect_gitignore and gitignores.ignored(path, is_dir):
        return True
    # a file passed explicitly inside an excluded folder is excluded too
    for parent in path.parents:
        if parent == settings.root or parent.parent == parent:
            break
        if settings.is_excluded(parent) or _is_virtualenv(parent):
            return True
    return False


def _is_project_root(directory: str, names: Optional[List[str]] = None) -> bool:
    """Whether ``directory`` holds a project marker (``names``: its entries, when known)."""
    if names is not None and not any(name in PROJECT_MARKERS for name in names):
        return False
    return any(os.path.exists(os.path.join(directory, marker)) for marker in PROJECT_MARKERS)


def _walk(
    top: Path,
    resolver: SettingsResolver,
    gitignores: _GitIgnores,
    accept: Callable[[str], bool] = lambda name: kind_of(name) is not None,
    skip_dir: Optional[Callable[[str], bool]] = None,
) -> Iterator[Path]:
    for name in _walk_names(top, resolver, gitignores, accept, skip_dir):
        yield Path(name)


def _walk_names(
    top: Path,
    resolver: SettingsResolver,
    gitignores: _GitIgnores,
    accept: Callable[[str], bool] = lambda name: kind_of(name) is not None,
    skip_dir: Optional[Callable[[str], bool]] = None,
    listing: Optional[List[str]] = None,
    also: Optional[Callable[[str], bool]] = None,
) -> Iterator[str]:
    """The files under ``top`` that ``accept`` takes. With ``listing``, the same walk also
    appends to it the files ``also`` takes that lie outside any nested project (a folder
    below ``top`` with a project marker): what ``walk_project(top, accept=also)`` gives."""
    # Strings, not Path objects, until a file is accepted: this loop sees every entry.
    stack: List[Tuple[str, bool]] = [(str(top), False)]
    while stack:
        directory, nested = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        settings = resolver.for_path(directory)  # type: ignore[arg-type]  # a str is a path too
        if listing is not None and not nested and directory != str(top):
            nested = _is_project_root(directory, [e.name for e in entries])
        listed = listing is not None and also is not None and not nested
        subdirs: List[Tuple[str, bool]] = []
        for entry in entries:
            path = entry.path
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if settings.is_excluded(path) or os.path.isfile(os.path.join(path, "pyvenv.cfg")):
                    continue
                if settings.respect_gitignore and gitignores.ignored(path, is_dir=True):
                    continue
                if skip_dir is not None and skip_dir(path):
                    continue
                subdirs.append((path, nested))
                continue
            wanted = accept(entry.name)
            in_listing = listed and also(entry.name)  # type: ignore[misc]
            if not wanted and not in_listing:
                continue
            if is_link and _points_to_dir(Path(path)):
                continue  # a link to a folder: never followed
            if settings.is_excluded(path):
                continue
            if settings.respect_gitignore and gitignores.ignored(path, is_dir=False):
                continue
            if in_listing:
                listing.append(path)  # type: ignore[union-attr]
            if wanted:
                yield path
        stack.extend(reversed(subdirs))


def _points_to_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def walk_project(
    root: Path,
    resolver: SettingsResolver,
    kinds: Tuple[str, ...] = ("python",),
    accept: Optional[Callable[[str], bool]] = None,
) -> Iterator[Path]:
    """Every file of the given kinds (or whose name ``accept`` takes) in a project, for
    the project-wide facts. A folder that is a project of its own (it has a
    ``pyproject.toml``, ``.git``, ...) is left out: its files belong to that project."""
    gitignores = _GitIgnores()
    wanted = accept or (lambda name: kind_of(name) in kinds)

    def nested_project(path: str) -> bool:
        return any(os.path.exists(os.path.join(path, marker)) for marker in PROJECT_MARKERS)

    yield from _walk(root, resolver, gitignores, wanted, skip_dir=nested_project)
