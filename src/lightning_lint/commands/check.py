"""The ``check`` command: lint what the options name, report, choose the exit code.

Exit codes follow ruff: 0 no finding at or above ``--fail-on``, 1 findings, 2 the tool
could not run as asked (bad option, missing path, broken configuration).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional, TextIO

from lightning_lint.linter.run import EXIT_FINDINGS, EXIT_OK, CheckOptions, UsageError, lint, make_resolver
from lightning_lint.linter.settings import SettingsResolver
from lightning_lint.model.diagnostics import Diagnostic


def use_color(options: CheckOptions, stream: TextIO) -> bool:
    if options.color is not None:
        return options.color
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return options.output_file is None and hasattr(stream, "isatty") and stream.isatty()


def run(
    options: CheckOptions, stdin: Optional[TextIO] = None, stdout: Optional[TextIO] = None, cwd: Optional[Path] = None
) -> int:
    """The whole ``check`` command; returns the exit code. Raises UsageError."""
    from lightning_lint.report.formats import ReportContext, render
    from lightning_lint.report.text import statistics

    stdout = stdout or sys.stdout
    cwd = cwd or Path.cwd()
    result = lint(options, stdin=stdin, cwd=cwd)
    resolver = make_resolver(options, cwd)
    if options.fix or options.diff or options.add_noqa:
        from lightning_lint.linter import fixer

        outcome = fixer.apply_to_run(result, options, resolver, stdout)
        if outcome is not None:
            return outcome
        if result.stdin_fixed is not None:
            stdout.write(result.stdin_fixed)  # like ruff: fixed standard input goes to standard output
            remaining = any(_fails(d, options, resolver) for d in result.diagnostics)
            return EXIT_OK if options.exit_zero or not remaining else EXIT_FINDINGS
    context = ReportContext(
        cwd=cwd,
        sources={r.path: r.source for r in result.results if r.source is not None},
        files_checked=result.files_checked,
        color=use_color(options, stdout),
        show_fixes=options.show_fixes,
        fixed=result.fixed,
        quiet=options.quiet,
        fix_mode=options.fix,
        unsafe_hidden=0
        if options.unsafe_fixes
        else sum(1 for d in result.diagnostics if d.fix is not None and d.fix.applicability.value == "unsafe"),
    )
    if options.statistics:
        text = (
            _statistics_json(result.diagnostics)
            if options.output_format in ("json", "json-lines")
            else statistics(result.diagnostics)
        )
    else:
        text = render(options.output_format, result.diagnostics, context)
    _write(text, options.output_file, stdout)
    if options.exit_zero:
        return EXIT_OK
    if options.exit_non_zero_on_fix and result.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if any(_fails(d, options, resolver) for d in result.diagnostics) else EXIT_OK


def _fails(diagnostic: Diagnostic, options: CheckOptions, resolver: SettingsResolver) -> bool:
    from lightning_lint.model.diagnostics import Severity

    fail_on = options.fail_on or resolver.for_path(Path(diagnostic.path)).fail_on
    return diagnostic.severity >= Severity.parse(fail_on)


def _statistics_json(diagnostics: List[Diagnostic]) -> str:
    import json
    from collections import Counter

    counts = Counter((d.code, d.name) for d in diagnostics)
    rows = [
        {
            "code": code,
            "name": name,
            "count": count,
            "fixable": any(
                d.code == code and d.fix is not None and d.fix.applicability.value == "safe" for d in diagnostics
            ),
        }
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    ]
    return json.dumps(rows, indent=2) + "\n"


def _write(text: str, output_file: Optional[str], stdout: TextIO) -> None:
    if output_file:
        try:
            # backslashreplace: a file name that is not valid UTF-8 must not stop the report
            with open(output_file, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write `{output_file}`: {exc.strerror or exc}") from None
    elif text:
        stdout.write(text)
        stdout.flush()
