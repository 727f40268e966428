"""Configuration: ``[tool.lightning-lint]`` in ``pyproject.toml`` or a ``lightning-lint.toml``.

As in ruff, the configuration file closest to a linted file wins (no merging up the
tree), and command-line options override it. Unknown keys are an error with a
did-you-mean, so a typo in the configuration never silently does nothing.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List, Optional, Tuple, Type, Union

from lightning_lint.linter.tomlread import TOMLDecodeError, parse_toml

CONFIG_FILES = ("lightning-lint.toml", ".lightning-lint.toml", "pyproject.toml")
TOOL_TABLE = "lightning-lint"

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
    ".lightning-lint-cache",
    "__pycache__",
)
# LL5xx (debugging settings left on) stay quiet in these paths: debug configs and scripts,
# and tests, where `fast_dev_run=True` is what Lightning recommends.
DEFAULT_DEBUG_PATHS = (
    "**/debug/**",
    "**/*debug*",
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
)


class ConfigError(Exception):
    """A configuration file that cannot be used; the run stops with exit code 2."""


@dataclass(frozen=True)
class Settings:
    """The resolved settings for one configuration file (or none)."""

    root: Path  # the directory of the configuration file (or the working directory)
    config_path: Optional[Path] = None
    select: Optional[Tuple[str, ...]] = None  # None: the rules that are on by default
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    include: Tuple[str, ...] = ()  # YAML files to treat as Lightning configs whatever they contain
    respect_gitignore: bool = True
    target_version: Optional[str] = None
    fail_on: str = "warning"
    max_file_size: int = 4 * 1024 * 1024
    debug_paths: Tuple[str, ...] = DEFAULT_DEBUG_PATHS
    facts: Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...] = ()  # path pattern -> facts
    rule_options: Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...] = ()
    cache_dir: Optional[str] = None

    # -- paths -------------------------------------------------------------------------
    def relative(self, path: Union[str, Path]) -> Optional[str]:
        """``path`` relative to the settings' root, in POSIX form; None if outside."""
        # string operations: this runs for every file and folder a run walks
        absolute = os.path.abspath(path)
        root = str(self.root)
        if absolute == root:
            return "."
        prefix = root if root.endswith(os.sep) else root + os.sep
        if not absolute.startswith(prefix):
            return None
        rel = absolute[len(prefix) :]
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def is_excluded(self, path: Union[str, Path]) -> bool:
        """Matches ``exclude``/``extend-exclude`` (gitignore style, from the root)."""
        rel = self.relative(path) or Path(path).name
        return _matcher(self.exclude + self.extend_exclude).matches(rel)

    def matches_any(self, path: Path, patterns: Tuple[str, ...]) -> bool:
        rel = self.relative(path) or Path(path).as_posix()
        return _matcher(patterns).matches(rel)

    def is_debug_path(self, path: Path, project_root: Optional[Path] = None) -> bool:
        """Matches ``debug-paths``: the path relative to the settings' root, else to the
        project root (a ``tests`` folder above the project does not count), else the
        whole path (erring towards silence)."""
        absolute = Path(os.path.abspath(path))
        rel = self.relative(absolute)
        if rel is None and project_root is not None:
            try:
                rel = PurePosixPath(absolute.relative_to(project_root)).as_posix()
            except ValueError:
                rel = None
        rel = rel or absolute.as_posix().lstrip("/")
        return _matcher(self.debug_paths).matches(rel)

    def ignored_codes_for(self, path: Path) -> Tuple[str, ...]:
        rel = self.relative(path) or Path(path).as_posix()
        codes: List[str] = []
        for pattern, selectors in self.per_file_ignores:
            if _glob_match(rel, pattern):
                codes.extend(selectors)
        return tuple(codes)

    def facts_for(self, path: Path) -> Dict[str, Any]:
        rel = self.relative(path) or Path(path).as_posix()
        merged: Dict[str, Any] = {}
        for pattern, facts in self.facts:
            if _glob_match(rel, pattern):
                merged.update(dict(facts))
        return merged

    def options_for(self, code: str) -> Dict[str, Any]:
        for rule, options in self.rule_options:
            if rule == code:
                return dict(options)
        return {}


