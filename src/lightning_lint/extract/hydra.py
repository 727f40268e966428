"""Composing a Hydra config directory the way Hydra does, for the default choices.

A trainer option such as ``configs/trainer/gpu.yaml`` (``defaults: [default]``,
``accelerator: gpu``) means nothing alone: Hydra merges ``default.yaml`` first. An
experiment (``# @package _global_`` with ``override /trainer: gpu``) changes other
groups' choices. This module finds the config root and the file's group, composes the
primary config (``train.yaml``) with the file chosen for its group, and returns the
merged tree, in which every value still knows the file and line it came from.

Supported: the defaults list (``_self_``, same-group entries, ``group: option``, nested
relative groups, ``optional``, ``override /group: option``, ``null``, lists of options),
``# @package`` headers (``_global_``, ``_group_``, dotted packages), OmegaConf merge
semantics (maps merge, everything else replaces). Anything else (``group@pkg``,
interpolated choices, a missing trainer/callbacks/logger option) makes composition
undecidable: the caller then lints the file on its own values, never a guess.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from lightning_lint.extract.yaml import CONSUMER_OMEGACONF, Document, YamlError, YNode, load
from lightning_lint.model import dependencies
from lightning_lint.model.sources import UnreadableSource, read_source
from lightning_lint.model.spec import FLAVOR_HYDRA, Extraction

# Groups whose absence would hide Trainer settings: composition without them is a guess.
ESSENTIAL_GROUPS = ("trainer", "callbacks", "logger")
_MAX_ROUNDS = 5
_PACKAGE = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)


class Undecidable(Exception):
    """Composition cannot be decided; lint the file on its own values."""


@dataclass(frozen=True)
class Entry:
    group: Optional[str]  # None for _self_ or a same-group name
    options: Tuple[str, ...]  # empty: null
    optional: bool = False
    override: bool = False
    absolute: bool = False
    same_group: bool = False

    @property
    def is_self(self) -> bool:
        return self.group is None and not self.same_group


_SELF = Entry(None, ())


# -- loading, cached per run --------------------------------------------------------------

_CACHE: Dict[Path, Tuple[float, Optional[Document]]] = {}


def _document(path: Path) -> Optional[Document]:
    dependencies.note_file(path)  # what the composition read decides the findings (the results cache)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    document: Optional[Document] = None
    try:
        source = read_source(path, _display(path))
        documents = load(source)
        document = documents[0] if len(documents) == 1 else None
    except (UnreadableSource, YamlError):
        document = None
    _CACHE[path] = (mtime, document)
    return document


def _display(path: Path) -> str:
    """The path as findings show it: relative to the working directory when inside it."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# -- the defaults list ------------------------------------------------------------------


def defaults_of(document: Document) -> Optional[List[Entry]]:
    """The parsed defaults list (None when the config has none); raises Undecidable."""
    node = document.root.get("defaults") if document.root.kind == "map" else None
    if node is None:
        return None
    if node.kind != "seq":
        raise Undecidable("the defaults list is not a list")
    entries = []
    for item in node.items:
        if item.kind == "scalar":
            name = str(item.raw)
            if name == "_self_":
                entries.append(_SELF)
            elif "${" in name:
                raise Undecidable(f"defaults entry `{name}` is interpolated")
            else:
                entries.append(Entry(None, (name,), same_group=True))
            continue
        if item.kind != "map" or len(item.entries) != 1:
            raise Undecidable("unsupported defaults entry")
        ((key, value),) = item.entries.items()
        optional = key.startswith("optional ")
        override = key.startswith("override ")
        group = key.split(" ", 1)[1].strip() if optional or override else key.strip()
        if "@" in group:
            raise Undecidable(f"package override `{group}` in a defaults entry")
        absolute = group.startswith("/")
        group = group.strip("/")
        if value.kind == "scalar":
            raw = value.scalar(CONSUMER_OMEGACONF)
            if raw is None:
                options: Tuple[str, ...] = ()
            elif isinstance(raw, str) and ("${" in raw or raw.strip() == "???"):
                raise Undecidable(f"the choice for `{group}` is `{raw}`")
            else:
                options = (str(raw),)
        elif value.kind == "seq" and all(v.kind == "scalar" for v in value.items):
            options = tuple(str(v.raw) for v in value.items)
        else:
            raise Undecidable(f"unsupported choice for `{group}`")
        entries.append(Entry(group, options, optional, override, absolute))
    return entries


