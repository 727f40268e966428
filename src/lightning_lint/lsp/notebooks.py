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
Code actions in a cell offer the finding's fix and a ``# noqa`` suppression, as edits of
that cell's document ("fix all" is not offered for notebooks).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path

from lightning_lint.linter.engine import FileResult
from lightning_lint.lsp.positions import SourcePositions
from lightning_lint.model.diagnostics import Diagnostic, Edit
from lightning_lint.model.sources import PYTHON, SourceFile
from lightning_lint.model.spec import Span

# The server (``server.LightningLintServer``) is passed in, never imported: it imports this.
NOTEBOOK_TYPE = "jupyter-notebook"
QUICKFIX_KIND = "quickfix"  # as server.QUICKFIX_KIND
PYTHON_LANGUAGES = ("python", "ipython", "python3")


@dataclass
class NotebookLinted:
    """The latest findings of one notebook: for each cell, (finding by cell, the published
    LSP diagnostic, the cell's positions), and the cell texts they were computed from."""

    texts: Dict[str, str] = field(default_factory=dict)
    found: Dict[str, List[Tuple[Diagnostic, Any, SourcePositions]]] = field(default_factory=dict)


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


def notebook_of(server: Any, uri: str) -> Optional[str]:
    """The notebook that the text document ``uri`` is a cell of (None: not a cell)."""
    notebook = server.workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None else None


def notebook_json(server: Any, notebook: Any) -> Tuple[str, List[str]]:
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


def lint_path(server: Any, notebook: Any) -> Path:
    """The path the notebook is linted as (an ``.ipynb``; an unsaved one in the workspace)."""
    fs_path = to_fs_path(notebook.uri) if notebook.uri.startswith("file:") else None
    path = Path(fs_path) if fs_path else server.editor_session().root / "Untitled.ipynb"
    return path if path.suffix.lower() == ".ipynb" else path.with_name(path.name + ".ipynb")


def lint_notebook(server: Any, uri: str) -> Dict[str, List[Any]]:
    """Lint the notebook at ``uri`` and publish its findings on its cells; returns what
    was published (cell URI -> LSP diagnostics)."""
    server._cancel(uri)
    notebook = server.workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return {}
    text, uris = notebook_json(server, notebook)
    path = lint_path(server, notebook)
    result = server.lint_safely(path, text)
    published: Dict[str, List[Any]] = {cell: [] for cell in uris}
    positions: Dict[str, SourcePositions] = {}
    state = NotebookLinted(texts={cell: _text(server, cell) for cell in uris})
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
        if d.cell is not None:
            state.found.setdefault(cell_uri, []).append((d, lsp, positions[cell_uri]))
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
    server.notebook_linted[uri] = state
    return published


def _text(server: Any, cell_uri: str) -> str:
    document = server.workspace.text_documents.get(unquote(cell_uri))
    return document.source if document is not None else ""