def _normal_pattern(pattern: str) -> str:
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/")


def _glob_match(rel: str, pattern: str) -> bool:
    """gitignore-like glob over a root-relative POSIX path: ``*`` stays within a
    component, ``**`` crosses them; a pattern matches the path or any of its folders; a
    pattern without a slash matches any single component (``venv``, ``*.yaml``)."""
    pattern = _normal_pattern(pattern)
    if not pattern:
        return False
    regex = _compile_glob(pattern)
    parts = rel.split("/")
    if "/" not in pattern:
        return any(regex.fullmatch(part) for part in parts)
    return any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1))


class _Matcher:
    """``any(_glob_match(rel, p) for p in patterns)``, precompiled: plain names in a set,
    one-component globs in one regular expression, the rest one by one."""

    def __init__(self, patterns: Tuple[str, ...]) -> None:
        names, components, paths = set(), [], []
        for raw in patterns:
            pattern = _normal_pattern(raw)
            if not pattern:
                continue
            if "/" in pattern:
                paths.append(_compile_glob(pattern))
            elif not any(c in pattern for c in "*?["):
                names.add(pattern)
            else:
                components.append(f"(?:{_compile_glob(pattern).pattern})")
        self.names = frozenset(names)
        self.component = re.compile("|".join(components)) if components else None
        self.paths = paths

    def matches(self, rel: str) -> bool:
        parts = rel.split("/")
        for part in parts:
            if part in self.names or (self.component is not None and self.component.fullmatch(part)):
                return True
        if self.paths:
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                if any(regex.fullmatch(prefix) for regex in self.paths):
                    return True
        return False


_MATCHERS: Dict[Tuple[str, ...], _Matcher] = {}


def _matcher(patterns: Tuple[str, ...]) -> _Matcher:
    found = _MATCHERS.get(patterns)
    if found is None:
        found = _MATCHERS[patterns] = _Matcher(patterns)
    return found


_GLOB_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _compile_glob(pattern: str) -> "re.Pattern[str]":
    cached = _GLOB_CACHE.get(pattern)
    if cached is not None:
        return cached
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    compiled = re.compile("".join(out))
    _GLOB_CACHE[pattern] = compiled
    return compiled


# -- reading configuration files ------------------------------------------------------------

_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "extend-per-file-ignores",
    "exclude",
    "extend-exclude",
    "include",
    "respect-gitignore",
    "target-version",
    "fail-on",
    "max-file-size",
    "debug-paths",
    "facts",
    "rules",
    "cache-dir",
}


def read_config(path: Path) -> Optional[Dict[str, Any]]:
    """The ``[tool.lightning-lint]`` table of a config file; None for a pyproject.toml
    without one. Raises ConfigError for a file that does not parse."""
    try:
        data = parse_toml(path)
    except TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get(TOOL_TABLE) if isinstance(tool, dict) else None
        return table if isinstance(table, dict) else None
    # lightning-lint.toml: the table itself, or nested under [tool.lightning-lint]
    tool = data.get("tool", {})
    if isinstance(tool, dict) and isinstance(tool.get(TOOL_TABLE), dict):
        return tool[TOOL_TABLE]
    return data


