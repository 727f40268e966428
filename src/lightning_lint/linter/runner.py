"""Running the engine over many files: the results cache, then a process pool.

Each file is read once and hashed; a file whose cached findings are still valid is done.
Of the rest, a file the prefilter rejects costs nothing more and is handled here. The
files left need parsing: they are linted here when they are few, else by this process
and a pool of workers, one process per core in all (``--jobs`` overrides). There is no
pool under pre-commit (``PRE_COMMIT`` is set; the hook is serial and passes the changed
files), nor when ``LIGHTNING_LINT_NO_PARALLEL`` is set, and a worker never starts one.

Project facts are gathered once, in this process (see ``_lint_in_pool``). A large run's
class prescan is read by a forked process while this one reads the files
(``_BackgroundPrescans``).
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Set, TextIO, Tuple

from lightning_lint.linter.engine import FactsNeeded, FileResult, Linter, may_matter_bytes
from lightning_lint.linter.settings import Settings
from lightning_lint.model import dependencies
from lightning_lint.model.sources import PYTHON, YAML, UnreadableSource, decode_source, kind_of, read_bytes

if TYPE_CHECKING:
    from concurrent.futures import Future

    from lightning_lint.linter.cache import ResultsCache
    from lightning_lint.linter.discovery import Candidate
    from lightning_lint.linter.run import CheckOptions

NO_PARALLEL_ENV = "LIGHTNING_LINT_NO_PARALLEL"
# Below this many files to parse per process, a worker costs more than it saves. Measured
# on 2 cores: a pool gains ~10% on 129 files of Lightning's source, loses ~5% on 59 files
# (its start, its own caches, handing results and facts fragments back).
FILES_PER_WORKER = 40
MAX_WORKERS = 32
# From this many files to parse on, a run without the facts reads the class prescan (reading
# a large project's text costs ~0.5 s; deferring a few files costs less).
PRESCAN_MIN_FILES = 100
# Small chunks keep the processes busy to the end; each costs a round trip (~1 ms).
CHUNKS_PER_PROCESS = 12


@dataclass
class _Pending:
    index: int
    path: Path
    display: str
    data: bytes
    content: str = ""
    settings: str = ""
    sig: Optional[str] = None  # the file's signature when it was read (cache.signature)
    parked: Optional[bytes] = None  # its extraction, pickled, when a worker stopped for the facts


@dataclass
class RunStats:
    hits: int = 0
    misses: int = 0
    parsed_here: int = 0
    parsed_in_workers: int = 0
    workers: int = 0


def lint_files(
    linter: Linter,
    files: "Sequence[Candidate]",
    options: "CheckOptions",
    log: TextIO,
    cache: "Optional[ResultsCache]" = None,
    stats: Optional[RunStats] = None,
) -> List[FileResult]:
    stats = stats if stats is not None else RunStats()
    results: List[Optional[FileResult]] = [None] * len(files)
    to_parse: List[_Pending] = []
    fresh: List[_Pending] = []
    current = _CurrentValues(linter)
    settings_digests: Dict[int, str] = {}
    contents: Dict[str, bytes] = {}  # what was read, by absolute path: the prescan and the facts reuse it
    prescans = _BackgroundPrescans(linter, options)
    if cache is not None:  # (not imported by a run without the cache: start-up time)
        from lightning_lint.linter.cache import signature
    for index, candidate in enumerate(files):
        path = candidate.path
        display = str(path)
        kind = kind_of(path)
        if kind is None:
            results[index] = linter.lint_path(path, display)  # not Python or YAML: LL901 says so
            continue
        settings = linter.resolver.for_path(path.parent)  # the file's folder: remembered per folder
        missed = None  # the content digest whose cached result is known to be stale
        if cache is not None:  # unchanged since the cache was written: not even read
            abspath = os.path.abspath(path)
            sig = signature(abspath)
            content = missed = cache.known_content(abspath, sig)
            if content is not None:
                found = cache.get_result(
                    abspath, display, content, _settings_digest(settings, settings_digests), current
                )
                if found is not None:
                    results[index] = _cached(found, path, display, kind, settings)
                    continue
        try:
            data = read_bytes(path, settings.max_file_size)
        except UnreadableSource as exc:  # depends on the file system, not the content: never cached
            results[index] = linter.unreadable(path, display, exc)
            continue
        pending = _Pending(index, path, display, data)
        contents[abspath if cache is not None else os.path.abspath(path)] = data
        if cache is not None:
            pending.sig = sig
            pending.content = dependencies.digest(data)
            pending.settings = _settings_digest(settings, settings_digests)
            found = None
            if pending.content != missed:
                found = cache.get_result(abspath, display, pending.content, pending.settings, current)
            if found is not None:
                cache.refresh_signature(abspath, sig)  # touched, not changed: next time not read
                diagnostics, parsed, notes = found
                results[index] = FileResult(
                    display,
                    diagnostics,
                    parsed=parsed,
                    notes=notes,
                    cached=True,
                    source=_source(data, display, kind) if diagnostics else None,
                )
                continue
        fresh.append(pending)
        if may_matter_bytes(data, kind, settings, path):
            to_parse.append(pending)
            if len(to_parse) == PRESCAN_MIN_FILES:  # a large run: its prescan is read meanwhile
                prescans.start({linter.projects.for_path(p.path).root for p in to_parse})
        else:
            results[index] = _lean(linter.lint_bytes(data, path, display, may_matter=False))
            pending.data = b""  # not needed any more (and not to be copied into workers)
    processes = worker_count(options, len(to_parse))
    try:
        if processes > 1:
            deferred = _lint_in_pool(linter, to_parse, processes, results, contents, prescans, settle=cache is not None)
            stats.workers = processes - 1
            stats.parsed_in_workers = len(to_parse) - len(deferred)
        else:
            deferred = _lint_deferring_facts(linter, to_parse, results, contents, prescans)
    finally:
        prescans.close()
    for pending in deferred:
        if pending.parked is not None:
            linter.park(pickle.loads(pending.parked))
        results[pending.index] = _lean(linter.lint_bytes(pending.data, pending.path, pending.display, may_matter=True))
    stats.parsed_here = len(deferred)
    if cache is not None:
        for pending in fresh:
            _settle(results[pending.index], current)
            cache.put_result(
                os.path.abspath(pending.path),
                pending.display,
                pending.content,
                pending.settings,
                results[pending.index],
                pending.sig,
            )
        stats.hits, stats.misses = cache.hits, cache.misses
    return [r for r in results if r is not None]


def _lint_deferring_facts(
    linter: Linter,
    pending: List[_Pending],
    results: List[Optional[FileResult]],
    contents: Optional[Dict[str, bytes]] = None,
    prescans: Optional["_BackgroundPrescans"] = None,
) -> List[_Pending]:
    """Lint ``pending`` here; the files whose rules need the project facts before they
    were gathered come back. Gathering them at the first such file would parse most of
    the project a second time; afterwards, the fragments of the files parsed meanwhile
    are reused (``Project.offer``) and only the files that no rule looked at are parsed."""
    if len(pending) < 2:
        return pending
    for root in {linter.projects.for_path(p.path).root for p in pending}:
        project = linter.projects.for_root(root)
        if project.facts_without_parsing() is None and root is not None and len(pending) >= PRESCAN_MIN_FILES:
            _prescan(project, contents, prescans)
    if contents:
        contents.clear()  # not needed any more
    back: List[_Pending] = []
    linter.projects.defer_facts(True)
    try:
        for p in pending:
            try:
                results[p.index] = _lean(linter.lint_bytes(p.data, p.path, p.display, may_matter=True))
            except FactsNeeded:
                back.append(p)
    finally:
        linter.projects.defer_facts(False)
    return back


def _prescan(project: Any, contents: Optional[Dict[str, bytes]], background: Optional["_BackgroundPrescans"]) -> Any:
    """The project's class prescan: the one read in the background, else read now."""
    found = background.take(project.root) if background is not None else None
    if found is not None:
        project.provide_prescan(found, project.listing)
    return project.prescan(contents)


