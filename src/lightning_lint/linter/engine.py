"""The engine: one file in, diagnostics out.

read -> prefilter -> parse -> extract -> rules -> suppressions. Every step that can fail
on bad input turns the failure into a finding for that file (LL900 parse error, LL901
unreadable, LL905 a rule that crashed); nothing stops the other files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    Union,
)

from lightning_lint.extract.failure import ParseFailure
from lightning_lint.linter import prefilter
from lightning_lint.linter.discovery import find_project_root
from lightning_lint.linter.settings import Settings, SettingsResolver
from lightning_lint.model import dependencies, variants
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.notebook import plainly_readable
from lightning_lint.model.sources import (
    NOTEBOOK,
    PYTHON,
    YAML,
    SourceFile,
    UnreadableSource,
    decode_source,
    kind_of,
    may_hold_suppressions,
    plainly_decodable,
    read_source,
    source_from_text,
)
from lightning_lint.model.spec import FLAVOR_PYTHON, Extraction, Loc, Span, TrainerSpec

if TYPE_CHECKING:
    from lightning_lint.model.facts import ProjectFacts
    from lightning_lint.model.target import TargetVersion
    from lightning_lint.rules.context import RuleContext

BUG_REPORT_URL = "https://github.com/lightning-lint/lightning-lint/issues"

ALWAYS_SHOWN = ("LL900", "LL901", "LL905")


class FactsNeeded(BaseException):
    """Raised where the project facts may not be gathered yet (a worker, a deferring
    pass): the file waits, its extraction parked, and is linted again by the same process
    once the parent has gathered them for everybody. A BaseException, so that the guard
    around each rule (LL905) lets it through."""


class Project:
    """Facts shared by every file of one project, computed at most once per run."""

    def __init__(
        self, root: Optional[Path], resolver: SettingsResolver, may_gather: bool = True, fragments: Any = None
    ) -> None:
        self.root = root
        self.resolver = resolver
        self.may_gather = may_gather
        self.fragments = fragments  # cached per-file facts (cache.FactsFragments), or None
        self._targets: Dict[Tuple[Optional[str], str], "TargetVersion"] = {}  # (setting, folder)
        self._pins_read: Dict[Any, Any] = {}  # each folder's pins, read once (versions.resolve)
        self._pin_states: Dict[Any, Any] = {}  # each folder's pin files and states (pins.fingerprint)
        self._facts: Any = None
        self._facts_digest: Optional[str] = None
        self._measured: Optional[Dict[str, Dict[str, Any]]] = None
        self._memo: Dict[str, str] = {}
        self._pin_folders: Optional[List[Path]] = None
        self._offered: Dict[str, Tuple[str, Any]] = {}  # fragment key -> (content digest, fragment)
        # the files of the project the facts scan looks at, when discovery's walk listed them
        # (one walk of the tree, not two); None: the scan walks the project itself
        self.listing: Optional[List[str]] = None
        self._listed: Optional[Set[str]] = None  # the listing, as a set
        # file -> its LightningModules, for the files this process extracted that the facts
        # scan reads (``lightning_modules_at_least``; offers are handed on, these stay)
        self._modules_seen: Dict[str, Tuple[str, ...]] = {}

    def lightning_modules_at_least(self, count: int) -> bool:
        """Whether the project facts name ``count`` LightningModules or more. Before they
        are gathered, the fragments of the files extracted so far may already show it
        (the facts only add to them): then the lint does not wait for the facts, and
        depends on them all the same (their digest is recorded once they are gathered)."""
        if self._facts is not None or not self.facts_deferred:
            return len(self.facts.lightning_modules) >= count
        if sum(len(names) for names in self._modules_seen.values()) >= count:
            self.presume_facts()
            return True
        raise FactsNeeded(self.root)

    def presume_facts(self) -> None:
        """The lint depends on the facts, decided without them: their digest is recorded
        once they are gathered (``runner._settle``)."""
        dependencies.note(dependencies.FACTS, str(self.root or ""), dependencies.PENDING)

    def target(self, settings: Settings, path: Optional[Path] = None) -> "TargetVersion":
        """The target for the file at ``path``: pin files nearest to it win (versions.resolve)."""
        directory = str(Path(os.path.abspath(path)).parent) if path is not None and self.root is not None else ""
        return self.target_for(settings.target_version, directory)

    def target_for(self, setting: Optional[str], directory: str = "") -> "TargetVersion":
        if (setting, directory) not in self._targets:
            from lightning_lint.linter import versions

            self._targets[(setting, directory)] = versions.resolve(
                setting,
                self.root,
                Path(directory) if directory else None,
                None if setting else self.pin_folders(),
                self._pins_read,
            )
        if dependencies.recording():
            dependencies.note(
                dependencies.TARGET,
                target_key(self.root, setting, directory),
                self.pins_fingerprint(setting, directory),
            )
        return self._targets[(setting, directory)]

    def pins_fingerprint(self, setting: Optional[str], directory: str = "") -> str:
        """What the target version is resolved from (for the results cache)."""
        key = f"pins|{setting or ''}|{directory}"
        if key not in self._memo:
            from lightning_lint.linter import pins

            self._memo[key] = pins.fingerprint(
                self.root,
                setting,
                Path(directory) if directory else None,
                None if setting else self.pin_folders(),
                self._pin_states,
            )
        return self._memo[key]

    def pin_folders(self) -> List[Path]:
        """The folders below the root with pin files (found once per run)."""
        if self._pin_folders is None:
            from lightning_lint.linter import pins

            self._pin_folders = pins.pin_folders(self.root) if self.root is not None else []
        return self._pin_folders

    def measured_for(self, path: Path) -> Dict[str, Any]:
        """Facts saved by ``confirm --save-facts`` for the file at ``path``."""
        if self.root is None:
            return {}
        from lightning_lint.linter.project_facts import MEASURED_FACTS, read_measured

        dependencies.note_file(self.root / MEASURED_FACTS)
        if self._measured is None:
            self._measured = read_measured(self.root)
        try:
            key = Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return {}
        found = self._measured.get(key)
        return dict(found, measured=True) if found else {}

    @property
    def facts(self) -> "ProjectFacts":
        """Project-wide facts (loader classes, logged metrics, ...), gathered lazily."""
        if self._facts is None:
            if not self.may_gather:
                raise FactsNeeded(self.root)
            from lightning_lint.linter import project_facts

            self._facts = project_facts.gather(self.root, self.resolver, self)
        dependencies.note(dependencies.FACTS, str(self.root or ""), self.facts_digest)
        return self._facts

    @property
    def facts_deferred(self) -> bool:
        """Whether asking for the facts now raises FactsNeeded (a deferring pass, a worker)."""
        return self._facts is None and not self.may_gather and self.root is not None

    def classes_named(self, dotted: str) -> List[Any]:
        """The project's classes named like ``dotted``'s last part, each with what its
        ``__init__`` passes to its base (the class index; model/subclasses.py). Reading
        it records the facts as a dependency of the lint (the results cache)."""
        from lightning_lint.model.subclasses import InitInfo

        if self.root is None:
            return []
        entries = self.facts.class_inits.get(dotted.rsplit(".", 1)[-1], [])
        return [InitInfo.from_json(entry) for entry in entries]

    def cli_trainer_class(self) -> Optional[str]:
        """The ``trainer_class`` every LightningCLI of the project uses, when they agree on
        a class other than the Trainer (its YAML ``trainer:`` sections hold its arguments)."""
        if self.root is None:
            return None
        found = self.facts.cli_trainer_classes
        return next(iter(found)) or None if len(found) == 1 else None

    def facts_without_parsing(self) -> Any:
        """The facts when they can be had without parsing a file (else None): what a pool
        of workers is given up front."""
        if self._facts is None and self.may_gather:
            from lightning_lint.linter import project_facts

            self._facts = project_facts.gather_without_parsing(self.root, self.resolver, self)
        return self._facts

    # -- per-file facts (the store project_facts.gather uses) -----------------------------
    def offer(self, path: Path, source: SourceFile, extraction: Optional[Extraction]) -> None:
        """A file just extracted for linting (None: it does not parse, and contributes
        nothing): the facts need not parse it again."""
        if self._facts is not None or self.root is None:
            return
        absolute = os.path.abspath(path)
        try:
            relative = str(Path(absolute).relative_to(self.root))
        except ValueError:
            return
        if source.path != relative or not source.raw:
            return  # shown under another name: its locations would differ from the facts'
        from lightning_lint.linter.project_facts import MAX_FILE_BYTES, fragment_key, may_contribute
        from lightning_lint.model.facts import ProjectFacts, fold

        fragment = ProjectFacts(files_parsed=1 if extraction is not None else 0)
        if extraction is not None:
            fold(extraction, fragment)
        # what the facts scan would make of these bytes: a file its markers pass over
        # contributes nothing (None), whoever lints it (the facts depend on the project only)
        counted = len(source.raw) <= MAX_FILE_BYTES and may_contribute(source.raw)
        self._offered[fragment_key(self.root, absolute)] = (
            dependencies.digest(source.raw),
            fragment if counted else None,
        )
        if fragment.lightning_modules and self.listing is not None and _scanned_like(source, self.listing):
            if self._listed is None:
                self._listed = set(self.listing)
            if absolute in self._listed:  # (a file named on the command line may be excluded)
                self._modules_seen[absolute] = tuple(fragment.lightning_modules)

    def yaml_documents(self, path: str) -> Optional[List[Any]]:
        """The YAML documents of another file of the project (None when it cannot be read
        or parsed); the results cache records that the finding depends on it."""
        from lightning_lint.extract.yaml import YamlError, load

        dependencies.note_file(path)
        try:
            return load(read_source(path))
        except (UnreadableSource, YamlError, OSError):
            return None

    def offer_fragment(self, key: str, offer: Tuple[str, Any]) -> None:
        if self._facts is None:
            self._offered.setdefault(key, offer)

    def provide_facts(self, facts: Any) -> None:
        """Facts gathered elsewhere (by the parent of a worker process)."""
        self._facts, self._facts_digest = facts, None

    def offered(self, key: str) -> bool:
        """Whether a file's fragment was offered in this run (see ``take_offered``)."""
        return key in self._offered

    def take_offered(self, key: str) -> Optional[Tuple[str, Any]]:
        """The (content digest, fragment) of a file parsed in this run, if one was offered
        (the fragment None: the file contributes nothing)."""
        return self._offered.pop(key, None)

    def get(self, key: str, content: str, sig: Optional[str] = None) -> Any:
        offered = self._offered.pop(key, None)
        if offered is not None and offered[0] == content:
            self.put(key, content, offered[1], sig)
            return offered[1]
        return self.fragments.get(key, content) if self.fragments is not None else None

    def put(self, key: str, content: str, fragment: Any, sig: Optional[str] = None) -> None:
        if self.fragments is not None:
            self.fragments.put(key, content, fragment, sig)

    def has_fragment(self, key: str, content: str) -> bool:
        """Whether the fragment of this content is at hand (offered or cached)."""
        offered = self._offered.get(key)
        if offered is not None and offered[0] == content:
            return True
        return self.fragments is not None and self.fragments.get(key, content) is not None

    def lookup_lines(self, key: str, sig: Optional[str]) -> Optional[list]:
        return None if self.fragments is None or sig is None else self.fragments.lookup_lines(key, sig)

    def put_lines(self, key: str, sig: str, lines: list) -> None:
        if self.fragments is not None:
            self.fragments.put_lines(key, sig, lines)

    def lookup(self, key: str, sig: Optional[str]) -> Tuple[bool, Any]:
        """A file's fragment by its signature, without reading it (``cache.py``)."""
        if self.fragments is None or sig is None:
            return False, None
        return self.fragments.lookup(key, sig)

    @property
    def facts_digest(self) -> str:
        """A digest of the facts' value: findings computed from equal facts are equal."""
        if self._facts_digest is None:
            self._facts_digest = dependencies.digest(
                (self.facts if self._facts is None else self._facts).identity().encode()
            )
        return self._facts_digest