def settings_from_table(table: Dict[str, Any], config_path: Path) -> Settings:
    where = f"{config_path}"
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, sorted(_KEYS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise ConfigError(f"{where}: unknown setting `{key}` in [tool.{TOOL_TABLE}]{hint}")
    settings = Settings(root=config_path.parent.resolve(), config_path=config_path)
    changes: Dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "exclude", "extend-exclude", "include", "debug-paths"):
        if key in table:
            changes[key.replace("-", "_")] = tuple(_string_list(table[key], key, where))
    pfi: List[Tuple[str, Tuple[str, ...]]] = []
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        value = table.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: `{key}` must be a table of glob = [codes]")
        for pattern, codes in value.items():
            pfi.append((pattern, tuple(_string_list(codes, f"{key}.{pattern}", where))))
    if pfi:
        changes["per_file_ignores"] = tuple(pfi)
    _check_selectors(
        where,
        changes.get("select", ()),
        changes.get("extend_select", ()),
        changes.get("ignore", ()),
        *(codes for _, codes in pfi),
    )
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: `respect-gitignore` must be true or false")
        changes["respect_gitignore"] = table["respect-gitignore"]
    if "target-version" in table:
        from lightning_lint.linter.versions import parse_version_setting

        try:
            parse_version_setting(str(table["target-version"]))
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        changes["target_version"] = str(table["target-version"])
    if "fail-on" in table:
        changes["fail_on"] = _fail_on(table["fail-on"], where)
    if "max-file-size" in table:
        changes["max_file_size"] = parse_size(table["max-file-size"], where)
    if "cache-dir" in table:
        changes["cache_dir"] = str(table["cache-dir"])
    if "facts" in table:
        changes["facts"] = _facts(table["facts"], where)
    if "rules" in table:
        rules = table["rules"]
        if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
            raise ConfigError(f"{where}: `rules` must be a table of rule code = {{option = value}}")
        changes["rule_options"] = tuple(
            (code, tuple(sorted(_rule_options(code, opts, where).items()))) for code, opts in rules.items()
        )
    return replace(settings, **changes)


FACT_KEYS: Dict[str, Type[int]] = {  # int or bool (a subclass of int)
    "train-batches-per-epoch": int,
    "dataset-size": int,
    "batch-size": int,
    "drop-last": bool,
    "world-size": int,
    "val-batches": int,
}