class _BackgroundPrescans:
    """Class prescans read by a forked process while this one reads and filters the rest
    of the files (reading a large project's text costs ~0.4 s; this process's reading
    loop takes longer, and the other cores are idle then). Only where the run may use
    another core and ``fork`` is safe; elsewhere ``take`` finds none and the prescan is
    read when needed, as before."""

    def __init__(self, linter: Linter, options: "CheckOptions") -> None:
        self.linter = linter
        self.allowed = options.jobs != 1 and worker_count(options, 2 * FILES_PER_WORKER) > 1
        self.running: Dict[Optional[Path], Tuple[Any, Any]] = {}

    def start(self, roots: Set[Optional[Path]]) -> None:
        if not self.allowed:
            return
        import multiprocessing

        context = _context(multiprocessing)
        if context.get_start_method() != "fork":
            return  # a spawned process would import the linter first: no gain
        for root in roots:
            if root is None or root in self.running:
                continue
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_send_prescan, args=(self.linter.projects.for_root(root), sender), daemon=True
            )
            process.start()
            sender.close()
            self.running[root] = (process, receiver)

    def take(self, root: Optional[Path]) -> Any:
        """The prescan read for ``root`` (None: none was started, or it failed)."""
        entry = self.running.pop(root, None)
        if entry is None:
            return None
        process, receiver = entry
        try:
            return receiver.recv()
        except (EOFError, OSError):  # the process died: read it here
            return None
        finally:
            receiver.close()
            process.join()

    def close(self) -> None:
        """Stop what was started and not taken (the facts came from the cache, say)."""
        for process, receiver in self.running.values():
            process.terminate()
            process.join()
            receiver.close()
        self.running.clear()


