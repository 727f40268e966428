"""Running the engine over many files: the results cache, then a process pool.

Each file is read once and hashed; a file whose cached findings are still valid is done.
Of the rest, a file the prefilter rejects costs nothing more and is handled here. The
files left need parsing: they are linted here when they are few, else by this process
and a pool of workers, one process per core in all (``--jobs`` overrides). There is no
pool under pre-commit (``PRE_COMMIT`` is set; the hook is serial and passes the changed
files), nor when ``LIGHTNING_LINT_NO_PARALLEL`` is set, and a worker never starts one.

A large run starts the pool while it still reads its files: the workers lint what was read
so far. Project facts are gathered once, in this process, from the fragments every process
handed back; a file whose rules need them waits where it was linted, its extraction kept
there, and is finished by that process once they are in (``_Pool``).
"""

from __future__ import annotations

import os
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
# From this many files to parse on, the pool starts while the rest are read; each worker is
# handed this many files at a time meanwhile.
EARLY_POOL_FILES = 100
BATCH_FILES = 20
# Small chunks keep the processes busy to the end; each costs a round trip (~1 ms).
CHUNKS_PER_PROCESS = 12
# Tasks handed to each worker ahead: with two, a worker could finish both while this
# process linted one chunk of its own, and wait.
WAITING_PER_WORKER = 3


@dataclass
class _Pending:
    index: int
    path: Path
    display: str
    data: bytes
    content: str = ""
    settings: str = ""
    sig: Optional[str] = None  # the file's signature when it was read (cache.signature)


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
    contents: Dict[str, bytes] = {}  # what was read, by absolute path: the facts-only pass reuses it
    pool: Optional[_Pool] = None
    batch: List[_Pending] = []  # Python files read since the pool was last handed some
    if cache is not None:  # (not imported by a run without the cache: start-up time)
        from lightning_lint.linter.cache import signature
    try:
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
                if kind != YAML:
                    batch.append(pending)
                if pool is None and len(to_parse) == EARLY_POOL_FILES:  # a large run: the workers start now
                    processes = worker_count(options, len(to_parse) * len(files) // (index + 1))
                    if processes > 1:
                        pool = _Pool(linter, processes, to_parse, results, settle=cache is not None)
                if pool is not None and len(batch) >= BATCH_FILES and pool.hand(batch):
                    batch = []
            else:
                results[index] = _lean(linter.lint_bytes(data, path, display, may_matter=False))
                pending.data = b""  # not needed any more (and not to be copied into workers)
        if pool is None:  # not large enough to start while reading; perhaps large enough for a pool
            processes = worker_count(options, len(to_parse))
            if processes > 1:
                pool = _Pool(linter, processes, to_parse, results, settle=cache is not None)
        if pool is not None:
            deferred = pool.finish(to_parse, contents)
            stats.workers = pool.processes - 1
            stats.parsed_in_workers = len(to_parse) - len(deferred)
        else:
            deferred = _lint_deferring_facts(linter, to_parse, results, contents)
    finally:
        if pool is not None:
            pool.close()
    for pending in deferred:
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
) -> List[_Pending]:
    """Lint ``pending`` here; the files whose rules need the project facts before they
    were gathered come back. Gathering them at the first such file would parse most of
    the project a second time; afterwards, the fragments of the files parsed meanwhile
    are reused (``Project.offer``) and only the files that no rule looked at are parsed."""
    if len(pending) < 2:
        return pending
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
# the files a worker set aside for the facts, their extractions parked in its linter
_worker_kept: "List[Tuple[int, str, str, bytes]]" = []
_worker_barrier: Any = None

# (index, path, display, bytes) of each file of a chunk
Chunk = List[Tuple[int, str, str, bytes]]
# a pool's unit of work: ("lint", Chunk), or ("facts", (root, [(key, path, bytes)])): the
# facts fragments of files that no process lints
Task = Tuple[str, Any]
# what a process hands back: (index, result, or None when the file waits for the facts) for
# each file linted, and the facts fragments of the files parsed
ChunkResult = Tuple[List[Tuple[int, Optional[FileResult]]], Dict[str, Tuple[str, Any]]]
# How long a worker waits for the others before it lints its set-aside files (they all
# start at once: idle, each given one task; a missing one only costs this wait)
BARRIER_TIMEOUT_S = 5.0


def _init_worker(resolver, facts: Dict[Optional[Path], Any], listings: Dict[Path, List[str]], barrier: Any) -> None:
    """A worker's linter, with the project facts known when its pool started and the
    projects' file listings (inherited through ``fork``; elsewhere sent once per worker,
    not with every chunk)."""
    global _worker_linter, _worker_barrier
    os.environ[NO_PARALLEL_ENV] = "1"  # a worker never starts a pool of its own
    _worker_linter = _given(Linter(resolver, may_gather_facts=False), facts, listings)
    _worker_barrier = barrier
    _worker_kept.clear()