def target_key(root: Optional[Path], setting: Optional[str], directory: str = "") -> str:
    return f"{root or ''}|{setting or ''}|{directory}"


class Projects:
    """One ``Project`` per project root seen in a run."""

    def __init__(self, resolver: SettingsResolver, may_gather: bool = True, fragments: Any = None) -> None:
        self.resolver = resolver
        self.may_gather = may_gather
        self.fragments = fragments
        self._by_root: Dict[Optional[Path], Project] = {}
        self._root_of: Dict[str, Optional[Path]] = {}  # folder -> its project's root

    def for_path(self, path: Path) -> Project:
        folder = os.path.dirname(os.path.abspath(path))  # (asked for every file: strings, not Paths)
        if folder not in self._root_of:
            self._root_of[folder] = find_project_root(Path(folder))
        return self.for_root(self._root_of[folder])

    def for_root(self, root: Optional[Path]) -> Project:
        if root not in self._by_root:
            self._by_root[root] = Project(root, self.resolver, self.may_gather, self.fragments)
        return self._by_root[root]

    def defer_facts(self, defer: bool) -> None:
        """While deferring, a file whose rules need the project facts raises FactsNeeded
        (and is linted again afterwards), so that the facts are gathered once, after the
        other files were parsed, from their fragments rather than by parsing them again."""
        self.may_gather = not defer
        for project in self._by_root.values():
            project.may_gather = not defer

    def listings(self) -> Dict[Path, List[str]]:
        """The listing of each project discovery walked (``provide_listing``)."""
        return {root: p.listing for root, p in self._by_root.items() if root is not None and p.listing is not None}

    def provide_listing(self, root: Path, files: List[str]) -> None:
        """The facts scan's files of the project at ``root``, as discovery listed them."""
        self.for_root(root).listing = files

    def forget(self, path: Path) -> None:
        """Drop the cached facts of the project that holds ``path`` (a file of it changed
        on disk); they are gathered again when next needed."""
        self._by_root.pop(self.for_path(path).root, None)


