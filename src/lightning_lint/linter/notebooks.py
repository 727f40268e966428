"""What the engine does for a notebook beyond linting its module (model/notebook.py):
the finding for each cell that does not parse, and moving findings from the joined
module's lines to (cell, line in cell), as a notebook shows them."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Tuple

from lightning_lint.model.diagnostics import Diagnostic, Edit, Fix
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span
from lightning_lint.model.target import TargetVersion


def broken_cells(source: SourceFile) -> List[Tuple[int, int, int, str]]:
    """(module line, column, end column, message) of an LL900 per code cell that does not
    parse even with IPython syntax masked (the other cells are linted without it). Located
    in the module, like every finding here: ``to_cells`` moves it into its cell."""
    notebook = source.notebook
    assert notebook is not None
    found = []
    for cell in notebook.cells:
        if cell.broken is None or not cell.first_line:
            continue
        line, col, message = cell.broken
        line = max(1, min(line, len(cell.lines)))
        width = len(cell.lines[line - 1])
        col = max(1, min(col, width + 1))
        found.append(
            (
                cell.first_line + line - 1,
                col,
                min(col + 1, width + 1),
                f"cell {cell.number} does not parse: {message}; the other cells were checked without it",
            )
        )
    return found


def to_cells(diagnostics: List[Diagnostic], source: SourceFile) -> List[Diagnostic]:
    """The findings of a notebook with their places given by cell. A fix whose edits do
    not all lie in the finding's cell is dropped (a fix never spans two cells)."""
    notebook = source.notebook
    assert notebook is not None
    here = os.path.abspath(source.path)
    result = []
    for d in diagnostics:
        if d.cell is not None or os.path.abspath(d.path) != here:
            result.append(d)
            continue
        cell, span = _span(d.span, source)
        fix: Optional[Fix] = d.fix
        if fix is not None:
            edits = []
            for edit in fix.edits:
                edit_cell, edit_span = _span(edit.span, source, strict=True)
                if edit_cell != cell or edit_span is None:
                    fix = None
                    break
                edits.append(Edit(edit_span, edit.content))
            if fix is not None:
                fix = Fix(fix.message, fix.applicability, tuple(edits))
        result.append(d.with_changes(cell=cell, span=span or d.span, fix=fix, **cell_texts(d, source)))
    return result


def cell_texts(d: Diagnostic, source: SourceFile) -> Dict[str, Any]:
    """The finding's message and help with the notebook lines they name given by cell
    (``written at train.ipynb:cell 4:3``, ``the loop at cell 2, line 5``)."""
    notebook = source.notebook
    assert notebook is not None
    names = (source.path, os.path.abspath(source.path))
    changes: Dict[str, Any] = {"message": notebook.cell_text(d.message, names)}
    if d.help:
        changes["help"] = notebook.cell_text(d.help, names)
    return changes


def to_module(d: Diagnostic, source: SourceFile) -> Diagnostic:
    """A finding by cell placed back in the joined module's lines (what the extraction's
    locations use), without its fix."""
    notebook = source.notebook
    if d.cell is None or notebook is None:
        return d
    start = notebook.module_line(d.cell, d.span.start_line)
    end = notebook.module_line(d.cell, d.span.end_line)
    return d.with_changes(cell=None, fix=None, span=Span(start, d.span.start_col, end, d.span.end_col))


def _span(span: Span, source: SourceFile, strict: bool = False) -> Tuple[int, Optional[Span]]:
    notebook = source.notebook
    assert notebook is not None
    cell, line = notebook.locate(span.start_line)
    end_cell, end_line = notebook.locate(span.end_line)
    if end_cell == cell and span.end_line <= len(notebook.line_map):
        return cell, Span(line, span.start_col, end_line, span.end_col)
    if strict and not (span.end_line == len(notebook.line_map) + 1 and span.end_col == 1):
        return cell, None  # an edit that runs into the next cell
    width = len(source.line(span.start_line))
    return cell, Span(line, span.start_col, line, max(span.start_col, width + 1))


_PIP_INSTALL = re.compile(r"^\s*(?:!|%)\s*(?:python3?\s+-m\s+)?pip3?\s+install\b", re.IGNORECASE)


def notebook_target(source: SourceFile, settings: Any) -> Optional[TargetVersion]:
    """The Lightning release a notebook installs for itself (``!pip install
    pytorch-lightning==1.9.5`` or ``%pip install ...`` in a code cell): the target for that
    notebook, ahead of the project's pins. The ``target-version`` setting still wins."""
    from lightning_lint.linter import versions

    notebook = source.notebook
    if notebook is None or settings.target_version:
        return None
    for cell, line, text in notebook.magic_lines():
        if not _PIP_INSTALL.match(text):
            continue
        for match in versions._REQ_IN_TEXT.finditer(text):
            spec = re.sub(r"\s+", "", match.group(2))
            version = versions.newest_matching(spec)
            if version is not None:
                return TargetVersion(version, f"cell {cell}, line {line}: {match.group(1)}{spec}")
    return None


class NotebookProject:
    """A project as one notebook's rules see it: its own pin decides the target."""

    def __init__(self, project: Any, target: TargetVersion) -> None:
        self._project = project
        self._target = target

    def target(self, settings: Any, path: Any = None) -> TargetVersion:
        return self._target

    def __getattr__(self, name: str) -> Any:
        return getattr(self._project, name)