def _send_prescan(project: Any, sender: Any) -> None:
    try:
        sender.send(project.prescan())
    except Exception:  # noqa: BLE001 - the parent reads it itself on EOF (and reports any bug)
        pass
    finally:
        sender.close()


def _settle(result: Optional[FileResult], current: "_CurrentValues") -> None:
    """Fill in the records that were pending while the file was linted (the digest of
    project facts gathered later): the results cache needs every value."""
    if result is not None and dependencies.PENDING in result.deps.values():
        for key, value in result.deps.items():
            if value == dependencies.PENDING:
                result.deps[key] = current(*key) or dependencies.PENDING


def _presumed_roots(results: Sequence[Optional[FileResult]]) -> Set[Optional[Path]]:
    """The project roots whose facts some result depends on but nobody gathered yet."""
    roots: Set[Optional[Path]] = set()
    for result in results:
        if result is not None and dependencies.PENDING in result.deps.values():
            roots.update(
                Path(key) if key else None
                for (kind, key), value in result.deps.items()
                if kind == dependencies.FACTS and value == dependencies.PENDING
            )
    return roots


def _cached(found: Any, path: Path, display: str, kind: str, settings: Settings) -> FileResult:
    diagnostics, parsed, notes = found
    source = None
    if diagnostics:  # a report or a fix may show the text
        try:
            source = _source(read_bytes(path, settings.max_file_size), display, kind)
        except UnreadableSource:
            source = None
    return FileResult(display, diagnostics, parsed=parsed, notes=notes, cached=True, source=source)


def _lean(result: FileResult) -> FileResult:
    """Keep the decoded text only where a report or a fix may show it (a run over
    thousands of files would otherwise hold them all)."""
    if not result.diagnostics:
        result.source = None
    return result


def _source(data: bytes, display: str, kind: str):
    """The decoded file, for reporters (snippets) and fixes; only files with findings need it."""
    try:
        return decode_source(data, display, kind)
    except UnreadableSource:
        return None


def _settings_digest(settings: Settings, memo: Dict[int, str]) -> str:
    key = id(settings)
    if key not in memo:
        memo[key] = dependencies.digest(repr(settings).encode())
    return memo[key]


class _CurrentValues:
    """What a recorded dependency is now (``dependencies.py``), computed once per run."""

    def __init__(self, linter: Linter) -> None:
        self.linter = linter
        self.memo: Dict[Tuple[str, str], Optional[str]] = {}

    def __call__(self, kind: str, key: str) -> Optional[str]:
        if (kind, key) not in self.memo:
            self.memo[(kind, key)] = self._compute(kind, key)
        return self.memo[(kind, key)]

    def _compute(self, kind: str, key: str) -> Optional[str]:
        value = dependencies.current_value(kind, key)
        if value is not None:
            return value
        if kind == dependencies.TARGET:
            root, setting, directory = (key.split("|", 2) + [""])[:3]
            project = self.linter.projects.for_root(Path(root) if root else None)
            return project.pins_fingerprint(setting or None, directory)
        if kind == dependencies.FACTS:
            return self.linter.projects.for_root(Path(key) if key else None).facts_digest
        return None


# -- the process pool ---------------------------------------------------------------------


def worker_count(options: "CheckOptions", files_to_parse: int) -> int:
    """How many processes lint ``files_to_parse`` files, this one included (1: no pool)."""
    if files_to_parse < 2:
        return 1
    if options.jobs is not None:  # asked for explicitly: honoured, also under pre-commit
        return max(1, min(options.jobs, files_to_parse, MAX_WORKERS))
    if os.environ.get(NO_PARALLEL_ENV) or os.environ.get("PRE_COMMIT"):
        return 1
    return max(1, min(available_cores(), files_to_parse // FILES_PER_WORKER, MAX_WORKERS))


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0)) or 1
        except OSError:
            pass
    return os.cpu_count() or 1


_worker_linter: Optional[Linter] = None