@dataclass
class Parked:
    """A file's extraction kept while its rules wait for the project facts (FactsNeeded):
    the source it was extracted from (a notebook's is slow to decode), and what the
    extraction consulted (``dependencies``)."""

    source: SourceFile
    extraction: Extraction
    deps: Dict[Tuple[str, str], str]
    # what the extraction asked the facts while they were deferred (``_Lookups``), each
    # answered as a project without classes would be: empty means the extraction is final
    asked: Tuple[Tuple[str, str], ...] = ()


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # the file got past the prefilter and parsed
    notes: List[str] = field(default_factory=list)  # shown with --verbose
    source: Optional[SourceFile] = None
    deps: Dict[Tuple[str, str], str] = field(default_factory=dict)  # what else was consulted (dependencies.py)
    cached: bool = False  # the findings come from the results cache
    cacheable: bool = True  # False: the findings may depend on more than the recorded inputs


def tool_diagnostic(
    code: str, message: str, path: str, line: int = 1, col: int = 1, end_col: Optional[int] = None
) -> Diagnostic:
    from lightning_lint import rules

    rule = rules.get(code)
    assert rule is not None, code
    return Diagnostic(
        code=code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        path=path,
        span=Span(line, col, line, end_col if end_col is not None else col + 1),
    )


# -- the per-file pipeline ------------------------------------------------------------------

