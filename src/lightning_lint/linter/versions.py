"""Which Lightning release the project targets.

From the settings (``target-version``), else from the project's own pins, else the newest
release the tool knows. A project pinned to ``pytorch-lightning==1.9.5`` must not be told
that ``gpus=`` was removed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from lightning_lint.linter import pins
from lightning_lint.linter.tomlread import load_toml
from lightning_lint.model import lightning_api
from lightning_lint.model.target import NEWEST, TargetVersion

_NAMES = {name.replace("_", "-") for name in lightning_api.LIGHTNING_DISTRIBUTIONS}
_KNOWN = sorted((Version(v) for v in lightning_api.KNOWN_VERSIONS))
# "lightning>=2.1", "pytorch-lightning == 1.9.5", conda's "pytorch-lightning=1.9"
_REQ_IN_TEXT = re.compile(
    r"""(?<![\w.-])(lightning|pytorch[-_]lightning)(?:\[[^\]]*\])?\s*((?:[<>=!~]=?|===)\s*[0-9][\w.*+!-]*"""
    r"""(?:\s*,\s*(?:[<>=!~]=?|===)\s*[0-9][\w.*+!-]*)*)""",
    re.IGNORECASE,
)


def parse_version_setting(text: str) -> Version:
    """``target-version = "1.9"`` / ``"2.6.6"``; raises ValueError."""
    try:
        return Version(str(text).strip().lstrip("v"))
    except InvalidVersion:
        raise ValueError(f'invalid target-version {text!r}; expected a Lightning version such as "2.6"') from None


def resolve(
    setting: Optional[str],
    project_root: Optional[Path],
    directory: Optional[Path] = None,
    folders: Optional[List[Path]] = None,
    memo: Optional[Dict[Any, Optional[TargetVersion]]] = None,
) -> TargetVersion:
    """The target for a file in ``directory``: the setting; else the pins nearest to the
    file (a requirements or environment file in its folder or one above it, below the
    root); else the root's pins; else the pins found anywhere else in the project, when
    they all agree (``folders``: the project's pin folders, when already found); else the
    newest release known. ``memo`` keeps each folder's answer for the files of one run
    (a run asks for every folder that holds a file)."""
    if setting:
        return TargetVersion(parse_version_setting(setting), "the target-version setting")
    if project_root is not None:
        root = project_root
        memo = {} if memo is None else memo

        def pinned(folder: Path) -> Optional[TargetVersion]:
            if folder not in memo:
                memo[folder] = _first(_folder_pins(folder, root))
            return memo[folder]

        for folder in pins.folders_between(directory, project_root):
            found = pinned(folder)
            if found is not None:
                return found
        key = ("root", project_root)  # the root's own pins (pyproject, setup.cfg, ...)
        if key not in memo:
            memo[key] = _first(find_pins(project_root))
        found = memo[key]
        if found is not None:
            return found
        if folders is None:
            folders = pins.pin_folders(project_root)
        elsewhere = [t for t in (pinned(f) for f in folders) if t]
        if elsewhere and len({t.version for t in elsewhere}) == 1:
            return elsewhere[0]
    return NEWEST


def _first(found: Iterable[Tuple[str, str]]) -> Optional[TargetVersion]:
    for where, spec in found:
        version = newest_matching(spec)
        if version is not None:
            return TargetVersion(version, f"{where}: {spec or 'any version'}")
    return None


def _folder_pins(folder: Path, root: Path) -> Iterator[Tuple[str, str]]:
    for path in pins.requirement_files(folder):
        yield from _requirements_txt(path, root)
    for path in pins.environment_files(folder):
        yield from _text_scan(path, root, conda=True)


def newest_matching(spec: str) -> Optional[Version]:
    """The newest known release a specifier admits (what pip would install)."""
    try:
        specifier = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    matching = [v for v in _KNOWN if specifier.contains(v, prereleases=False)]
    if matching:
        return matching[-1]
    # A pin to a release between the ones we list (``==1.9.3``): take it as written.
    exact = re.fullmatch(r"\s*===?\s*([0-9][\w.]*)\s*", spec)
    if exact:
        try:
            return Version(exact.group(1))
        except InvalidVersion:
            return None
    return None


def find_pins(root: Path) -> Iterator[Tuple[str, str]]:
    """(file, specifier) for every Lightning requirement found, most authoritative first."""
    # the files read here are listed in pins.pin_files (the results cache watches them)
    yield from _pyproject(root / "pyproject.toml")
    for path in pins.requirement_files(root):
        yield from _requirements_txt(path, root)
    yield from _setup_cfg(root / "setup.cfg")
    yield from _text_scan(root / "setup.py", root)
    for path in pins.environment_files(root):
        yield from _text_scan(path, root, conda=True)


def _match(requirement: str) -> Optional[str]:
    from packaging.requirements import InvalidRequirement, Requirement  # imported only when a pin file lists some

    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return None
    if req.name.lower().replace("_", "-") not in _NAMES:
        return None
    return str(req.specifier)


def _pyproject(path: Path) -> Iterator[Tuple[str, str]]:
    data = load_toml(path)
    if not data:
        return
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    groups: List[object] = [project.get("dependencies", [])]
    optional = project.get("optional-dependencies", {})
    if isinstance(optional, dict):
        groups.extend(optional.values())
    dependency_groups = data.get("dependency-groups", {})
    if isinstance(dependency_groups, dict):
        groups.extend(dependency_groups.values())
    for group in groups:
        for item in group if isinstance(group, list) else []:
            spec = _match(item) if isinstance(item, str) else None
            if spec is not None:
                yield "pyproject.toml", spec
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        for table in (
            poetry.get("dependencies", {}),
            *(g.get("dependencies", {}) for g in poetry.get("group", {}).values() if isinstance(g, dict)),
        ):
            for name, constraint in table.items() if isinstance(table, dict) else ():
                if name.lower().replace("_", "-") in _NAMES:
                    if isinstance(constraint, dict):
                        constraint = constraint.get("version", "*")
                    spec = _poetry_to_pep440(str(constraint))
                    if spec is not None:
                        yield "pyproject.toml", spec


def _poetry_to_pep440(constraint: str) -> Optional[str]:
    constraint = constraint.strip()
    if constraint in ("", "*"):
        return ""
    parts = []
    for piece in constraint.split(","):
        piece = piece.strip()
        match = re.fullmatch(r"([\^~])\s*([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?", piece)
        if match:
            op, major, minor, patch = match.groups()
            low = ".".join(x for x in (major, minor, patch) if x is not None)
            if op == "^":
                high = f"{int(major) + 1}.0" if int(major) > 0 or minor is None else f"0.{int(minor) + 1}"
            else:
                high = f"{major}.{int(minor) + 1}" if minor is not None else f"{int(major) + 1}.0"
            parts.extend([f">={low}", f"<{high}"])
        elif re.fullmatch(r"[0-9][\w.]*", piece):
            parts.append(f"=={piece}")
        else:
            parts.append(piece)
    return ",".join(parts)


def _requirements_txt(path: Path, root: Path) -> Iterator[Tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        spec = _match(line.split(";", 1)[0])
        if spec is not None:
            yield _rel(path, root), spec


def _setup_cfg(path: Path) -> Iterator[Tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for line in text.splitlines():
        spec = _match(line.strip().split(";", 1)[0]) if line.strip() else None
        if spec is not None:
            yield "setup.cfg", spec


def _text_scan(path: Path, root: Path, conda: bool = False) -> Iterator[Tuple[str, str]]:
    """Requirement strings inside setup.py or an environment.yml, by pattern."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for match in _REQ_IN_TEXT.finditer(text):
        spec = match.group(2).replace(" ", "")
        if conda and re.fullmatch(r"=[0-9][\w.]*", spec):  # conda: "=1.9" means 1.9.*
            spec = f"=={spec[1:]}.*" if spec.count(".") < 2 else f"={spec}"
        yield _rel(path, root), spec
    if conda:
        for _match in re.finditer(r"(?m)^\s*-\s*(lightning|pytorch[-_]lightning)\s*$", text):
            yield _rel(path, root), ""


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
