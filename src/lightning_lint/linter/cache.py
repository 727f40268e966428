"""The results cache: an unchanged file is not linted again.

Modelled on ruff's ``.ruff_cache``: one JSON file per cache directory, tool version and
run settings (``<dir>/<version>/<key>.json``), holding for each linted file its findings
keyed by

- the file's content (a BLAKE2 digest of its bytes) and the path it is shown under,
- a digest of the settings that apply to it (select, ignore, per-file ignores, facts,
  rule options, ...),
- everything else the lint consulted (``dependencies.py``): other files read, folders listed,
  the resolved Lightning version, the project facts,

and the run key: the tool version, the Python version, the working directory and the
command-line settings. Project facts are cached too, per file and by content (the
*fragments* of ``project_facts.py``), so an unchanged project is re-gathered without
parsing.

A warm run need not even read an unchanged file: each entry also keeps the file's
*signature* (``signature``: modification and change times in nanoseconds, size, inode),
and a file whose signature is unchanged is taken to have the stored content digest, as
ruff and git do. A signature is stored only for a file that had *settled* when it was
read (its times at least ``RACY_SECONDS`` in the past), so that an edit within the clock's
resolution of a read cannot hide behind an unchanged signature; an unsettled file is
hashed again on the next run. A file whose signature changed is read and hashed, so a
``touch`` costs a read, not a lint.

JSON, not pickle: a cache directory inside a repository is input the tool reads, and
reading it must never run code. A cache file that cannot be read or has the wrong
shape is ignored (and replaced); writes go to a temporary file that is renamed over
the old one, so a reader never sees half a file. Failures that depend on the file
system or the interpreter rather than the content (permission denied, a file too large,
a rule that crashed, a parser out of stack) are not cached.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, overload

from lightning_lint.model import dependencies
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from lightning_lint.model.spec import Loc, Span

FORMAT = 3
DEFAULT_DIR = ".lightning-lint-cache"
ENV_DIR = "LIGHTNING_LINT_CACHE_DIR"

CurrentValue = Callable[[str, str], Optional[str]]

RACY_SECONDS = 2


def signature(path: str) -> Optional[str]:
    """The file's signature for the cache: None when it is not a plain regular file (a
    link, a device, ...: those are always read) or when it changed too recently to be
    trusted (see the module's docstring)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if max(st.st_mtime_ns, st.st_ctime_ns) > time.time_ns() - RACY_SECONDS * 1_000_000_000:
        return None
    return f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}"


def tool_version() -> str:
    import lightning_lint

    return lightning_lint.__version__


def code_fingerprint() -> str:
    """The size and modification time of every module of lightning-lint (every package
    of it: extraction and rules alike decide the findings): an editable install whose
    code changed must not reuse findings of the old code under the same version number
    (about 100 stat calls)."""
    import lightning_lint

    package = os.path.dirname(os.path.abspath(lightning_lint.__file__))
    folders = [package]
    try:
        folders += sorted(e.path for e in os.scandir(package) if e.is_dir() and not e.name.startswith(("_", ".")))
    except OSError:
        pass
    parts = []
    for folder in folders:
        try:
            entries = sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder) if e.name.endswith(".py")
            )
        except OSError:
            continue
        parts.append((folder, entries))
    return dependencies.digest(repr(parts).encode())


def cache_directory(option: Optional[str], settings: Any, cwd: Path) -> Path:
    """``--cache-dir``, else ``$LIGHTNING_LINT_CACHE_DIR``, else the ``cache-dir``
    setting (relative to its configuration file), else ``.lightning-lint-cache`` in the
    project root (the folder of the configuration file, or the working directory)."""
    if option:
        return Path(os.path.abspath(cwd / option))
    if os.environ.get(ENV_DIR):
        return Path(os.path.abspath(cwd / os.environ[ENV_DIR]))
    if settings.cache_dir:
        return Path(os.path.abspath(settings.root / settings.cache_dir))
    return Path(settings.root) / DEFAULT_DIR


