"""The ``confirm`` command: run the entry point under the probe, turn what it saw into
findings, report them, choose the exit code.

Exit codes: 0 no finding at or above ``fail-on``, 1 findings (LL902 included), 2 confirm
could not do what was asked (torch or Lightning missing, a device that is not there, the
entry point failed or ended before ``Trainer.fit``, the timeout).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, TextIO

from lightning_lint.linter.run import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, CheckOptions, UsageError, make_resolver
from lightning_lint.model.diagnostics import Severity

MACHINE_FORMATS = ("json", "json-lines", "sarif", "github", "gitlab", "junit")


def main(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except UsageError as exc:
        print(f"lightning-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _entry(args: argparse.Namespace, cwd: Path):
    """(script path or None, module or None, entry arguments, label for messages)."""
    entry_args = list(args.args or [])
    if entry_args and entry_args[0] == "--":
        entry_args = entry_args[1:]
    if args.module:
        if args.entry:  # `confirm -m pkg.train a b` without `--`: the positional is an argument
            entry_args = [args.entry] + entry_args
        return None, args.module, entry_args, f"-m {args.module}"
    if not args.entry:
        raise UsageError(
            "name the training script to run (`lightning-lint confirm train.py -- ARGS`) "
            "or a module (`-m package.train`)"
        )
    script = Path(args.entry)
    if not (cwd / script).is_file():
        raise UsageError(f"entry point `{args.entry}` does not exist")
    return Path(os.path.abspath(cwd / script)), None, entry_args, args.entry


def _python(args: argparse.Namespace) -> str:
    if not args.python:
        return sys.executable
    found = shutil.which(args.python) or (args.python if os.path.isfile(args.python) else None)
    if found is None:
        raise UsageError(f"--python {args.python}: no such interpreter")
    return found


def run(
    args: argparse.Namespace,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    cwd: Optional[Path] = None,
) -> int:
    from lightning_lint.commands.cli import OUTPUT_FORMAT_ENV
    from lightning_lint.confirm import findings, runner
    from lightning_lint.report.formats import FORMATS

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    cwd = Path(os.path.abspath(cwd or Path.cwd()))
    output_format = args.output_format or os.environ.get(OUTPUT_FORMAT_ENV) or "full"
    if output_format not in FORMATS:
        raise UsageError(f"${OUTPUT_FORMAT_ENV}={output_format!r} is not one of {', '.join(FORMATS)}")
    if args.batches < 1:
        raise UsageError("--batches must be at least 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    script, module, entry_args, label = _entry(args, cwd)
    python = _python(args)
    resolver = make_resolver(CheckOptions(), cwd)

    config = {"batches": args.batches, "accelerator": args.accelerator, "devices": args.devices, "args": entry_args}
    if module:
        config["module"] = module
    else:
        config["script"], config["argv0"] = str(script), args.entry
    progress = runner.Progress(stderr, enabled=not args.quiet and runner.interactive(stderr))
    workdir = Path(tempfile.mkdtemp(prefix="lightning-lint-confirm-"))
    try:
        progress.update("starting Python")
        probe_run = runner.run_probe(python, config, workdir, args.timeout, cwd, progress)
    finally:
        progress.close()
        shutil.rmtree(workdir, ignore_errors=True)

    workspace = findings.Workspace(resolver, cwd)
    outcome = findings.interpret(probe_run, workspace, [script] if script else [], entry_args, label, args.batches)
    saved = None
    if args.save_facts and outcome.facts is not None and outcome.facts_for is not None:
        saved = _save_facts(outcome, workspace, stderr)

    machine = output_format in MACHINE_FORMATS
    if outcome.error and outcome.facts is None and not any(d.confirmed for d in outcome.diagnostics):
        _print_error(outcome, stderr)
        return EXIT_ERROR
    report = _render(outcome, output_format, cwd, args, stdout, probe_run, label, saved, machine)
    if args.output_file:
        try:
            Path(args.output_file).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write `{args.output_file}`: {exc.strerror or exc}") from None
    else:
        stdout.write(report)
        stdout.flush()
    if machine and not args.quiet:
        for note in outcome.notes:
            print(f"lightning-lint confirm: note: {note}", file=stderr)
    if outcome.error:
        _print_error(outcome, stderr)
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(_fails(d, resolver, cwd) for d in outcome.diagnostics) else EXIT_OK


def _fails(diagnostic, resolver, cwd: Path) -> bool:
    path = Path(diagnostic.path) if os.path.isabs(diagnostic.path) else cwd / diagnostic.path
    return diagnostic.severity >= Severity.parse(resolver.for_path(path).fail_on)


def _print_error(outcome, stderr: TextIO) -> None:
    print(f"lightning-lint confirm: error: {outcome.error}", file=stderr)
    if outcome.detail.strip():
        lines = outcome.detail.rstrip().splitlines()[-15:]
        print("  the end of its output:", file=stderr)
        for line in lines:
            print(f"  | {line}", file=stderr)


def _save_facts(outcome, workspace, stderr: TextIO) -> Optional[str]:
    from lightning_lint.linter.discovery import find_project_root
    from lightning_lint.linter.project_facts import write_measured

    target = Path(os.path.abspath(outcome.facts_for))
    root = find_project_root(target)
    if root is None:
        print(
            "lightning-lint confirm: note: no project root above "
            f"{workspace.display(target)} (pyproject.toml, setup.py, setup.cfg, lightning-lint.toml or .git): "
            "the measured facts were not saved",
            file=stderr,
        )
        return None
    key = target.relative_to(root).as_posix()
    path = write_measured(root, key, outcome.facts)
    return f"{workspace.display(path)} (for {workspace.display(target)})"


def _render(
    outcome,
    output_format: str,
    cwd: Path,
    args,
    stdout: TextIO,
    probe_run,
    label: str,
    saved: Optional[str],
    machine: bool,
) -> str:
    from lightning_lint.commands.check import use_color
    from lightning_lint.report.formats import ReportContext, render

    options = CheckOptions(output_file=args.output_file, quiet=args.quiet)
    context = ReportContext(
        cwd=cwd,
        sources=outcome.sources,
        files_checked=len(outcome.files),
        color=use_color(options, stdout),
        quiet=args.quiet,
    )
    text = render(output_format, outcome.diagnostics, context)
    if machine or args.quiet:
        return text
    header = [
        f"lightning-lint confirm: ran `python {label}"
        + (" " + " ".join(probe_run_args(args)) if probe_run_args(args) else "")
        + f"` under the probe ({probe_run.seconds:.1f}s)"
    ]
    width = max((len(k) for k, _ in outcome.summary), default=0)
    header.extend(f"  {k:<{width}}  {v}" for k, v in outcome.summary)
    header.extend(f"  note: {note}" for note in outcome.notes)
    if saved:
        header.append(f"  saved the measured facts to {saved}")
    return "\n".join(header) + "\n\n" + text


def probe_run_args(args) -> List[str]:
    entry_args = list(args.args or [])
    if entry_args and entry_args[0] == "--":
        entry_args = entry_args[1:]
    if args.module and args.entry:
        entry_args = [args.entry] + entry_args
    return entry_args