def _facts(value: Any, where: str) -> Tuple[Tuple[str, Tuple[Tuple[str, Any], ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: `facts` must be a table of "path or glob" = {{fact = value}}')
    out = []
    for pattern, facts in value.items():
        if not isinstance(facts, dict):
            raise ConfigError(
                f'{where}: `facts."{pattern}"` must be a table, e.g. {{ train-batches-per-epoch = 26706 }}'
            )
        for key, fact in facts.items():
            kind = FACT_KEYS.get(key)
            if kind is None:
                close = difflib.get_close_matches(key, sorted(FACT_KEYS), n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise ConfigError(f'{where}: unknown fact `{key}` for "{pattern}"{hint}')
            if not isinstance(fact, kind) or (kind is int and (isinstance(fact, bool) or fact < 0)):
                raise ConfigError(
                    f'{where}: fact `{key}` for "{pattern}" must be a '
                    f"{'non-negative integer' if kind is int else 'boolean'}"
                )
        out.append((pattern, tuple(sorted(facts.items()))))
    return tuple(out)


def _rule_options(code: str, options: Dict[str, Any], where: str) -> Dict[str, Any]:
    """Per-rule options, checked like the other keys: a known rule, known names, right types."""
    from lightning_lint import rules

    rule = rules.get(code)
    if rule is None or rule.code != code:
        raise ConfigError(f"{where}: `rules.{code}`: not a rule code")
    for name, value in options.items():
        if name not in rule.OPTIONS:
            close = difflib.get_close_matches(name, sorted(rule.OPTIONS), n=1)
            hint = (
                f"; did you mean `{close[0]}`?"
                if close
                else (f" (it has: {', '.join(sorted(rule.OPTIONS))})" if rule.OPTIONS else " (it has no options)")
            )
            raise ConfigError(f"{where}: unknown option `{name}` for {code}{hint}")
        kind = rule.OPTIONS[name][0]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise ConfigError(f"{where}: `rules.{code}.{name}` must be {kind.__name__}")
    return options


def _check_selectors(where: str, *groups: Tuple[str, ...]) -> None:
    """A misspelt code in the configuration is an error, not a rule silently left on."""
    from lightning_lint import rules

    for selectors in groups:
        try:
            rules.validate_selectors(selectors)
        except rules.UnknownSelector as exc:
            raise ConfigError(f"{where}: {exc}") from None


def _string_list(value: Any, key: str, where: str) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return value


def _fail_on(value: Any, where: str) -> str:
    if value not in ("error", "warning", "info"):
        raise ConfigError(f'{where}: `fail-on` must be "error", "warning" or "info", not {value!r}')
    return value


_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]?)(?:i?[bB])?\s*")


def parse_size(value: Any, where: str = "") -> int:
    """``4194304``, ``"4MB"``, ``"512 KiB"`` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.fullmatch(str(value)) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f'{where}: `max-file-size` must be a number of bytes or a size such as "8MB"')
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


# -- finding the configuration for a path ---------------------------------------------------


@dataclass
class Overrides:
    """Settings given on the command line; they win over every configuration file."""

    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    target_version: Optional[str] = None
    fail_on: Optional[str] = None
    respect_gitignore: Optional[bool] = None

    def apply(self, settings: Settings) -> Settings:
        changes: Dict[str, Any] = {}
        if self.select is not None:
            changes["select"] = self.select
        if self.extend_select:
            changes["extend_select"] = settings.extend_select + self.extend_select
        if self.ignore:
            changes["ignore"] = settings.ignore + self.ignore
        if self.extend_exclude:
            changes["extend_exclude"] = settings.extend_exclude + self.extend_exclude
        if self.target_version is not None:
            changes["target_version"] = self.target_version
        if self.fail_on is not None:
            changes["fail_on"] = self.fail_on
        if self.respect_gitignore is not None:
            changes["respect_gitignore"] = self.respect_gitignore
        return replace(settings, **changes) if changes else settings


@dataclass
class SettingsResolver:
    """Finds and caches the settings that apply to each directory."""

    cwd: Path
    overrides: Overrides = field(default_factory=Overrides)
    config_file: Optional[Path] = None  # --config: one file for everything
    isolated: bool = False  # --isolated: ignore configuration files
    _by_dir: Dict[Path, Settings] = field(default_factory=dict)
    _by_file: Dict[Path, Settings] = field(default_factory=dict)
    _by_path: Dict[str, Settings] = field(default_factory=dict)
    _by_dir_name: Dict[str, Settings] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cwd = self.cwd.resolve()
        self._fixed: Optional[Settings] = None
        if self.isolated:
            self._fixed = self.overrides.apply(Settings(root=self.cwd))
        elif self.config_file is not None:
            self._fixed = self._load(self.config_file.resolve(), required=True)

    def for_path(self, path: Path) -> Settings:
        if self._fixed is not None:
            return self._fixed
        key = os.fspath(path)
        found = self._by_path.get(key)
        if found is None:  # asked several times for every file of a run: remembered
            absolute = os.path.abspath(key)
            directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
            found = self._by_dir_name.get(directory)
            if found is None:
                found = self._by_dir_name[directory] = self._for_dir(Path(directory))
            self._by_path[key] = found
        return found

    def _for_dir(self, directory: Path) -> Settings:
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        settings: Optional[Settings] = None
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                settings = self._load(candidate)
                if settings is not None:
                    break
        if settings is None:
            parent = directory.parent
            if parent != directory:
                settings = self._for_dir(parent)
            else:
                settings = self.overrides.apply(Settings(root=self.cwd))
        self._by_dir[directory] = settings
        return settings

    def _load(self, path: Path, required: bool = False) -> Optional[Settings]:
        cached = self._by_file.get(path)
        if cached is not None:
            return cached
        table = read_config(path)
        if table is None:
            if required:
                raise ConfigError(f"{path}: no [tool.{TOOL_TABLE}] table")
            return None
        settings = self.overrides.apply(settings_from_table(table, path))
        self._by_file[path] = settings
        return settings

    def config_files(self) -> List[Path]:
        return sorted(self._by_file)