class ResultsCache:
    """One run's view of a cache file: lookups, new entries, and a save at the end."""

    def __init__(self, directory: Path, run_key: Any) -> None:
        self.version = tool_version()
        self.key = dependencies.digest(
            repr(
                (FORMAT, self.version, code_fingerprint(), sys.implementation.name, sys.version_info[:2], run_key)
            ).encode()
        )[:20]
        self.directory = directory
        self.path = directory / _safe(self.version) / f"{self.key}.json"
        self.hits = 0
        self.misses = 0
        self._results: Dict[str, list] = {}
        self._fragments: Dict[str, list] = {}
        self._dirty = False
        self._load()

    # -- reading -----------------------------------------------------------------------
    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = json.loads(handle.read())
        except (OSError, ValueError):
            return  # no cache yet, or an unreadable one: start afresh
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("version") != self.version
            or data.get("key") != self.key
        ):
            return
        results, fragments = data.get("results"), data.get("fragments")
        if isinstance(results, dict) and isinstance(fragments, dict):
            self._results, self._fragments = results, fragments

    def get_result(
        self, abspath: str, display: str, content: str, settings: str, current: CurrentValue
    ) -> Optional[Tuple[List[Diagnostic], bool, List[str]]]:
        """(diagnostics, parsed, notes) stored for this file, when still valid."""
        entry = self._results.get(abspath)
        try:
            if entry is None or entry[0] != display or entry[1] != content or entry[2] != settings:
                raise LookupError
            for kind, key, value in entry[3]:
                if current(kind, key) != value:
                    raise LookupError
            found = ([decode_diagnostic(d) for d in entry[6]], bool(entry[4]), [str(n) for n in entry[5]])
        except (LookupError, TypeError, ValueError, AttributeError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def known_content(self, abspath: str, sig: Optional[str]) -> Optional[str]:
        """The content digest stored for the file, when its signature is unchanged (the
        file need not be read); None otherwise."""
        entry = self._results.get(abspath)
        if sig is None or entry is None or len(entry) < 8 or entry[7] != sig:
            return None
        return entry[1] if isinstance(entry[1], str) else None

    # -- writing -----------------------------------------------------------------------
    def refresh_signature(self, abspath: str, sig: Optional[str]) -> None:
        """A file read again whose cached result held: remember its new signature."""
        entry = self._results.get(abspath)
        if entry is not None and sig is not None and (len(entry) < 8 or entry[7] != sig):
            self._results[abspath] = [*entry[:7], sig]
            self._dirty = True

    def put_result(
        self, abspath: str, display: str, content: str, settings: str, result: Any, sig: Optional[str] = None
    ) -> None:
        if not result.cacheable:
            self._results.pop(abspath, None)
            self._dirty = True
            return
        try:
            encoded = [encode_diagnostic(d) for d in result.diagnostics]
        except TypeError:
            self._results.pop(abspath, None)  # a finding the cache cannot represent: never cached
            return
        self._results[abspath] = [
            display,
            content,
            settings,
            [[k, key, v] for (k, key), v in result.deps.items()],
            result.parsed,
            list(result.notes),
            encoded,
            sig,
        ]
        self._dirty = True

    def save(self) -> Optional[str]:
        """Write the cache when something changed; returns a problem or None."""
        if not self._dirty:
            return None
        # forget files that are gone, so the cache does not grow without bound
        self._results = {path: entry for path, entry in self._results.items() if os.path.exists(path)}
        self._fragments = {
            key: entry for key, entry in self._fragments.items() if os.path.exists(key.split("|", 1)[-1])
        }
        payload = {
            "format": FORMAT,
            "version": self.version,
            "key": self.key,
            "results": self._results,
            "fragments": self._fragments,
        }
        try:
            _prepare(self.directory)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=str(self.path.parent))
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(json.dumps(payload, separators=(",", ":")))  # dumps: the C encoder
                os.replace(temporary, self.path)
            except BaseException:
                _remove(temporary)
                raise
        except OSError as exc:
            return f"cannot write the cache in {self.directory}: {exc.strerror or exc}"
        except (TypeError, ValueError) as exc:  # a fact that is not plain data: a bug, not a crash
            return f"cannot write the cache in {self.directory}: {exc} (please report this)"
        self._dirty = False
        return None

    # -- project facts, per file (the protocol project_facts.gather uses) ---------------
    # An entry is [content digest, encoded fragment or None, signature or None]; None as
    # the fragment: the file contributes nothing (no marker in its bytes).
    def get(self, key: str, content: str) -> Any:
        entry = self._fragments.get(key)
        if entry is None or entry[0] != content or entry[1] is None:
            return None
        try:
            return decode_fragment(entry[1])
        except (LookupError, TypeError, ValueError, AttributeError):
            return None

    def lookup(self, key: str, sig: Optional[str]) -> Tuple[bool, Any]:
        """(True, fragment or None when the file contributes nothing) for a file whose
        signature is unchanged; (False, None) when it must be read."""
        entry = self._fragments.get(key)
        if sig is None or entry is None or len(entry) < 3 or entry[2] != sig or entry[0] == "lines":
            return False, None
        if entry[1] is None:
            return True, None
        try:
            return True, decode_fragment(entry[1])
        except (LookupError, TypeError, ValueError, AttributeError):
            return False, None

    def lookup_lines(self, key: str, sig: Optional[str]) -> Optional[list]:
        """The command lines stored for a script or document whose signature is unchanged."""
        entry = self._fragments.get(key)
        if sig is None or entry is None or len(entry) < 3 or entry[0] != "lines" or entry[2] != sig:
            return None
        lines = entry[1]
        ok = isinstance(lines, list) and all(
            isinstance(x, list) and len(x) == 3 and isinstance(x[2], list) for x in lines
        )
        return lines if ok else None

    def put_lines(self, key: str, sig: str, lines: list) -> None:
        entry = ["lines", lines, sig]
        if self._fragments.get(key) != entry:
            self._fragments[key] = entry
            self._dirty = True

    def put(self, key: str, content: str, fragment: Any, sig: Optional[str] = None) -> None:
        entry = [content, None if fragment is None else encode_fragment(fragment), sig]
        if self._fragments.get(key) != entry:
            self._fragments[key] = entry
            self._dirty = True


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_+" else "_" for c in name)