def _given(
    linter: Linter, facts: Dict[Optional[Path], Any], listings: Optional[Dict[Path, List[str]]] = None
) -> Linter:
    for root, value in facts.items():
        linter.projects.for_root(root).provide_facts(value)
    for root, listing in (listings or {}).items():
        linter.projects.provide_listing(root, listing)
    return linter


def _run_task(task: Task, linter: Optional[Linter] = None, kept: Optional[list] = None) -> ChunkResult:
    """A task of the pool, in a worker or (``linter``, ``kept``) in this process."""
    kind, payload = task
    if kind == "facts":
        return [], _fragments(*payload)
    return _lint_chunk(payload, linter, kept)


def _lint_chunk(chunk: Chunk, linter: Optional[Linter] = None, kept: Optional[list] = None) -> ChunkResult:
    """Lint a chunk: (index, result, or None when the file needs project facts the
    process was not given) for each file, and the facts fragments of the files parsed. A
    file set aside stays in ``kept``, its extraction parked in the linter, until
    ``_finish_kept``."""
    linter = linter or _worker_linter
    kept = _worker_kept if kept is None else kept
    assert linter is not None
    out: List[Tuple[int, Optional[FileResult]]] = []
    for index, path, display, data in chunk:
        try:
            result = linter.lint_bytes(data, Path(path), display, may_matter=True)
        except FactsNeeded:
            kept.append((index, path, display, data))
            out.append((index, None))
            continue
        result.source = None  # the parent decodes the bytes it already has, when needed
        out.append((index, result))
    return out, linter.take_offers()


def _finish_kept(
    facts: Dict[Optional[Path], Any], linter: Optional[Linter] = None, kept: Optional[list] = None
) -> ChunkResult:
    """Once the facts are gathered: lint the files this process set aside, from the
    extractions it kept (none is extracted again, none crosses to another process). In a
    worker, each worker is given one such task: it waits for the others first, so that no
    worker takes two and leaves another's files unlinted."""
    import threading

    if linter is None and _worker_barrier is not None:
        try:
            _worker_barrier.wait(BARRIER_TIMEOUT_S)
        except threading.BrokenBarrierError:
            pass  # some worker is missing: its files come back unlinted, the parent lints them
    linter = _given(linter or _worker_linter, facts)  # type: ignore[arg-type]
    kept = _worker_kept if kept is None else kept
    chunk, kept[:] = list(kept), []
    return _lint_chunk(chunk, linter, kept)


