"""``lightning-lint explain PATH[:LINE]``: the schedule of each Trainer configuration in
a file, as a person wants to read it, with the findings about it.

This is what a user runs when they ask "why does my training stop at step 26706?"."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from lightning_lint.linter.run import UsageError
from lightning_lint.report.explanation import explain_spec, render

_TARGET = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+))?$")
_CELL_TARGET = re.compile(r"^(?P<path>.+?):cell ?(?P<cell>\d+)(?::(?P<line>\d+))?$")


def main(args) -> int:
    try:
        return _run(args)
    except UsageError as exc:
        print(f"lightning-lint: error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from lightning_lint.extract.failure import ParseFailure
    from lightning_lint.linter.engine import EXTRACTORS, Linter
    from lightning_lint.linter.run import CheckOptions, make_resolver
    from lightning_lint.model.sources import UnreadableSource, read_source
    from lightning_lint.rules.context import RuleContext

    match = _TARGET.match(args.target)
    if match is None:  # an empty target, or one with a line break
        raise UsageError(f"`{args.target}` is not a file")
    path, line = Path(match.group("path")), match.group("line")
    cell = None
    in_cell = _CELL_TARGET.match(args.target)
    if in_cell is not None and not path.is_file():  # a notebook's cell: `train.ipynb:cell 7[:LINE]`
        path, cell, line = Path(in_cell.group("path")), in_cell.group("cell"), in_cell.group("line")
    if not path.is_file():
        raise UsageError(f"`{path}` is not a file")
    options = CheckOptions(paths=[str(path)], config=args.config, target_version=args.target_version, select=("ALL",))
    resolver = make_resolver(options, Path.cwd())
    linter = Linter(resolver)
    settings = resolver.for_path(path)
    try:
        source = read_source(path, str(path), max_bytes=settings.max_file_size)
        extraction = EXTRACTORS[source.kind](source, settings, path, linter.projects.for_path(path))
    except (UnreadableSource, ParseFailure) as exc:
        raise UsageError(f"cannot read `{path}`: {getattr(exc, 'message', exc)}") from None
    except (RecursionError, MemoryError):
        raise UsageError(f"cannot read `{path}`: the file is too deeply nested to analyse") from None
    result = linter.lint_source(source, path)
    project: Any = linter.projects.for_path(path)
    found = result.diagnostics
    if source.notebook is not None:  # a notebook: its own pin, and findings back in the module's lines
        from lightning_lint.linter import notebooks

        pinned = notebooks.notebook_target(source, settings)
        project = notebooks.NotebookProject(project, pinned) if pinned is not None else project
        found = [notebooks.to_module(d, source) for d in found]
    ctx = RuleContext(source, settings, project, extraction, Path(os.path.abspath(path)))
    specs = extraction.trainers
    if cell is not None and source.notebook is not None:  # `train.ipynb:cell 7[:2]`: the Trainers of that cell
        notebook = source.notebook
        specs = [s for s in specs if notebook.locate(s.loc.span.start_line)[0] == int(cell)]
        wanted = notebook.module_line(int(cell), int(line or 1))
        specs = [s for s in specs if s.loc.span.start_line <= wanted <= s.loc.span.end_line] or specs
    elif line is not None:
        wanted = int(line)
        specs = [s for s in specs if s.loc.span.start_line <= wanted <= s.loc.span.end_line] or [
            s for s in specs if s.loc.span.start_line >= wanted
        ][:1]
    if not specs:
        where = f" in cell {cell}" if cell else f" at line {line}" if line else ""
        print(f"No Trainer configuration found in {path}{where}.")
        return 0
    reports = [explain_spec(spec, ctx, found) for spec in specs]
    if source.notebook is not None:
        reports = [_by_cell(report, source) for report in reports]
    if args.output_format == "json":
        print(json.dumps(reports, indent=2, default=str))
    else:
        print("\n\n".join(render(r) for r in reports))
    return 0


def _by_cell(report: Any, source: Any) -> Any:
    """A notebook's report with every place given by cell: the Trainer's, the findings',
    and those named in its texts (``train.ipynb:cell 3:4``, ``at cell 6, line 2``)."""
    notebook = source.notebook
    names = (str(report["path"]), source.path)

    def by_cell(value: Any) -> Any:
        if isinstance(value, str):
            return notebook.cell_text(value, names)
        if isinstance(value, list):
            return [by_cell(v) for v in value]
        if isinstance(value, dict):
            return {k: by_cell(v) for k, v in value.items()}
        return value

    findings = report.pop("findings")
    report = by_cell(report)
    report["cell"], report["line"] = notebook.locate(report["line"])
    for finding in findings:
        finding["cell"], finding["line"] = notebook.locate(finding["line"])
    report["findings"] = findings
    return report