# (index, path, display, bytes, the file's parked extraction pickled or None)
Chunk = List[Tuple[int, str, str, bytes, Optional[bytes]]]
# what a worker hands back: (index, result, or None and the pickled extraction when the file
# needs the facts) for each file of a chunk, and the facts fragments
ChunkResult = Tuple[List[Tuple[int, Optional[FileResult], Optional[bytes]]], Dict[str, Tuple[str, Any]]]


def _init_worker(resolver, facts: Dict[Optional[Path], Any], prescans: Dict[Optional[Path], Any]) -> None:
    """A worker's linter, with the project facts known when its pool started and the
    projects' class prescans (inherited through ``fork``; elsewhere sent once per worker,
    not with every chunk)."""
    global _worker_linter
    os.environ[NO_PARALLEL_ENV] = "1"  # a worker never starts a pool of its own
    _worker_linter = _given(Linter(resolver, may_gather_facts=False), facts, prescans)


def _given(
    linter: Linter, facts: Dict[Optional[Path], Any], prescans: Optional[Dict[Optional[Path], Any]] = None
) -> Linter:
    for root, value in facts.items():
        linter.projects.for_root(root).provide_facts(value)
    for root, (prescan, listing) in (prescans or {}).items():
        linter.projects.for_root(root).provide_prescan(prescan, listing)
    return linter


def _lint_chunk(chunk: Chunk, linter: Optional[Linter] = None) -> ChunkResult:
    """Lint in a worker: (index, result or None when the file needs project facts the
    worker was not given) for each file, and the facts fragments of the files parsed."""
    linter = linter or _worker_linter
    assert linter is not None
    out: List[Tuple[int, Optional[FileResult], Optional[bytes]]] = []
    for index, path, display, data, parked in chunk:
        if parked is not None:
            linter.park(pickle.loads(parked))
        result: Optional[FileResult]
        try:
            result = linter.lint_bytes(data, Path(path), display, may_matter=True)
        except FactsNeeded:  # linted again once the parent has gathered the facts; the
            out.append((index, None, _pickled(linter.take_parked())))  # extraction goes along
            continue
        result.source = None  # the parent decodes the bytes it already has, when needed
        out.append((index, result, None))
    return out, linter.take_offers()


def _pickled(parked: Dict[str, Any]) -> Optional[bytes]:
    """A parked extraction as bytes for the trip between processes; None when it cannot
    make the trip (the file is then extracted again: slower, never wrong)."""
    if not parked:
        return None
    try:
        portable = {key: p.portable() for key, p in parked.items()}
        return pickle.dumps(portable, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - whatever pickling raises
        return None


def _lint_in_pool(
    linter: Linter,
    pending: List[_Pending],
    processes: int,
    results: List[Optional[FileResult]],
    contents: Optional[Dict[str, bytes]] = None,
    background: Optional["_BackgroundPrescans"] = None,
    settle: bool = True,
) -> List[_Pending]:
    """Lint ``pending`` in ``processes`` processes: this one and a pool of the others,
    all taking chunks of files from one queue. Returns the files left to lint here.

    ``settle``: the facts' digest will be recorded for the results that relied on partial
    facts (``_settle``), so the facts are gathered for them too.

    Workers do not gather project facts. The facts that can be had without parsing (an
    unchanged project, whose fragments are cached, or one without Python files) are
    given to the workers as they start. Otherwise a file whose rules need them comes
    back, the facts are gathered here (from the fragments of the files the workers
    parsed, so no file is parsed twice), and the files that came back go to a second
    pool, started with the facts: a forked worker inherits them. (Sent with every chunk
    instead, a large project's facts cost more to pickle than the chunk to lint.)"""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from lightning_lint.linter.engine import preload

    preload()
    by_index = {p.index: p for p in pending}

    def collect(chunk_results, offers, back: List[_Pending]) -> None:
        linter.accept_offers(offers)
        for index, result, parked in chunk_results:
            p = by_index[index]
            if result is None:
                p.parked = parked
                back.append(p)
                continue
            if result.diagnostics:
                result.source = _source(p.data, p.display, kind_of(p.path) or PYTHON)
            results[index] = result

    def run(pool, todo: List[_Pending], local: Linter) -> List[_Pending]:
        """``todo`` linted by the pool and, meanwhile, here with ``local``: each worker
        has a chunk waiting, so that it never idles while this process lints one."""
        back: List[_Pending] = []
        queue = _chunks(todo, processes)
        running: Set[Future[ChunkResult]] = set()
        while queue or running:
            while queue and len(running) < 2 * (processes - 1):
                running.add(pool.submit(_lint_chunk, queue.pop(0)))
            if queue:
                collect(*_lint_chunk(queue.pop(0), local), back)
            else:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    collect(*future.result(), back)
                continue
            finished = {f for f in running if f.done()}
            for future in finished:
                collect(*future.result(), back)
            running -= finished
        return sorted(back, key=lambda p: p.index)

    known = {}
    prescans: Dict[Optional[Path], Any] = {}
    for root in {linter.projects.for_path(p.path).root for p in pending}:
        project = linter.projects.for_root(root)
        facts = project.facts_without_parsing()
        if facts is not None:
            known[root] = facts
        elif root is not None and len(pending) >= PRESCAN_MIN_FILES:  # read here, not by each process
            prescans[root] = (_prescan(project, contents, background), project.listing)

    def pool_with(facts: Dict[Optional[Path], Any]) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=processes - 1,
            mp_context=_context(multiprocessing),
            initializer=_init_worker,
            initargs=(linter.resolver, facts, prescans),
        )

    # this process works like a worker too (same rules: it hands back files needing facts)
    local = _given(Linter(linter.resolver, may_gather_facts=False), known, prescans)
    with pool_with(known) as pool:
        deferred = run(pool, pending, local)
        roots = {linter.projects.for_path(p.path).root for p in deferred}
        if settle:  # the results cache records the facts' digest of results that presumed them
            roots |= _presumed_roots([results[p.index] for p in pending])
        if roots:  # the facts are needed: the files no process parsed yet are parsed by all
            _parse_for_facts(pool, linter, roots, processes, contents)
    if contents:
        contents.clear()  # not needed any more
    if len(deferred) < FILES_PER_WORKER * 2:
        return deferred
    roots = {linter.projects.for_path(p.path).root for p in deferred}
    facts = {root: linter.projects.for_root(root).facts for root in roots}
    with pool_with(facts) as pool:
        return run(pool, deferred, _given(local, facts))