class _Pool:
    """This process and a pool of the others, all taking tasks from one queue.

    A large run starts it while its files are still being read (``hand``): the workers
    lint what was read so far while this process reads the rest; then this process lints
    too (``finish``). Workers do not gather project facts. The facts that can be had
    without parsing (an unchanged project, whose fragments are cached, or one without
    Python files) are given to the workers as they start. Otherwise a file whose rules
    need them is set aside where it was linted, its extraction kept there. As soon as
    some file needs them, the project files that no process lints and whose fragments
    are not cached join the queue (``_facts_tasks``); once every task is done, the facts
    are gathered here from the fragments (no file is parsed twice) and each process lints
    the files it set aside (``_finish_kept``).

    ``settle``: the facts' digest will be recorded for the results that relied on partial
    facts (``_settle``), so the facts are gathered for them too."""

    def __init__(
        self,
        linter: Linter,
        processes: int,
        pending: List[_Pending],
        results: List[Optional[FileResult]],
        settle: bool,
    ) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from lightning_lint.linter.engine import preload

        preload()  # imported once, here: forked workers inherit it
        self.linter, self.processes, self.results, self.settle = linter, processes, results, settle
        self.known: Dict[Optional[Path], Any] = {}  # facts had without parsing, by project root
        for root in {linter.projects.for_path(p.path).root for p in pending}:  # (those of the files read so far)
            facts = linter.projects.for_root(root).facts_without_parsing()
            if facts is not None:
                self.known[root] = facts
        listings = linter.projects.listings()
        context = _context(multiprocessing)
        self.pool = ProcessPoolExecutor(
            max_workers=processes - 1,
            mp_context=context,
            initializer=_init_worker,
            initargs=(linter.resolver, self.known, listings, context.Barrier(processes - 1)),
        )
        # this process works like a worker too (same rules: it sets aside files needing facts)
        self.local = _given(Linter(linter.resolver, may_gather_facts=False), self.known, listings)
        self.local_kept: List[Tuple[int, str, str, bytes]] = []
        self.by_index: Dict[int, _Pending] = {}
        self.running: Set[Future[ChunkResult]] = set()
        self.set_aside: List[_Pending] = []
        self.waiting: Set[Optional[Path]] = set()  # the roots of the files set aside
        self.presumed: Set[Optional[Path]] = set()
        self.queued: Set[Optional[Path]] = set(self.known)  # roots whose facts-only files are queued (or need none)

    def hand(self, batch: List[_Pending]) -> bool:
        """While this process reads: ``batch`` to a worker, unless every worker has a task
        waiting already (False: the batch waits, and grows)."""
        self._collect_done()
        if len(self.running) >= WAITING_PER_WORKER * (self.processes - 1):
            return False
        self.by_index.update((p.index, p) for p in batch)
        self.running.add(self.pool.submit(_run_task, ("lint", _dealt(batch, 1)[0])))
        return True

    def finish(self, pending: List[_Pending], contents: Optional[Dict[str, bytes]]) -> List[_Pending]:
        """Lint the files of ``pending`` not handed out yet, the facts-only files, then the
        files set aside. Returns the files left to lint here (a worker went missing)."""
        from concurrent.futures import FIRST_COMPLETED, wait

        from lightning_lint.linter.project_facts import fragment_key

        rest = [p for p in pending if p.index not in self.by_index]
        self.by_index.update((p.index, p) for p in rest)
        linted_keys = {  # the facts fragments the lint offers (Python files and notebooks)
            fragment_key(self.linter.projects.for_path(p.path).root, p.path) for p in pending if kind_of(p.path) != YAML
        }
        queue: List[Task] = [("lint", chunk) for chunk in _chunks(rest, self.processes)]
        while queue or self.running:  # each worker has a task waiting: it never idles while this process works
            while queue and len(self.running) < WAITING_PER_WORKER * (self.processes - 1):
                self.running.add(self.pool.submit(_run_task, queue.pop(0)))
            if queue:
                self._collect(_run_task(queue.pop(0), self.local, self.local_kept))
                self._collect_done()
            else:
                finished, self.running = wait(self.running, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._collect(future.result())
            for root in self._facts_needed():  # the facts-only files of each project needing the facts
                queue.extend(_facts_tasks(self.linter, root, self.processes, contents, linted_keys))
        if contents:
            contents.clear()  # not needed any more
        if not self.set_aside:
            return []
        facts = {root: self.linter.projects.for_root(root).facts for root in self.waiting}
        self.set_aside.clear()
        futures = [self.pool.submit(_finish_kept, facts) for _ in range(self.processes - 1)]
        self._collect(_finish_kept(facts, self.local, self.local_kept))
        for future in futures:
            try:
                self._collect(future.result())
            except Exception:  # noqa: BLE001 - a worker lost (killed, out of memory): its files are linted here
                pass
        return sorted((p for p in self.by_index.values() if self.results[p.index] is None), key=lambda p: p.index)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _collect_done(self) -> None:
        finished = {f for f in self.running if f.done()}
        for future in finished:
            self._collect(future.result())
        self.running -= finished

    def _collect(self, done: ChunkResult) -> None:
        chunk_results, offers = done
        self.linter.accept_offers(offers)
        for index, result in chunk_results:
            p = self.by_index[index]
            if result is None:
                self.set_aside.append(p)
                self.waiting.add(self.linter.projects.for_path(p.path).root)
                continue
            if result.diagnostics:
                result.source = _source(p.data, p.display, kind_of(p.path) or PYTHON)
            self.results[index] = result
            if self.settle:
                self.presumed.update(_presumed_roots([result]))

    def _facts_needed(self) -> Set[Path]:
        """The project roots whose facts turned out to be needed, each once."""
        new = (self.waiting | self.presumed) - self.queued
        self.queued |= new
        return {root for root in new if root is not None}


def _facts_tasks(
    linter: Linter, root: Path, processes: int, contents: Optional[Dict[str, bytes]], linted: Set[str]
) -> List[Task]:
    """Tasks parsing the project's files whose facts fragments are neither cached nor
    offered by the lint (the facts-only files), larger files first, dealt round-robin."""
    from lightning_lint.linter import project_facts

    project = linter.projects.for_root(root)
    todo = project_facts.unparsed(root, linter.resolver, project, contents, skip=linted)
    todo.sort(key=lambda item: -len(item[2]))
    count = min(len(todo), processes * 8)
    return [("facts", (str(root), todo[i::count])) for i in range(count)]


def _fragments(root: str, items: List[Tuple[str, str, bytes]]) -> Dict[str, Tuple[str, Any]]:
    """The facts fragments of files no process lints (key -> offer)."""
    from lightning_lint.linter.project_facts import fragment_of

    return {key: (dependencies.digest(data), fragment_of(Path(path), Path(root), data)) for key, path, data in items}


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
        chunks[position % len(chunks)].append((p.index, str(p.path), p.display, p.data))
    return [c for c in chunks if c]


def _context(multiprocessing):
    """fork where it is safe (Linux, one thread): workers start in milliseconds with
    everything imported. Elsewhere the platform's default."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
