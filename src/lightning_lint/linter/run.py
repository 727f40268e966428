"""One lint run: the options of a command line, the files they name, their results.

Used by the commands (``check``, ``confirm``) and the fixer: options -> settings ->
discovery -> the results cache and the pool (``runner.py``) -> one ``CheckRun``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, TextIO, Tuple, Union

from lightning_lint.linter.engine import FileResult, Linter
from lightning_lint.linter.settings import ConfigError, Overrides, SettingsResolver
from lightning_lint.model.diagnostics import Diagnostic

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

STDIN = "-"


class UsageError(Exception):
    """The run cannot go on as asked (exit code 2); the message is one line."""


@dataclass
class CheckOptions:
    paths: List[str] = field(default_factory=list)
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    output_format: str = "full"
    output_file: Optional[str] = None
    exit_zero: bool = False
    fail_on: Optional[str] = None
    statistics: bool = False
    stdin_filename: Optional[str] = None
    quiet: bool = False
    verbose: bool = False
    force_exclude: bool = False
    config: Optional[str] = None
    isolated: bool = False
    target_version: Optional[str] = None
    respect_gitignore: Optional[bool] = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False
    add_noqa: bool = False
    no_cache: bool = False
    cache_dir: Optional[str] = None
    jobs: Optional[int] = None
    color: Optional[bool] = None


@dataclass
class CheckRun:
    results: List[FileResult]
    diagnostics: List[Diagnostic]
    fixed: int = 0
    files_checked: int = 0
    stdin_fixed: Optional[str] = None  # the fixed text of standard input (printed instead of a report)
    cache_hits: int = 0  # files whose cached findings were reused
    cache_misses: int = 0  # files linted although the cache was on
    workers: int = 0  # worker processes that helped this one (0: no pool)


def make_resolver(options: CheckOptions, cwd: Path) -> SettingsResolver:
    for selectors in (options.select or (), options.extend_select, options.ignore):
        if not selectors:
            continue  # the rule registry is imported only when there is something to check
        from lightning_lint import rules

        try:
            rules.validate_selectors(selectors)
        except rules.UnknownSelector as exc:
            raise UsageError(str(exc)) from None
    overrides = Overrides(
        select=options.select,
        extend_select=options.extend_select,
        ignore=options.ignore,
        extend_exclude=options.extend_exclude,
        target_version=options.target_version,
        fail_on=options.fail_on,
        respect_gitignore=options.respect_gitignore,
    )
    config = Path(options.config) if options.config else None
    if config is not None and not config.is_file():
        raise UsageError(f"configuration file `{options.config}` does not exist")
    try:
        return SettingsResolver(cwd, overrides, config_file=config, isolated=options.isolated)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def lint(
    options: CheckOptions, stdin: Optional[TextIO] = None, cwd: Optional[Path] = None, log: Optional[TextIO] = None
) -> CheckRun:
    """Lint what the options name; raises UsageError."""
    from lightning_lint.linter.discovery import discover, facts_file

    cwd = cwd or Path.cwd()
    log = log or sys.stderr
    resolver = make_resolver(options, cwd)
    try:
        cache = None if options.no_cache else open_cache(options, resolver, cwd)
    except ConfigError as exc:  # the settings of the working directory name the cache folder
        raise UsageError(str(exc)) from None
    linter = Linter(resolver, fragments=cache)
    results: List[FileResult] = []
    started = time.perf_counter()
    from lightning_lint.linter.runner import RunStats

    stats = RunStats()
    try:
        paths = [p for p in options.paths if p != STDIN]
        read_stdin = STDIN in options.paths or (options.stdin_filename is not None and not options.paths)
        if not paths and not read_stdin:
            paths = ["."]
        if read_stdin:
            name = options.stdin_filename or "<stdin>.py"
            results.append(
                linter.lint_text(
                    _read_stdin(stdin or sys.stdin), Path(name), display=options.stdin_filename or "<stdin>"
                )
            )
        if paths:
            found = discover(paths, resolver, force_exclude=options.force_exclude, facts_accept=facts_file)
            for root, listing in found.listings.items():  # one walk: the facts scan reuses it
                linter.projects.provide_listing(root, listing)
            if found.missing:
                missing = ", ".join(f"`{m}`" for m in found.missing)
                raise UsageError(
                    f"path {missing} does not exist" if len(found.missing) == 1 else f"paths {missing} do not exist"
                )
            from lightning_lint.linter import runner

            results.extend(runner.lint_files(linter, found.files, options, log, cache, stats))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        # an unknown selector in a configuration file (the rule registry is imported only
        # when something needs it: a run whose findings all come from the cache does not)
        rules = sys.modules.get("lightning_lint.rules")
        if rules is not None and isinstance(exc, rules.UnknownSelector):
            raise UsageError(f"{exc}") from None
        raise
    problem = cache.save() if cache is not None else None
    diagnostics = sorted(_one_each(d for r in results for d in r.diagnostics), key=Diagnostic.sort_key)
    run = CheckRun(
        results,
        diagnostics,
        files_checked=len(results),
        cache_hits=stats.hits,
        cache_misses=stats.misses,
        workers=stats.workers,
    )
    if options.verbose:
        _verbose_report(run, linter, resolver, time.perf_counter() - started, log)
        if cache is not None:
            print(f"lightning-lint: cache: {run.cache_hits} reused, {run.cache_misses} linted ({cache.path})", file=log)
        if problem:
            print(f"lightning-lint: {problem}", file=log)
        if run.workers:
            print(
                f"lightning-lint: {stats.parsed_in_workers} files parsed by this process and {run.workers} "
                f"worker process{'es' if run.workers != 1 else ''}",
                file=log,
            )
    return run


def open_cache(options: CheckOptions, resolver: SettingsResolver, cwd: Path):
    """The results cache for this run (``cache.py``): one file per directory, tool
    version and command-line settings."""
    from lightning_lint.linter.cache import ResultsCache, cache_directory

    directory = cache_directory(options.cache_dir, resolver.for_path(cwd), cwd)
    run_key = (
        str(cwd.resolve()),
        repr(resolver.overrides),
        options.config and str(Path(options.config).resolve()),
        options.isolated,
    )
    return ResultsCache(directory, run_key)


def _read_stdin(stream: TextIO) -> Union[str, bytes]:
    """Standard input as bytes when possible: decoding is the linter's job (LL901 for
    invalid UTF-8), not a crash in the stream."""
    buffer = getattr(stream, "buffer", None)
    return buffer.read() if buffer is not None else stream.read()


def _verbose_report(run: CheckRun, linter: Linter, resolver: SettingsResolver, seconds: float, log: TextIO) -> None:
    for config in resolver.config_files():
        print(f"lightning-lint: using settings from {config}", file=log)
    for project in linter.projects._by_root.values():
        shown = set()
        for target in project._targets.values():
            root = project.root or Path.cwd()
            # one line per deciding pin file (files in folders without their own pins share the root's)
            if (target.source, str(target)) in shown:
                continue
            shown.add((target.source, str(target)))
            print(f"lightning-lint: target Lightning {target} for {root} (decided by {target.source})", file=log)
    parsed = sum(1 for r in run.results if r.parsed)
    for result in run.results:
        for note in result.notes:
            print(f"lightning-lint: note: {note}", file=log)
    print(
        f"lightning-lint: checked {run.files_checked} file{'s' if run.files_checked != 1 else ''} "
        f"({parsed} parsed) in {seconds:.2f}s",
        file=log,
    )


def _one_each(found: Iterable[Diagnostic]) -> List[Diagnostic]:
    """One finding per (code, place, message): a YAML key is reported both by the YAML's
    own lint and by the script that passes it to ``Trainer(**cfg.x)``; the one with a fix wins."""
    best: Dict[Tuple[Any, ...], Diagnostic] = {}
    for d in found:
        key = (d.code, d.path, d.span, d.message)
        if key not in best or (best[key].fix is None and d.fix is not None):
            best[key] = d
    return list(best.values())