def _fragments_chunk(root: str, items: List[Tuple[str, str, bytes]]) -> Dict[str, Tuple[str, Any]]:
    """In a worker: the facts fragments of files no process has parsed (key -> offer)."""
    from lightning_lint.linter.project_facts import fragment_of

    return {key: (dependencies.digest(data), fragment_of(Path(path), Path(root), data)) for key, path, data in items}


def _parse_for_facts(
    pool: Any, linter: Linter, roots: Set[Optional[Path]], processes: int, contents: Optional[Dict[str, bytes]] = None
) -> None:
    """Parse, in this process and the pool, the project files whose facts fragments are
    neither cached nor offered yet, so that gathering the facts parses nothing."""
    from concurrent.futures import wait

    from lightning_lint.linter import project_facts

    for root in roots:
        project = linter.projects.for_root(root)
        if root is None or project._facts is not None:
            continue
        todo = sorted(project_facts.unparsed(root, linter.resolver, project, contents), key=lambda item: -len(item[2]))
        if len(todo) < 2:
            continue
        chunks: List[List[Tuple[str, str, bytes]]] = [todo[i :: processes * 4] for i in range(processes * 4)]
        chunks = [c for c in chunks if c]
        mine, theirs = chunks[: len(chunks) // processes], chunks[len(chunks) // processes :]
        futures = [pool.submit(_fragments_chunk, str(root), chunk) for chunk in theirs]
        offers: Dict[str, Tuple[str, Any]] = {}
        for chunk in mine:
            offers.update(_fragments_chunk(str(root), chunk))
        for future in wait(futures).done:
            offers.update(future.result())
        linter.accept_offers(offers)


def _chunks(pending: List[_Pending], processes: int) -> List[Chunk]:
    """Larger files first, dealt round-robin, so that no process is left with a big one at
    the end; the Python files' chunks before the configs' (a config's rules may need to know
    the project's LightningModules, which the Python files linted before it may show)."""
    count = processes * CHUNKS_PER_PROCESS
    python = [p for p in pending if kind_of(p.path) != YAML]
    configs = [p for p in pending if kind_of(p.path) == YAML]
    for_python = min(len(python), max(1, round(count * len(python) / max(1, len(pending)))))
    return _dealt(python, for_python) + _dealt(configs, max(1, count - for_python))


def _dealt(pending: List[_Pending], count: int) -> List[Chunk]:
    chunks: List[Chunk] = [[] for _ in range(count)]
    for position, p in enumerate(sorted(pending, key=lambda p: -len(p.data))):
        chunks[position % len(chunks)].append((p.index, str(p.path), p.display, p.data, p.parked))
    return [c for c in chunks if c]


def _context(multiprocessing):
    """fork where it is safe (Linux, one thread): workers start in milliseconds with
    everything imported. Elsewhere the platform's default."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