def code_actions(server: Any, params: Any, notebook_uri: str) -> List[Any]:
    """Quick fixes and ``# noqa`` suppressions for the findings of one cell."""
    from lightning_lint.lsp.session import offered_fix, suppression_edits
    from lightning_lint.model.diagnostics import Applicability

    only = params.context.only
    if only and not any(QUICKFIX_KIND == k or QUICKFIX_KIND.startswith(k + ".") for k in only):
        return []
    uri = params.text_document.uri
    state = server.notebook_linted.get(notebook_uri)
    if state is None or any(_text(server, cell) != text for cell, text in state.texts.items()):
        lint_notebook(server, notebook_uri)  # the findings are for older text: lint it as it is
        state = server.notebook_linted.get(notebook_uri)
    if state is None:
        return []
    document = server.workspace.text_documents.get(unquote(uri))
    version = document.version if document is not None else None
    requested = (_point(params.range.start), _point(params.range.end))
    actions: List[Any] = []
    suppressed = set()
    for d, lsp, positions in state.found.get(uri, []):
        where = (_point(lsp.range.start), _point(lsp.range.end))
        if not (where[0] <= requested[1] and requested[0] <= where[1]):
            continue
        if offered_fix(d):
            assert d.fix is not None
            unsafe = d.fix.applicability == Applicability.UNSAFE
            actions.append(
                types.CodeAction(
                    title=f"{d.code}: {d.fix.message}"
                    + (" (unsafe fix: check that the behaviour is what you want)" if unsafe else ""),
                    kind=QUICKFIX_KIND,
                    diagnostics=[lsp],
                    is_preferred=not unsafe,
                    edit=_edit(server, uri, version, [_text_edit(positions, e) for e in d.fix.edits]),
                )
            )
        key = (d.span.start_line, d.code)
        if d.code in ("LL900", "LL901", "LL904") or key in suppressed:
            continue
        suppressed.add(key)
        edits = suppression_edits(d, positions.source)
        if edits:
            actions.append(
                types.CodeAction(
                    title=f"Suppress {d.code} on this line",
                    kind=QUICKFIX_KIND,
                    diagnostics=[lsp],
                    edit=_edit(server, uri, version, [_text_edit(positions, e) for e in edits]),
                )
            )
    return actions


def _edit(server: Any, uri: str, version: Optional[int], edits: List[Any]) -> Any:
    capabilities = server.client_capabilities
    workspace_edit = capabilities.workspace.workspace_edit if capabilities.workspace else None
    if workspace_edit is not None and workspace_edit.document_changes:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(document, edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def _first_code_cell(notebook: Any) -> int:
    for number, cell in enumerate(notebook.cells, 1):
        if cell.kind == types.NotebookCellKind.Code:
            return number
    return 1


def _positions(server: Any, cell_uri: str, path: Path, cache: Dict[str, SourcePositions]) -> SourcePositions:
    if cell_uri not in cache:
        document = server.workspace.text_documents.get(unquote(cell_uri))
        text = document.source if document is not None else ""
        cache[cell_uri] = SourcePositions(SourceFile(str(path), text, PYTHON), text, server.encoding)
    return cache[cell_uri]


def _related(
    server: Any,
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


def schedule(server: Any, uri: str) -> None:
    """Lint the notebook after the debounce delay; a newer change restarts the wait."""
    server._cancel(uri)
    loop = asyncio.get_running_loop()
    server._timers[uri] = loop.call_later(server.debounce, server._guarded, lint_notebook, server, uri)


def close(server: Any, params: Any) -> None:
    """The notebook closed: its cells' findings are cleared."""
    uri = params.notebook_document.uri
    server._cancel(uri)
    server.notebook_linted.pop(uri, None)
    cells: Set[str] = set(server.notebook_cells.pop(uri, set()))
    cells.update(cell.uri for cell in params.cell_text_documents or [])
    for cell_uri in cells:
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[]))


def register(server: Any) -> None:
    """The notebook-document handlers (pygls has updated its workspace before each)."""

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: Any, params: types.DidOpenNotebookDocumentParams) -> None:
        lint_notebook(ls, params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: Any, params: types.DidChangeNotebookDocumentParams) -> None:
        schedule(ls, params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: Any, params: types.DidSaveNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        notebook = ls.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            ls.file_changed(str(lint_path(ls, notebook)))  # its project's facts are stale now
        lint_notebook(ls, uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: Any, params: types.DidCloseNotebookDocumentParams) -> None:
        close(ls, params)


def _point(position: Any) -> Tuple[int, int]:
    return position.line, position.character


def _text_edit(positions: SourcePositions, edit: Edit) -> Any:
    """An LSP edit of a cell (a cell's text has "\n" line breaks, as the notebook keeps them)."""
    (sl, sc), (el, ec) = positions.range(edit.span)
    return types.TextEdit(types.Range(types.Position(sl, sc), types.Position(el, ec)), edit.content)