def package_of(document: Document, group: str) -> str:
    """Where a group option's content goes: the group path, or its ``@package``."""
    match = _PACKAGE.search(document.header)
    if match:
        package = match.group(1)
        if package == "_global_":
            return ""
        return package.replace("_group_", group.replace("/", "."))
    return group.replace("/", ".")


# -- finding the config root ----------------------------------------------------------------


@dataclass(frozen=True)
class ConfigDir:
    root: Path
    group: str  # "" for a primary config in the root
    primaries: Tuple[Path, ...]  # primary configs whose defaults list names this group


def _groups_named(entries: List[Entry]) -> List[str]:
    return [e.group for e in entries if e.group]


# find_config_dir's answers while one file is extracted (``remembering``): it is asked two or
# three times per config, and each answer reads the configs of up to five parent folders
_FOUND: Optional[Dict[str, Optional[ConfigDir]]] = None


@contextmanager
def remembering() -> Iterator[None]:
    """Remember ``find_config_dir``'s answers for the extraction of one file (the files it
    read are recorded in that file's dependencies the first time; nothing outlives it, so a
    long-lived server sees every change)."""
    global _FOUND
    outer = _FOUND
    _FOUND = {} if outer is None else outer
    try:
        yield
    finally:
        _FOUND = outer


def find_config_dir(path: Path) -> Optional[ConfigDir]:
    if _FOUND is None:
        return _find_config_dir(Path(os.path.abspath(path)))
    key = os.path.abspath(path)
    if key not in _FOUND:
        _FOUND[key] = _find_config_dir(Path(key))
    return _FOUND[key]


def _find_config_dir(path: Path) -> Optional[ConfigDir]:
    for depth, root in enumerate(path.parents):
        if depth > 4:
            break
        rel_dir = path.parent.relative_to(root).as_posix()
        group = "" if rel_dir == "." else rel_dir
        primaries = []
        if group == "":
            # In its own folder only the file itself can be a primary config: its siblings
            # need not be read (they were, for every file of a folder: quadratic work, and a
            # dependency of each file's cached findings on all its siblings).
            candidates = [path] if path.suffix in (".yaml", ".yml") and dependencies.is_file(path) else []
        else:
            try:
                candidates = dependencies.yaml_files(root)
            except OSError:
                continue
        for candidate in candidates:
            document = _document(candidate)
            if document is None:
                continue
            try:
                entries = defaults_of(document)
            except Undecidable:
                continue
            if not entries:
                continue
            named = _groups_named(entries)
            if not named or not any(dependencies.is_dir(root / g) for g in named):
                continue
            if group == "" and candidate == path:
                return ConfigDir(root, "", (candidate,))
            if group and (group in named or group.split("/")[0] in named):
                primaries.append(candidate)
        if primaries:
            preferred = sorted(primaries, key=lambda p: (p.stem not in ("train", "config", "main"), p.name))
            return ConfigDir(root, group, tuple(preferred))
    return None


def group_of(path: Path) -> Optional[str]:
    """The config group a file belongs to, when that can be told from a config root
    (or, without one, from a parent folder named like a Lightning group)."""
    found = find_config_dir(path)
    if found is not None:
        return found.group or None
    parent = Path(os.path.abspath(path)).parent.name
    return parent if parent in ESSENTIAL_GROUPS else None


def sibling_targets(path: Path) -> List[str]:
    """The top-level ``_target_`` of the other options in the file's folder (its config group)."""
    folder = Path(os.path.abspath(path)).parent
    try:
        siblings = dependencies.yaml_files(folder)
    except OSError:
        return []
    found = []
    for sibling in siblings:
        if sibling.name == Path(path).name or not _mentions_target(sibling):
            continue
        document = _document(sibling)
        target = document.root.get("_target_") if document is not None and document.root.kind == "map" else None
        if target is not None and target.kind == "scalar" and isinstance(target.raw, str):
            found.append(target.raw)
    return found