Extractor = Callable[..., Extraction]  # (source, settings, path, project=None)


def _scanned_like(source: SourceFile, listing: List[str]) -> bool:
    """Whether the facts scan reads a listed file as it was linted (not past its limits)."""
    from lightning_lint.linter import project_facts

    return len(source.raw) <= project_facts.MAX_FILE_BYTES and len(listing) <= project_facts.MAX_FILES


class _Lookups:
    """The project facts an extraction reads (the class index, the CLI's trainer class).
    While the facts are deferred, a question gets the answer of a project without
    classes, and is kept: the extraction is provisional. Its facts fragment is still
    right (the facts scan reads each file that way), and once the facts are gathered the
    extraction is final when every question still has that answer; else it is redone."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.asked: List[Tuple[str, str]] = []

    @property
    def root(self) -> Optional[Path]:
        return self.project.root

    def classes_named(self, dotted: str) -> List[Any]:
        if self.project.facts_deferred:
            self.asked.append(("classes", dotted))
            return []
        return self.project.classes_named(dotted)

    def cli_trainer_class(self) -> Optional[str]:
        if self.project.facts_deferred:
            self.asked.append(("cli_trainer", ""))
            return None
        return self.project.cli_trainer_class()


def _answers_hold(asked: Iterable[Tuple[str, str]], project: "Project") -> bool:
    """Whether the gathered facts leave a provisional extraction as it is: no class it
    asked about extends a Lightning class through the project's classes (the deferred
    answer: no such class), and the CLI has no trainer class of its own."""
    from lightning_lint.model.subclasses import Index

    index = Index(project.classes_named)
    for kind, dotted in asked:
        if kind == "classes" and index.resolve(dotted) is not None:
            return False
        if kind == "cli_trainer" and project.cli_trainer_class() is not None:
            return False
    return True


def _extract_python(
    source: SourceFile, settings: Settings, path: Path, project: Optional["Project"] = None
) -> Extraction:
    from lightning_lint.extract import python
    from lightning_lint.linter.modules import ModuleFinder

    return python.extract_source(
        source,
        ModuleFinder(path, source.path, root=project.root if project is not None else None),
        classes=project.classes_named if project is not None else None,
        origin=str(path) if path is not None else None,
    )


def _extract_yaml(
    source: SourceFile, settings: Settings, path: Path, project: Optional["Project"] = None
) -> Extraction:
    from lightning_lint.extract import config

    if project is None:
        return config.extract(source, settings, path)
    return config.extract(source, settings, path, project.classes_named, project.cli_trainer_class)


EXTRACTORS: Dict[str, Extractor] = {PYTHON: _extract_python, YAML: _extract_yaml}


def may_matter(source: SourceFile, settings: Settings, path: Path) -> bool:
    return may_matter_bytes(source.raw or source.text.encode("utf-8", errors="replace"), source.kind, settings, path)


def may_matter_bytes(data: bytes, kind: str, settings: Settings, path: Path) -> bool:
    """The prefilter: whether a file can hold anything a rule checks (else it is not parsed)."""
    if kind in (PYTHON, NOTEBOOK):
        return prefilter.python_may_matter(data)
    if settings.include and settings.matches_any(path, settings.include):
        return True
    # A Hydra trainer/callbacks/logger option (`trainer/gpu.yaml`: `accelerator: gpu`)
    # need not name anything Lightning-like; its folder says what it is.
    from lightning_lint.extract.hydra import ESSENTIAL_GROUPS

    return Path(os.path.abspath(path)).parent.name in ESSENTIAL_GROUPS or prefilter.yaml_may_matter(data)


def preload() -> None:
    """Import everything linting needs (before forking workers, so that each inherits it
    instead of importing it again)."""
    import importlib

    from lightning_lint import rules

    rules.all_rules()
    for name in (
        "extract.python",
        "extract.config",
        "extract.hydra",
        "model.schedule",
        "linter.suppressions",
        "linter.versions",
    ):
        importlib.import_module(f"lightning_lint.{name}")


class Linter:
    """Lints files with the settings that apply to each."""

    def __init__(self, resolver: SettingsResolver, may_gather_facts: bool = True, fragments: Any = None) -> None:
        self.resolver = resolver
        self.projects = Projects(resolver, may_gather_facts, fragments)
        self._enabled_cache: Dict[Tuple[Any, ...], Tuple[str, ...]] = {}
        # a file whose rules stopped for the project facts keeps its extraction here, so
        # that linting it again once the facts are gathered does not extract it again
        self._parked: Dict[str, Parked] = {}

    # -- facts fragments between processes ---------------------------------------------
    def take_offers(self) -> Dict[str, Tuple[str, Any]]:
        """The facts fragments of the files this linter parsed (and forget them)."""
        offers: Dict[str, Tuple[str, Any]] = {}
        for project in self.projects._by_root.values():
            offers.update(project._offered)
            project._offered.clear()
        return offers

    def accept_offers(self, offers: Dict[str, Tuple[str, Any]]) -> None:
        for key, offer in offers.items():
            root = key.split("|", 1)[0]
            self.projects.for_root(Path(root)).offer_fragment(key, offer)

    # -- rule selection ----------------------------------------------------------------
    def enabled_codes(self, settings: Settings, path: Path) -> Tuple[str, ...]:
        from lightning_lint import rules

        ignored_here = settings.ignored_codes_for(path)
        key = (settings.select, settings.extend_select, settings.ignore, ignored_here)
        if key not in self._enabled_cache:
            codes = rules.resolve_selection(settings.select, settings.extend_select, settings.ignore)
            if ignored_here:
                dropped = set(rules.codes_matching(ignored_here))
                codes = tuple(c for c in codes if c not in dropped)
            self._enabled_cache[key] = codes
        return self._enabled_cache[key]

    def _always_shown(self, code: str, settings: Settings) -> bool:
        """The tool's own failures are shown even when ``--select`` leaves them out
        (a rule that crashed must not look like a clean file); only ``ignore`` hides them."""
        if code not in ALWAYS_SHOWN:
            return False
        from lightning_lint import rules

        return code not in rules.codes_matching(settings.ignore)

    # -- linting -----------------------------------------------------------------------
    def lint_path(self, path: Path, display: Optional[str] = None) -> FileResult:
        settings = self.resolver.for_path(path)
        display = display or str(path)
        try:
            source = read_source(path, display, max_bytes=settings.max_file_size)
        except UnreadableSource as exc:
            return self.unreadable(path, display, exc)
        return self.lint_source(source, path)

    def unreadable(self, path: Path, display: str, problem: Exception) -> FileResult:
        """The finding for a file that cannot be read or decoded (LL901)."""
        result = FileResult(display, [tool_diagnostic("LL901", f"cannot lint this file: {problem}", display)])
        return self._finish(result, self.resolver.for_path(path), path)

    def lint_bytes(self, data: bytes, path: Path, display: str, may_matter: Optional[bool] = None) -> FileResult:
        """Lint the bytes read from the file at ``path`` (what ``lint_path`` does after
        reading); ``may_matter``: the prefilter's answer, when the caller has it."""
        parked = self._parked.get(os.path.abspath(path))
        if parked is not None and parked.source.raw == data and parked.source.path == display:
            return self.lint_source(parked.source, path, may_matter)  # decoded before the facts were in
        kind = kind_of(path) or PYTHON
        if (  # a file the prefilter rejects: nothing to report unless it fails to decode (LL901)
            may_matter is False  # or holds a suppression comment (LL904): not worth decoding
            and not may_hold_suppressions(data)
            and (plainly_decodable(data) if kind == PYTHON else kind == NOTEBOOK and plainly_readable(data))
        ):
            return self._finish(FileResult(display), self.resolver.for_path(path), path)
        try:
            source = decode_source(data, display, kind)
        except UnreadableSource as exc:
            return self.unreadable(path, display, exc)
        return self.lint_source(source, path, may_matter)

    def lint_text(self, text: Union[str, bytes], path: Path, display: Optional[str] = None) -> FileResult:
        """Lint text (or bytes) that stands for the file at ``path`` (standard input, an
        editor buffer)."""
        settings = self.resolver.for_path(path)
        display = display or str(path)
        kind = kind_of(path) or PYTHON
        try:
            size = len(text.encode("utf-8", errors="surrogateescape")) if isinstance(text, str) else len(text)
            if size > settings.max_file_size:
                raise UnreadableSource(
                    f"input is larger than the {settings.max_file_size / 2**20:.1f} MB limit "
                    "(raise `max-file-size` in the settings to lint it)"
                )
            source = (
                source_from_text(text, display, kind) if isinstance(text, str) else decode_source(text, display, kind)
            )
        except UnreadableSource as exc:
            return self.unreadable(path, display, exc)
        return self.lint_source(source, path)

    def lint_source(self, source: SourceFile, path: Path, matters: Optional[bool] = None) -> FileResult:
        try:
            return self._lint_source(source, path, matters)
        except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the run
            result = FileResult(source.path, [_internal_failure("lightning-lint", exc, source.path)], source=source)
            result.cacheable = False
        try:
            return self._finish(result, self.resolver.for_path(path), path)  # `ignore` may still hide LL905
        except Exception:  # noqa: BLE001 - the failure was in _finish itself
            return result

    def _lint_source(self, source: SourceFile, path: Path, matters: Optional[bool] = None) -> FileResult:
        settings = self.resolver.for_path(path)
        result = FileResult(source.path, source=source)
        if not (may_matter(source, settings, path) if matters is None else matters):
            return result
        dependencies.start()
        try:
            return self._lint_parsed(source, path, settings, result)
        finally:
            result.deps = dependencies.stop()

    def _lint_parsed(self, source: SourceFile, path: Path, settings: Settings, result: FileResult) -> FileResult:
        key = os.path.abspath(path)
        project = self.projects.for_path(path)
        parked = self._parked.pop(key, None)
        lookups = _Lookups(project)
        try:
            if (
                parked is not None
                and parked.source.text == source.text
                and parked.source.kind == source.kind
                and _answers_hold(parked.asked, project)
            ):
                extraction = parked.extraction
                dependencies.extend(parked.deps)  # what the extraction consulted
            else:
                extraction = EXTRACTORS[source.kind](source, settings, path, lookups)
        except ParseFailure as failure:
            if source.kind == PYTHON:
                self.projects.for_path(path).offer(path, source, None)
            if failure.newer_syntax:
                result.notes.append(f"{source.path}: {failure.message}")
                return result
            line = min(max(failure.line, 1), max(source.line_count, 1))
            width = len(source.line(line))
            col = max(1, min(failure.col, width + 1))
            # one character wide, or empty at the end of the line (the error is "expected more")
            result.diagnostics.append(
                tool_diagnostic("LL900", failure.message, source.path, line, col, end_col=min(col + 1, width + 1))
            )
            result.cacheable = not failure.environmental
            return self._finish(result, settings, path)
        except (RecursionError, MemoryError):
            # valid, but nested deeper than the extractor's recursion can follow
            result.diagnostics.append(
                tool_diagnostic(
                    "LL900",
                    "the file is too deeply nested for lightning-lint to analyse; nothing in it was checked",
                    source.path,
                )
            )
            result.cacheable = False
            return self._finish(result, settings, path)
        result.parsed = True
        if source.notebook is not None:
            from lightning_lint.linter import notebooks

            for line, col, end_col, message in notebooks.broken_cells(source):
                result.diagnostics.append(tool_diagnostic("LL900", message, source.path, line, col, end_col))
        extracted = Parked(source, extraction, dependencies.current(), tuple(lookups.asked))
        try:
            if lookups.asked:  # provisional: its fragment now, the rules once the facts are in
                if source.kind == PYTHON:
                    project.offer(path, source, extraction)
                raise FactsNeeded(project.root)
            return self._run_rules(source, path, settings, result, extraction, project)
        except FactsNeeded:
            self._parked[key] = extracted
            raise

    def _run_rules(
        self,
        source: SourceFile,
        path: Path,
        settings: Settings,
        result: FileResult,
        extraction: Extraction,
        project: "Project",
    ) -> FileResult:
        if source.kind == PYTHON:
            project.offer(path, source, extraction)
            _fits_elsewhere(extraction, project, path)
        from lightning_lint.rules.context import RuleContext

        rule_project: Any = project
        if source.notebook is not None:
            from lightning_lint.linter import notebooks

            pinned = notebooks.notebook_target(source, settings)
            if pinned is not None:
                rule_project = notebooks.NotebookProject(project, pinned)
        ctx = RuleContext(source, settings, rule_project, extraction, Path(os.path.abspath(path)))
        found = run_rules(self.enabled_codes(settings, path), extraction, ctx)
        if extraction.facts.get("composed"):
            found = _in_this_file(found, source.path)
        result.diagnostics.extend(found)
        # a rule that crashed is a bug, perhaps one of the moment (recursion, memory): never cached
        result.cacheable = not any(d.code == "LL905" for d in found)
        return self._finish(result, settings, path)

    def _finish(self, result: FileResult, settings: Settings, path: Path) -> FileResult:
        if not result.diagnostics:
            from lightning_lint.linter import suppressions

            if result.source is None or not suppressions.may_name_our_codes(result.source.text):
                return result  # nothing to filter, and no comment an unused-suppression finding could name
        enabled = set(self.enabled_codes(settings, path))
        kept = [d for d in result.diagnostics if d.code in enabled or self._always_shown(d.code, settings)]
        if result.source is not None:
            from lightning_lint.linter import suppressions

            here = [d for d in kept if d.path == result.source.path]
            elsewhere = [d for d in kept if d.path != result.source.path]
            kept = suppressions.apply(here, result.source, enabled)
            if result.source.notebook is not None:
                from lightning_lint.linter import notebooks

                kept = notebooks.to_cells(kept, result.source)
            if elsewhere:
                kept += _found_elsewhere(elsewhere, enabled)
        result.diagnostics = sorted(_dedupe(kept), key=Diagnostic.sort_key)
        return result