def _prepare(directory: Path) -> None:
    """Create the cache directory the way ruff does: ignored by git, tagged as a cache."""
    if directory.is_dir():
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("# Automatically created by lightning-lint.\n*\n", encoding="utf-8")
    (directory / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by lightning-lint.\n",
        encoding="utf-8",
    )


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# -- encoding findings and fragments as JSON ----------------------------------------------


def _span(span: Span) -> list:
    return [span.start_line, span.start_col, span.end_line, span.end_col]


def _unspan(data: list) -> Span:
    a, b, c, d = data
    return Span(int(a), int(b), int(c), int(d))


def _loc(loc: Optional[Loc]) -> Optional[list]:
    return None if loc is None else [loc.path, *_span(loc.span)]


@overload
def _unloc(data: None) -> None: ...
@overload
def _unloc(data: list) -> Loc: ...
def _unloc(data: Optional[list]) -> Optional[Loc]:
    return None if data is None else Loc(str(data[0]), _unspan(data[1:]))


def _value(value: Any) -> Any:
    """Plain data with tuples kept apart from lists (JSON has only lists)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"t": [_value(v) for v in value]}
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _value(v) for k, v in value.items()}}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _unvalue(data: Any) -> Any:
    if isinstance(data, list):
        return [_unvalue(v) for v in data]
    if isinstance(data, dict):
        if "t" in data:
            return tuple(_unvalue(v) for v in data["t"])
        return {k: _unvalue(v) for k, v in data["d"].items()}
    return data


def encode_diagnostic(d: Diagnostic) -> list:
    fix = (
        None
        if d.fix is None
        else [d.fix.message, d.fix.applicability.value, [[*_span(e.span), e.content] for e in d.fix.edits]]
    )
    return [
        d.code,
        d.name,
        int(d.severity),
        d.message,
        d.path,
        _span(d.span),
        fix,
        d.help,
        d.key_path,
        [_loc(r) for r in d.related],
        d.confirmed,
        _value(d.properties),
        d.cell,
    ]


def decode_diagnostic(data: list) -> Diagnostic:
    code, name, severity, message, path, span, fix, help_, key_path, related, confirmed, properties = data[:12]
    cell = data[12] if len(data) > 12 and isinstance(data[12], int) else None
    decoded_fix = None
    if fix is not None:
        decoded_fix = Fix(str(fix[0]), Applicability(fix[1]), tuple(Edit(_unspan(e[:4]), str(e[4])) for e in fix[2]))
    return Diagnostic(
        code=str(code),
        name=str(name),
        severity=Severity(severity),
        message=str(message),
        path=str(path),
        span=_unspan(span),
        fix=decoded_fix,
        help=help_,
        key_path=key_path,
        related=tuple(_unloc(r) for r in related),
        confirmed=bool(confirmed),
        properties=_unvalue(properties),
        cell=cell,
    )


def encode_fragment(fragment: Any) -> dict:
    return {
        "plain": [_loc(x) for x in fragment.plain_loaders],
        "train_plain": [_loc(x) for x in fragment.train_plain_loaders],
        "stateful": [[name, _loc(x)] for name, x in fragment.stateful_loaders],
        "logged": [[name, _loc(x)] for name, x in fragment.logged_metrics.items()],
        "dynamic": _loc(fragment.dynamic_logging),
        "manual": [[name, _loc(x)] for name, x in fragment.manual_optimization],
        "modules": list(fragment.lightning_modules),
        "classes": sorted(fragment.lightning_classes),
        "bases": {name: sorted(bases) for name, bases in sorted(fragment.class_bases.items())},
        "inits": {name: list(infos) for name, infos in sorted(fragment.class_inits.items())},
        "cli_trainers": sorted(fragment.cli_trainer_classes),
        "parsed": fragment.files_parsed,
        "class_facts": [_encode_class(c) for defs in fragment.classes.values() for c in defs],
        "streams": dict(fragment.stream_classes),
        "positions": [[name, _loc(x)] for name, x in fragment.position_classes.items()],
        "train_inputs": [[_loc(loc), [list(pair) for pair in given]] for loc, given in fragment.train_loader_inputs],
        "schedulers": {name: [s.to_json() for s in specs] for name, specs in sorted(fragment.schedulers.items())},
        "fitting": {name: sorted(params) for name, params in sorted(fragment.fitting_parameters.items())},
        "fitted": sorted(fragment.fitted_functions),
    }


def _encode_class(c: Any) -> list:
    return [
        c.name,
        _loc(c.loc),
        list(c.bases),
        c.lightning_base,
        list(c.hooks),
        [[role, kind, _loc(x)] for role, kind, x in c.loaders],
        [[name, _loc(x)] for name, x in c.metrics],
        _loc(c.dynamic_logging),
    ]


def _decode_classes(data: list) -> Dict[str, list]:
    from lightning_lint.model.facts import ClassFacts

    classes: Dict[str, list] = {}
    for name, loc, bases, base, hooks, loaders, metrics, dynamic in data:
        classes.setdefault(str(name), []).append(
            ClassFacts(
                name=str(name),
                loc=_unloc(loc),
                bases=tuple(str(b) for b in bases),
                lightning_base=base,
                hooks=tuple(str(h) for h in hooks),
                loaders=tuple((str(role), str(kind), _unloc(x)) for role, kind, x in loaders),
                metrics=tuple((str(m), _unloc(x)) for m, x in metrics),
                dynamic_logging=_unloc(dynamic),
            )
        )
    return classes


def decode_fragment(data: dict) -> Any:
    from lightning_lint.model.facts import ProjectFacts
    from lightning_lint.model.optimizers import SchedulerSpec

    return ProjectFacts(
        plain_loaders=[_unloc(x) for x in data["plain"]],
        train_plain_loaders=[_unloc(x) for x in data["train_plain"]],
        stateful_loaders=[(str(name), _unloc(x)) for name, x in data["stateful"]],
        logged_metrics={str(name): _unloc(x) for name, x in data["logged"]},
        dynamic_logging=_unloc(data["dynamic"]),
        manual_optimization=[(str(name), _unloc(x)) for name, x in data["manual"]],
        lightning_modules=[str(x) for x in data["modules"]],
        lightning_classes={str(x) for x in data.get("classes", ())},
        class_bases={str(name): {str(b) for b in bases} for name, bases in data.get("bases", {}).items()},
        class_inits={str(name): [dict(i) for i in infos] for name, infos in data.get("inits", {}).items()},
        cli_trainer_classes={str(x) for x in data.get("cli_trainers", ())},
        files_parsed=int(data["parsed"]),
        classes=_decode_classes(data.get("class_facts", [])),
        stream_classes={str(k): str(v) for k, v in data.get("streams", {}).items()},
        position_classes={str(name): _unloc(x) for name, x in data.get("positions", ())},
        train_loader_inputs=[
            (_unloc(loc), tuple((str(a), str(b)) for a, b in given)) for loc, given in data.get("train_inputs", ())
        ],
        schedulers={
            str(name): [SchedulerSpec.from_json(s) for s in specs] for name, specs in data.get("schedulers", {}).items()
        },
        fitting_parameters={str(name): {str(p) for p in params} for name, params in data.get("fitting", {}).items()},
        fitted_functions={str(name) for name in data.get("fitted", ())},
    )
