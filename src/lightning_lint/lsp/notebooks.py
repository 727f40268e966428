"""LSP notebook-document sync (LSP 3.17) for the language server.

The server announces ``notebookDocumentSync`` for ``jupyter-notebook`` documents with
Python cells. pygls keeps the notebook and its cells' text (``workspace.
get_notebook_document``); on ``notebookDocument/didOpen``, ``didChange`` (cell text,
cells added, removed or moved; after the debounce), ``didSave`` and ``didClose`` the
notebook is linted as the ``.ipynb`` it stands for: its cells, in order, written as an
nbformat 4 notebook (markdown cells as markdown, code cells of another language as raw
cells) and read like a notebook file (docs/notebooks.md). Each finding is published on
its cell's own text document (``vscode-notebook-cell:...``) in that cell's coordinates;
a cell that has no finding any more gets an empty list, so its old findings go away.
Code actions are not offered in cells.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple
from urllib.parse import unquote

from lightning_lint.linter.engine import FileResult
from lightning_lint.linter.settings import ConfigError
from lightning_lint.lsp.positions import SourcePositions
from lightning_lint.model.diagnostics import Diagnostic
from lightning_lint.model.sources import PYTHON, SourceFile
from lightning_lint.model.spec import Span

if TYPE_CHECKING:
    from lightning_lint.lsp.server import LightningLintServer

from lsprotocol import types
from pygls.uris import to_fs_path

log = logging.getLogger(__name__)

NOTEBOOK_TYPE = "jupyter-notebook"
PYTHON_LANGUAGES = ("python", "ipython", "python3")


def sync_options() -> Any:
    """The ``notebookDocumentSync`` capability: Jupyter notebooks, their Python cells."""
    return types.NotebookDocumentSyncOptions(
        notebook_selector=[
            types.NotebookDocumentFilterWithNotebook(
                notebook=NOTEBOOK_TYPE, cells=[types.NotebookCellLanguage(language="python")]
            )
        ],
        save=True,
    )


def notebook_of(server: "LightningLintServer", uri: str) -> Optional[str]:
    """The notebook that the text document ``uri`` is a cell of (None: not a cell)."""
    notebook = server.workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None else None


def notebook_json(server: "LightningLintServer", notebook: Any) -> Tuple[str, List[str]]:
    """The notebook as nbformat 4 JSON, and the URI of each of its cells (in order)."""
    cells, uris = [], []
    for cell in notebook.cells:
        document = server.workspace.text_documents.get(unquote(cell.document))
        text = document.source if document is not None else ""
        language = str(getattr(document, "language_id", "") or "python").lower()
        if cell.kind == types.NotebookCellKind.Markup:
            entry: Dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": text}
        elif language in PYTHON_LANGUAGES:
            entry = {"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}
        else:  # a cell of another language (`%%sql` cells in VS Code): not Python, not linted
            entry = {"cell_type": "raw", "metadata": {}, "source": text}
        cells.append(entry)
        uris.append(cell.document)
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, ensure_ascii=False), uris


def lint_path(server: "LightningLintServer", notebook: Any) -> Path:
    """The path the notebook is linted as (an ``.ipynb``; an unsaved one in the workspace)."""
    fs_path = to_fs_path(notebook.uri) if notebook.uri.startswith("file:") else None
    path = Path(fs_path) if fs_path else server.editor_session().root / "Untitled.ipynb"
    return path if path.suffix.lower() == ".ipynb" else path.with_name(path.name + ".ipynb")


def lint_notebook(server: "LightningLintServer", uri: str) -> Dict[str, List[Any]]:
    """Lint the notebook at ``uri`` and publish its findings on its cells; returns what
    was published (cell URI -> LSP diagnostics)."""
    server._cancel(uri)
    notebook = server.workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return {}
    text, uris = notebook_json(server, notebook)
    path = lint_path(server, notebook)
    try:
        result = server.editor_session().lint(path, text)
    except ConfigError as exc:
        server._show_error(str(exc))
        result = FileResult(str(path))
    except Exception as exc:
        log.exception("linting %s failed", path)
        server._log(f"lightning-lint: linting {path} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        result = FileResult(str(path))
    published: Dict[str, List[Any]] = {cell: [] for cell in uris}
    positions: Dict[str, SourcePositions] = {}
    for d in result.diagnostics:
        if os.path.abspath(d.path) != os.path.abspath(path):
            continue  # a finding in another file (never expected of a notebook)
        index = (d.cell or _first_code_cell(notebook)) - 1
        if not 0 <= index < len(uris):
            continue
        cell_uri = uris[index]
        span = d.span if d.cell is not None else Span(1, 1, 1, 1)
        lsp = server._diagnostic(
            d.with_changes(span=span, related=()), _positions(server, cell_uri, path, positions), {}
        )
        related = _related(server, d, result, uris, path, positions)
        if related:
            lsp.related_information = related
        published[cell_uri].append(lsp)
    previous = server.notebook_cells.get(uri, set())
    for cell_uri in previous - set(uris):  # cells removed since: nothing of theirs may stay shown
        published.setdefault(cell_uri, [])
    for cell_uri, found in published.items():
        document = server.workspace.text_documents.get(unquote(cell_uri))
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=cell_uri, diagnostics=found, version=document.version if document is not None else None
            )
        )
    server.notebook_cells[uri] = set(uris)
    return published


def _first_code_cell(notebook: Any) -> int:
    for number, cell in enumerate(notebook.cells, 1):
        if cell.kind == types.NotebookCellKind.Code:
            return number
    return 1


def _positions(
    server: "LightningLintServer", cell_uri: str, path: Path, cache: Dict[str, SourcePositions]
) -> SourcePositions:
    if cell_uri not in cache:
        document = server.workspace.text_documents.get(unquote(cell_uri))
        text = document.source if document is not None else ""
        cache[cell_uri] = SourcePositions(SourceFile(str(path), text, PYTHON), text, server.encoding)
    return cache[cell_uri]


def _related(
    server: "LightningLintServer",
    d: Diagnostic,
    result: FileResult,
    uris: List[str],
    path: Path,
    cache: Dict[str, SourcePositions],
) -> List[Any]:
    """Related locations in the notebook (lines of its joined module) on their cells."""
    notebook = result.source.notebook if result.source is not None else None
    found = []
    for loc in d.related:
        located = os.path.abspath(server.editor_session().locate(loc.path, path))
        if notebook is None or located != os.path.abspath(path):
            continue  # another file: not shown from a cell
        cell, line = notebook.locate(loc.span.start_line)
        end_cell, end_line = notebook.locate(loc.span.end_line)
        if not 1 <= cell <= len(uris):
            continue
        span = Span(line, loc.span.start_col, end_line if end_cell == cell else line, loc.span.end_col)
        positions = _positions(server, uris[cell - 1], path, cache)
        start, end = positions.range(span)
        where = types.Location(uris[cell - 1], types.Range(types.Position(*start), types.Position(*end)))
        found.append(types.DiagnosticRelatedInformation(where, "related location"))
    return found


def schedule(server: "LightningLintServer", uri: str) -> None:
    """Lint the notebook after the debounce delay; a newer change restarts the wait."""
    server._cancel(uri)
    loop = asyncio.get_running_loop()
    server._timers[uri] = loop.call_later(server.debounce, server._guarded, lint_notebook, server, uri)


def close(server: "LightningLintServer", params: Any) -> None:
    """The notebook closed: its cells' findings are cleared."""
    uri = params.notebook_document.uri
    server._cancel(uri)
    cells: Set[str] = set(server.notebook_cells.pop(uri, set()))
    cells.update(cell.uri for cell in params.cell_text_documents or [])
    for cell_uri in cells:
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[]))


def register(server: "LightningLintServer") -> None:
    """The notebook-document handlers (pygls has updated its workspace before each)."""

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: "LightningLintServer", params: types.DidOpenNotebookDocumentParams) -> None:
        lint_notebook(ls, params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: "LightningLintServer", params: types.DidChangeNotebookDocumentParams) -> None:
        schedule(ls, params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: "LightningLintServer", params: types.DidSaveNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        notebook = ls.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            ls.file_changed(str(lint_path(ls, notebook)))  # its project's facts are stale now
        lint_notebook(ls, uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: "LightningLintServer", params: types.DidCloseNotebookDocumentParams) -> None:
        close(ls, params)