HOOKS = (
    ("check_file", lambda e: (e,)),
    ("check_trainer", lambda e: e.trainers),
    ("check_fabric", lambda e: e.fabrics),
    ("check_callback", lambda e: e.callbacks),
    ("check_loader", lambda e: e.loaders),
    ("check_class", lambda e: e.classes),
)


_PLANS: Dict[Tuple[str, ...], List[Tuple[Type[Any], Tuple[Tuple[str, Any], ...]]]] = {}


def _plan(codes: Iterable[str]) -> List[Tuple[Type[Any], Tuple[Tuple[str, Any], ...]]]:
    """The rule classes of ``codes`` with the hooks each overrides (worked out once)."""
    key = tuple(codes)
    plan = _PLANS.get(key)
    if plan is None:
        from lightning_lint import rules

        plan = []
        for code in key:
            rule_class = rules.get(code)
            if rule_class is not None:
                plan.append((rule_class, tuple(h for h in HOOKS if rule_class.overrides(h[0]))))
        _PLANS[key] = plan
    return plan


def run_rules(codes: Iterable[str], extraction: Extraction, ctx: "RuleContext") -> List[Diagnostic]:
    found: List[Diagnostic] = []
    candidates: Dict[int, bool] = {}  # id(spec) -> whether it has variants (asked by every rule)
    subjects_of: Dict[str, Sequence[Any]] = {}  # hook -> what it is called on (most files have few)
    for rule_class, hooks in _plan(codes):
        rule = None
        for hook, subjects in hooks:
            if hook not in subjects_of:
                subjects_of[hook] = tuple(subjects(extraction))
            for subject in subjects_of[hook]:
                if rule is None:
                    rule = rule_class()
                try:
                    if hook not in ("check_trainer", "check_fabric"):
                        found.extend(getattr(rule, hook)(subject, ctx))
                    elif _has_candidates(subject, candidates):
                        found.extend(_here(_on_variants(getattr(rule, hook), subject, extraction, ctx), subject))
                    else:
                        found.extend(_here(getattr(rule, hook)(subject, ctx), subject))
                except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
                    found.append(_rule_failure(rule_class, exc, ctx.source.path))
    return found


