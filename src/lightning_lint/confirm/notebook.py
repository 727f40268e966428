"""``confirm`` on a Jupyter notebook (docs/notebooks.md).

A notebook runs as the script of its code cells, in order, as "Run All" runs it: the
module that the static check reads (``model/notebook.py``: IPython syntax such as
``!pip install`` or ``%matplotlib inline`` masked to ``pass``, so nothing is installed and
every line keeps its number), written to the run's private temporary folder and run from
the notebook's folder (its working directory and the first entry of ``sys.path``, as
Jupyter has them). A cell that does not parse stops the run there, as in Jupyter.

The probe reports places in that script; here they become places in the notebook (its
path, the line of the joined module), and at the end every finding on the notebook is
given by cell (``train.ipynb:cell 4:3``), in its place and in the text of its message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from lightning_lint.linter.run import UsageError
from lightning_lint.model.diagnostics import Diagnostic, Edit, Fix
from lightning_lint.model.sources import SourceFile, UnreadableSource, read_source
from lightning_lint.model.spec import Span

if TYPE_CHECKING:
    from lightning_lint.confirm.configuration import Workspace
    from lightning_lint.confirm.runner import ProbeRun

SUFFIX = ".ipynb"


def is_notebook(path: Any) -> bool:
    return str(path or "").lower().endswith(SUFFIX)


@dataclass
class NotebookRun:
    """A notebook prepared to run: the script written for it and how to map back."""

    path: str  # the notebook, absolute
    script: str  # the script of its code cells, in the run's temporary folder
    source: SourceFile
    config: Dict[str, Any]  # the probe's configuration, running the script
    cwd: Path  # the notebook's folder: Jupyter runs a notebook from there

    def remap(self, run: "ProbeRun") -> None:
        """Places in the script become places in the notebook (module lines); the
        tracebacks name the cell and its line."""
        for event in run.events:
            self._event(event)
        run.stdout_tail = self.traceback_text(run.stdout_tail)
        run.stderr_tail = self.traceback_text(run.stderr_tail)

    def _event(self, data: Any) -> None:
        if isinstance(data, dict):
            for key, value in list(data.items()):
                if key == "file" and isinstance(value, str) and os.path.abspath(value) == self.script:
                    data[key] = self.path
                elif key == "traceback" and isinstance(value, str):
                    data[key] = self.traceback_text(value)
                else:
                    self._event(value)
        elif isinstance(data, list):
            for item in data:
                self._event(item)

    def traceback_text(self, text: str) -> str:
        notebook = self.source.notebook
        if not text or notebook is None:
            return text
        name = os.path.basename(self.path)

        def frame(match: "re.Match[str]") -> str:
            cell, line = notebook.locate(int(match.group(1)))
            return f'File "{name}", cell {cell}, line {line}'

        return re.sub(rf'File "{re.escape(self.script)}", line (\d+)', frame, text)


def prepare(config: Dict[str, Any], workdir: Path) -> Optional[NotebookRun]:
    """The run of a notebook entry point, or None for a script or a module. Raises
    ``UsageError`` for a notebook that cannot run (unreadable, not Python)."""
    if config.get("module") or not is_notebook(config.get("script")):
        return None
    path = os.path.abspath(str(config["script"]))
    try:
        source = read_source(Path(path), str(config.get("argv0") or path))
    except (UnreadableSource, OSError) as exc:
        raise UsageError(f"cannot run `{config.get('argv0') or path}`: {exc}") from None
    notebook = source.notebook
    if notebook is None or not notebook.python:
        raise UsageError(f"cannot run `{config.get('argv0') or path}`: its kernel is not Python")
    lines = notebook.module.splitlines()
    for cell in notebook.cells:
        if cell.broken is not None and cell.first_line:
            # "Run All" stops at the first cell that does not parse: so does the run
            line, _, message = cell.broken
            where = cell.first_line + max(1, min(line, len(cell.lines))) - 1
            lines = lines[: where - 1] + [f"raise SyntaxError({f'cell {cell.number} does not parse: {message}'!r})"]
            break
    script = workdir / (Path(path).stem + "_cells.py")
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = os.path.dirname(path)
    run_config = dict(config, script=str(script), argv0=config.get("argv0") or path, script_dir=folder)
    return NotebookRun(path, os.path.abspath(str(script)), source, run_config, Path(folder))


# -- findings: module lines while they are worked out, cells when reported -------------------


def _notebook_source(ws: "Workspace", path: str) -> Optional[SourceFile]:
    if not is_notebook(path):
        return None
    source = ws.source(Path(path) if os.path.isabs(path) else ws.cwd / path)
    return source if source is not None and source.notebook is not None else None


def module_view(diagnostics: List[Diagnostic], ws: "Workspace") -> List[Diagnostic]:
    """Notebook findings by cell placed in the joined module's lines (where the real
    Trainer's locations are), their fixes with them; ``cell_view`` turns them back."""
    out = []
    for d in diagnostics:
        source = _notebook_source(ws, d.path) if d.cell is not None else None
        notebook = source.notebook if source is not None else None
        if notebook is None or d.cell is None:
            out.append(d)
            continue
        fix = d.fix
        if fix is not None:
            edits = tuple(Edit(_moved(notebook, d.cell, e.span), e.content) for e in fix.edits)
            fix = Fix(fix.message, fix.applicability, edits)
        out.append(d.with_changes(cell=None, span=_moved(notebook, d.cell, d.span), fix=fix))
    return out


def _moved(notebook: Any, cell: int, span: Span) -> Span:
    start, end = notebook.module_line(cell, span.start_line), notebook.module_line(cell, span.end_line)
    return Span(start, span.start_col, end, span.end_col)


def cell_view(diagnostics: List[Diagnostic], ws: "Workspace") -> List[Diagnostic]:
    """Every finding on a notebook given by cell, in its place and in its message."""
    from lightning_lint.linter import notebooks

    out = []
    for d in diagnostics:
        source = _notebook_source(ws, d.path) if d.cell is None else None
        out.extend(notebooks.to_cells([d], source) if source is not None else [d])
    return out


def cell_text(text: str, ws: "Workspace", paths: List[Path]) -> str:
    """A summary, note or error with the notebook places it names given by cell."""
    done = set()
    for path in paths:
        absolute = os.path.abspath(path if os.path.isabs(path) else ws.cwd / path)
        source = _notebook_source(ws, absolute) if absolute not in done else None
        done.add(absolute)
        if source is not None and source.notebook is not None:
            display = ws.display(Path(absolute))
            text = source.notebook.cell_text(text.replace(f"{absolute}:", f"{display}:"), (display,))
    return text


def by_cell(out: Any, ws: "Workspace", entry_files: List[Path]) -> None:
    """An outcome of ``confirm`` with every notebook place given by cell: its findings,
    the summary, the notes and the error (a crash's location)."""
    paths = list(entry_files) + [Path(d.path) for d in out.diagnostics if is_notebook(d.path)]
    if not any(is_notebook(p) for p in paths):
        return
    out.diagnostics = sorted(cell_view(out.diagnostics, ws), key=Diagnostic.sort_key)
    out.summary = [(label, cell_text(text, ws, paths)) for label, text in out.summary]
    out.notes = [cell_text(note, ws, paths) for note in out.notes]
    if out.error:
        out.error = cell_text(out.error, ws, paths)