def _mentions_target(path: Path) -> bool:
    """Whether a file may have a top-level ``_target_`` (else it is not worth parsing: a
    config folder can hold many large options, with targets only deeper down)."""
    dependencies.note_file(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if b"_target_" not in data:
        return False
    if b"<<" in data:
        return True  # a merge key may bring one in
    first = _FIRST_CONTENT.search(data)
    if first is None or first.group(1)[:1] in (b" ", b"\t", b"[", b"{"):
        return True  # not a block mapping at column 0: parse to know
    # a top-level key of a block mapping at column 0 is written at column 0
    return _TOP_LEVEL_TARGET.search(data) is not None


# the first line that is not blank, a comment, a directive or a document marker
_FIRST_CONTENT = re.compile(rb"^(?![ \t]*(?:#|$)|%|---|\.\.\.)(.)", re.M)
_TOP_LEVEL_TARGET = re.compile(rb"^[\"']?_target_[\"']?[ \t]*:", re.M)


# -- merging --------------------------------------------------------------------------------


def merge(base: Optional[YNode], over: YNode) -> YNode:
    """OmegaConf merge: maps merge key by key, anything else replaces."""
    if base is None or base.kind != "map" or over.kind != "map":
        return over
    entries = dict(base.entries)
    for key, child in over.entries.items():
        entries[key] = merge(entries.get(key), child)
    return replace(over, entries=entries)


def place_in_package(node: YNode, group: str, header: str) -> YNode:
    """Nest a group option's content under its package."""
    return _nest(node, package_of(Document(node, [], header), group))


def _nest(node: YNode, package: str) -> YNode:
    if not package:
        return node
    for part in reversed(package.split(".")):
        node = YNode("map", node.path, node.span, None, entries={part: node})
    return node


def strip_defaults(node: YNode) -> YNode:
    """The config without its defaults list (Hydra consumes it when composing)."""
    if node.kind != "map" or "defaults" not in node.entries:
        return node
    return replace(node, entries={k: v for k, v in node.entries.items() if k != "defaults"})


# -- composing ------------------------------------------------------------------------------


class _Composer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.missing: List[str] = []

    def option_path(self, group: str, option: str) -> Optional[Path]:
        for suffix in (".yaml", ".yml"):
            candidate = self.root / group / f"{option}{suffix}"
            if dependencies.is_file(candidate):
                return candidate
        return None

    def option_document(self, group: str, option: str, optional: bool) -> Optional[Document]:
        path = self.option_path(group, option)
        document = _document(path) if path is not None else None
        if document is None:
            if group.split("/")[0] in ESSENTIAL_GROUPS and not optional:
                raise Undecidable(f"`{group}/{option}` cannot be loaded")
            if f"{group}/{option}" not in self.missing:  # the overrides pass looks options up too
                self.missing.append(f"{group}/{option}")
        return document

    def overrides(self, entries: List[Entry], choices: Dict[str, Tuple[str, ...]]) -> None:
        """Apply ``override /group: option`` from every selected option, until stable."""
        for _ in range(_MAX_ROUNDS):
            changed = False
            for group, options in list(choices.items()):
                for option in options:
                    document = self.option_document(group, option, optional=True)
                    if document is None:
                        continue
                    for entry in defaults_of(document) or []:
                        if entry.override and entry.group and choices.get(entry.group) != entry.options:
                            choices[entry.group] = entry.options
                            changed = True
            if not changed:
                return
        raise Undecidable("the defaults overrides do not settle")

    def option(self, group: str, option: str, optional: bool = False, depth: int = 0) -> Optional[YNode]:
        """A group option with its own defaults applied, placed in its package."""
        if depth > 8:
            raise Undecidable("defaults nest too deeply")
        document = self.option_document(group, option, optional)
        if document is None:
            return None
        entries = defaults_of(document) or []
        if not any(e.is_self for e in entries):
            entries = entries + [_SELF]
        package = package_of(document, group)
        result: Optional[YNode] = None
        for entry in entries:
            if entry.override:
                continue
            if entry.is_self:
                node: Optional[YNode] = _nest(strip_defaults(document.root), package)
            elif entry.same_group:
                node = self.option(group, entry.options[0], depth=depth + 1)
            else:
                assert entry.group is not None  # neither _self_ nor a same-group name
                sub = (
                    entry.group
                    if entry.absolute or not dependencies.is_dir(self.root / group / entry.group)
                    else f"{group}/{entry.group}"
                )
                node = None
                for choice in entry.options:
                    part = self.option(sub, choice, entry.optional, depth + 1)
                    node = merge(node, part) if part is not None else node
            if node is not None:
                result = merge(result, node)
        return result

    def primary(self, path: Path, chosen: Dict[str, Tuple[str, ...]]) -> YNode:
        document = _document(path)
        if document is None:
            raise Undecidable(f"{path.name} cannot be loaded")
        entries = defaults_of(document) or []
        if not any(e.is_self for e in entries):
            entries = entries + [_SELF]
        choices: Dict[str, Tuple[str, ...]] = {}
        for entry in entries:
            if entry.group and not entry.override:
                choices[entry.group] = entry.options
        for group, options in chosen.items():
            choices[group] = options
        self.overrides(entries, choices)
        order = [e for e in entries if not e.override]
        named = {e.group for e in order if e.group}
        order += [Entry(group, options) for group, options in chosen.items() if group not in named]
        result: Optional[YNode] = None
        for entry in order:
            if entry.is_self:
                node: Optional[YNode] = strip_defaults(document.root)
            elif entry.same_group:
                continue  # a primary config has no group of its own
            else:
                assert entry.group is not None  # neither _self_ nor a same-group name
                node = None
                for option in choices.get(entry.group, entry.options):
                    part = self.option(entry.group, option, entry.optional)
                    node = merge(node, part) if part is not None else node
            if node is not None:
                result = merge(result, node)
        if result is None:
            raise Undecidable("nothing to compose")
        return result


def compose_for(path: Path, document: Document, extraction: Extraction) -> Optional[Tuple[YNode, str]]:
    """The composed config in which ``path`` takes part, or None when this file is not
    part of a Hydra config directory or the composition cannot be decided."""
    try:
        entries = defaults_of(document)
    except Undecidable as why:
        extraction.facts["hydra_undecidable"] = str(why)
        return None
    absolute = Path(os.path.abspath(path))
    try:
        _CACHE[absolute] = (absolute.stat().st_mtime, document)  # this file as the user named it
    except OSError:
        pass
    found = find_config_dir(path)
    try:
        if found is not None and found.group == "":
            composer = _Composer(found.root)
            root = composer.primary(Path(os.path.abspath(path)), {})
            _record(extraction, found, composer, "primary")
            return resolve_interpolations(root), FLAVOR_HYDRA
        if found is not None:
            option = Path(path).stem
            for primary in found.primaries:
                composer = _Composer(found.root)
                try:
                    root = composer.primary(primary, {found.group: (option,)})
                except Undecidable:
                    continue
                _record(extraction, found, composer, primary.name)
                return resolve_interpolations(root), FLAVOR_HYDRA
            composer = _Composer(found.root)
            node = composer.option(found.group, option)
            if node is not None:
                _record(extraction, found, composer, None)
                return resolve_interpolations(node), FLAVOR_HYDRA
            return None
        # no config root: a group option may still inherit from its siblings
        group = group_of(path)
        if group is not None and entries:
            composer = _Composer(Path(os.path.abspath(path)).parent.parent)
            node = composer.option(group, Path(path).stem)
            if node is not None:
                extraction.facts["hydra"] = {"group": group, "primary": None, "missing": composer.missing}
                return resolve_interpolations(node), FLAVOR_HYDRA
    except Undecidable as why:
        extraction.facts["hydra_undecidable"] = str(why)
    return None


def _record(extraction: Extraction, found: ConfigDir, composer: _Composer, primary: Optional[str]) -> None:
    extraction.facts["hydra"] = {
        "root": str(found.root),
        "group": found.group,
        "primary": primary,
        "missing": list(composer.missing),
    }
    extraction.facts["composed"] = True


# -- interpolations ---------------------------------------------------------------------------

_SIMPLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}$")


def resolve_interpolations(root: YNode) -> YNode:
    """Replace ``${a.b}`` (one absolute reference, nothing else in the string) by the
    literal it names, when that is a plain scalar of the composed config. The result
    keeps the place where the reference was written."""

    def lookup(path: str) -> Optional[YNode]:
        node: Optional[YNode] = root
        for part in path.split("."):
            node = node.get(part) if node is not None else None
        return node

    def visit(node: YNode, depth: int = 0) -> YNode:
        if node.kind == "map":
            return replace(node, entries={k: visit(v, depth) for k, v in node.entries.items()})
        if node.kind == "seq":
            return replace(node, items=[visit(v, depth) for v in node.items])
        if node.style is None and isinstance(node.raw, str):
            match = _SIMPLE.match(node.raw.strip())
            if match and depth < 8:
                target = lookup(match.group(1))
                if target is not None and target.kind == "scalar" and target.tag is None:
                    resolved = visit(target, depth + 1)
                    if not (isinstance(resolved.raw, str) and "${" in resolved.raw):
                        return replace(node, raw=resolved.raw, style=resolved.style)
        return node

    return visit(root)