def _has_candidates(spec: TrainerSpec, memo: Dict[int, bool]) -> bool:
    if id(spec) not in memo:
        memo[id(spec)] = variants.has_candidates(spec)
    return memo[id(spec)]


def _fits_elsewhere(extraction: Extraction, project: Project, path: Path) -> None:
    """A Trainer returned by a helper, or handed to one, may be fit in another module:
    the project facts say (``model/facts.py``), and a ``fit`` seen there counts."""
    from lightning_lint.model.facts import fit_elsewhere, module_of
    from lightning_lint.model.spec import RunCall

    open_ends = [
        spec
        for spec in extraction.trainers
        if spec.flavor == FLAVOR_PYTHON
        and not spec.fits
        and (spec.extras.get("returned_from") or any(use.callee for use in spec.uses))
    ]
    if not open_ends or project.root is None:
        return
    module = module_of(os.path.relpath(os.path.abspath(path), project.root))
    for spec in open_ends:
        how = fit_elsewhere(spec, module, project.facts)
        if how is not None:
            spec.runs.append(RunCall("fit", {}, spec.loc))
            spec.extras["trains"] = how


def _here(diagnostics: Iterable[Diagnostic], spec: TrainerSpec) -> List[Diagnostic]:
    """Findings about a value that a helper in another Python module returned are reported
    at this file's Trainer call (the other module alone has no Trainer to judge), pointing
    to where the value is written. A key of a YAML section the script loads keeps its place
    (``extract/config_sections.py``)."""
    if spec.flavor != FLAVOR_PYTHON:
        return list(diagnostics)
    here: Optional[str] = None  # (worked out only for a finding written elsewhere: most calls have none)
    result = []
    for diagnostic in diagnostics:
        if diagnostic.path.endswith((".yaml", ".yml")):
            result.append(diagnostic)  # a section of a YAML file the script loads: at its key
            continue
        if diagnostic.path == spec.path:
            result.append(diagnostic)
            continue
        here = here or os.path.abspath(spec.path)
        if os.path.abspath(diagnostic.path) == here:
            result.append(diagnostic)
            continue
        origin = Loc(diagnostic.path, diagnostic.span)
        anchor = spec.extras.get("call_loc", spec.loc)
        result.append(
            diagnostic.with_changes(
                path=spec.path,
                span=anchor.span,
                message=f"{diagnostic.message} (written at {diagnostic.path}:{diagnostic.span.start_line})",
                related=(origin, *diagnostic.related),
                fix=None,
            )
        )
    return result


def _on_variants(check: Any, spec: TrainerSpec, extraction: Extraction, ctx: "RuleContext") -> List[Diagnostic]:
    """Run a Trainer rule on each configuration the Trainer may have (its arguments'
    candidates, see ``model/variants.py``). A finding of every variant is reported as
    it is; one of some variants says when it holds (``when n <= 1: ...``). Fixes are
    kept only where the finding holds everywhere and the edit touches no candidate."""
    cache = extraction.facts.setdefault("_variants", {})  # one expansion per spec: the
    expanded = cache.get(id(spec))  # schedule cache is keyed by the variant's id
    if expanded is None:
        expanded = cache[id(spec)] = variants.expand(spec)
    outcomes = [variant.outcome for variant in expanded]
    found: Dict[Tuple[Any, ...], Tuple[Diagnostic, List[variants.Outcome], List[Any]]] = {}
    for variant in expanded:
        for diagnostic in check(variant.spec, ctx):
            key = (diagnostic.code, diagnostic.path, diagnostic.span, diagnostic.message)
            entry = found.setdefault(key, (diagnostic, [], []))
            entry[1].append(variant.outcome)
            entry[2].extend(variant.chosen)
    result = []
    for diagnostic, seen, chosen in found.values():
        condition = variants.describe(seen, outcomes)
        if condition is not None:
            result.append(diagnostic.with_changes(message=f"when {condition}: {diagnostic.message}", fix=None))
        elif diagnostic.fix is not None and _touches(diagnostic, chosen):
            result.append(diagnostic.with_changes(fix=None))
        else:
            result.append(diagnostic)
    return result


def _touches(diagnostic: Diagnostic, chosen: List[Any]) -> bool:
    """Whether a finding's span overlaps a candidate put into the variant."""
    for value in chosen:
        loc = value.value_loc or value.loc
        if loc is None or os.path.abspath(loc.path) != os.path.abspath(diagnostic.path):
            continue
        span = loc.span
        if not (span.end_line < diagnostic.span.start_line or span.start_line > diagnostic.span.end_line):
            return True
    return False


def _rule_failure(rule_class: Type[Any], exc: Exception, path: str) -> Diagnostic:
    return _internal_failure(f"rule {rule_class.code} ({rule_class.name})", exc, path)


def _internal_failure(who: str, exc: Exception, path: str) -> Diagnostic:
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    try:
        detail = str(exc)
    except Exception:  # noqa: BLE001 - e.g. an int too large to print
        detail = "(no message)"
    return tool_diagnostic(
        "LL905",
        f"{who} failed on this file: {type(exc).__name__}: {detail[:500]}{where}. "
        f"This is a bug in lightning-lint; please report it at {BUG_REPORT_URL}",
        path,
    )


def _in_this_file(diagnostics: List[Diagnostic], path: str) -> List[Diagnostic]:
    """For a composed Hydra config: keep findings located in the linted file. A finding
    located in another file of the composition is reported when that file is linted,
    unless it involves a value of this file, where it is re-anchored."""
    here = os.path.abspath(path)
    kept = []
    for d in diagnostics:
        if os.path.abspath(d.path) == here:
            kept.append(d)
            continue
        local = [loc for loc in d.related if os.path.abspath(loc.path) == here]
        if local:
            origin = Loc(d.path, d.span)
            others = tuple(loc for loc in d.related if loc is not local[0]) + (origin,)
            kept.append(d.with_changes(path=path, span=local[0].span, related=others, fix=None))
    return kept


def _found_elsewhere(diagnostics: List[Diagnostic], enabled: Iterable[str]) -> List[Diagnostic]:
    """Findings of this file's lint located in another file (a YAML section the script
    loads, extract/config_sections.py): that file's comments suppress them, and their
    fixes are dropped (a fix edits the linted file only)."""
    from lightning_lint.linter import suppressions
    from lightning_lint.model.sources import UnreadableSource, read_source

    kept: List[Diagnostic] = []
    by_path: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d.with_changes(fix=None) if d.fix is not None else d)
    quiet = [code for code in enabled if code != "LL904"]  # unused comments there are that file's business
    for path, found in by_path.items():
        try:
            kept.extend(suppressions.apply(found, read_source(Path(path), path), quiet))
        except (UnreadableSource, OSError, ValueError):
            kept.extend(found)
    return kept


def _dedupe(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    seen = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.path, d.cell, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def fails(diagnostics: Iterable[Diagnostic], fail_on: str) -> bool:
    threshold = Severity.parse(fail_on)
    return any(d.severity >= threshold for d in diagnostics)
