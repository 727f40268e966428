"""``lightning-lint server``: the language server (LSP over standard input/output).

Built on pygls and lsprotocol (the optional ``lsp`` extra); nothing outside ``lsp/`` in
the package imports them. Python and YAML documents, and Jupyter notebooks through LSP notebook sync
(``notebooks``), get diagnostics on open, on save, and after
each change once typing pauses (``--debounce``), from the editor's unsaved text. Code
actions offer each finding's fix, "fix all safe fixes" (``source.fixAll``) and a
``# noqa`` suppression. Configuration files and project files that change are picked
up through ``didSave`` and ``workspace/didChangeWatchedFiles`` (see ``session``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from lightning_lint import __version__, rule_url
from lightning_lint.linter.engine import FileResult
from lightning_lint.linter.settings import CONFIG_FILES, ConfigError
from lightning_lint.lsp.positions import UTF16, PositionMap, SourcePositions
from lightning_lint.lsp.session import SETTINGS, EditorSession, lint_path_for, offered_fix, suppression_edits
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Severity
from lightning_lint.model.sources import PYTHON, SourceFile, UnreadableSource, kind_of, read_source, source_from_text

try:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import from_fs_path, to_fs_path
except ImportError as exc:  # the optional `lsp` extra is not installed
    _MISSING: Optional[ImportError] = exc
    LanguageServer = object  # type: ignore[assignment,misc]
else:
    _MISSING = None

log = logging.getLogger(__name__)

SOURCE = "lightning-lint"
FIX_ALL_KIND = "source.fixAll.lightning-lint"
QUICKFIX_KIND = "quickfix"

# Files whose change on disk the server wants to hear about (configuration, project
# facts, version pins). Python and YAML files are the project's own sources.
WATCHED_GLOBS = (
    "**/*.py",
    "**/*.ipynb",
    "**/*.{yaml,yml}",
    "**/{" + ",".join(CONFIG_FILES) + "}",
    "**/{setup.cfg,setup.py}",
    "**/requirements*.txt",
    "**/.lightning-lint/facts.json",
    "**/.gitignore",
)

_SEVERITIES = {}
if _MISSING is None:
    _SEVERITIES = {
        Severity.ERROR: types.DiagnosticSeverity.Error,
        Severity.WARNING: types.DiagnosticSeverity.Warning,
        Severity.INFO: types.DiagnosticSeverity.Information,
    }


@dataclass
class Linted:
    """The latest findings for one document, and what is needed to turn them into LSP
    ranges and edits."""

    version: Optional[int]
    text: str
    path: Path  # the path it was linted as
    result: FileResult
    positions: SourcePositions
    diagnostics: List[Tuple[Diagnostic, Any]]  # (ours, the published LSP diagnostic)


class LightningLintServer(LanguageServer):
    def __init__(self, debounce: float = 0.3) -> None:
        # Full document sync: the client sends the whole text on each change, so no line
        # arithmetic of the protocol library decides what the text is (pygls splits lines
        # on form feeds and other characters that LSP does not count as line breaks).
        from lightning_lint.lsp import notebooks

        super().__init__(
            "lightning-lint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=notebooks.sync_options(),  # LSP notebook sync (lsp/notebooks.py)
        )
        self.debounce = max(0.0, debounce)
        self.session: Optional[EditorSession] = None
        self.linted: Dict[str, Linted] = {}
        self._timers: Dict[str, asyncio.TimerHandle] = {}
        self._relint_all: Optional[asyncio.TimerHandle] = None
        self._shown_errors: set = set()
        self.notebook_cells: Dict[str, set] = {}  # notebook URI -> its cells' URIs last published
        self.notebook_linted: Dict[str, Any] = {}  # notebook URI -> notebooks.NotebookLinted

    # -- helpers -----------------------------------------------------------------------
    @property
    def encoding(self) -> str:
        encoding = getattr(self.workspace, "position_encoding", None) or UTF16
        return str(getattr(encoding, "value", encoding))

    def editor_session(self) -> EditorSession:
        if self.session is None:
            root = self.workspace.root_path
            if root is None and self.workspace.folders:
                root = to_fs_path(next(iter(self.workspace.folders.values())).uri)
            self.session = EditorSession(Path(root or os.getcwd()))
        return self.session

    def document(self, uri: str) -> Any:
        """The open document at ``uri`` (None when it is not open)."""
        return self.workspace.text_documents.get(unquote(uri))

    def _show_error(self, message: str) -> None:
        if message not in self._shown_errors:  # once per distinct problem, not per keystroke
            self._shown_errors.add(message)
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"lightning-lint: {message}"))

    def _log(self, message: str, kind: Any = None) -> None:
        self.window_log_message(types.LogMessageParams(kind or types.MessageType.Log, message))

    # -- linting -----------------------------------------------------------------------

    def lint_safely(self, path: Path, text: str) -> FileResult:
        """Lint an editor's text; a broken configuration is shown to the user, and a failure
        of the linter is logged: either way the document gets no findings, never a crash."""
        try:
            return self.editor_session().lint(path, text)
        except ConfigError as exc:
            self._show_error(str(exc))
        except Exception as exc:
            log.exception("linting %s failed", path)
            self._log(f"lightning-lint: linting {path} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)
        return FileResult(str(path))

    def lint_document(self, uri: str) -> Optional[Linted]:
        """Lint the document's current text and publish the findings."""
        self._cancel(uri)
        document = self.document(uri)
        if document is None:
            return None
        from lightning_lint.lsp import notebooks

        notebook = notebooks.notebook_of(self, uri)
        if notebook is not None:  # a notebook's cell: the notebook is linted as a whole
            notebooks.lint_notebook(self, notebook)
            return None
        fs_path = to_fs_path(uri)
        path = lint_path_for(Path(fs_path), document.language_id) if fs_path else None
        if path is None:
            return None
        text = document.source
        result = self.lint_safely(path, text)
        linted = self._to_lsp(document.version, text, path, result)
        self.linted[uri] = linted
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[lsp for _, lsp in linted.diagnostics], version=document.version
            )
        )
        return linted

    def current(self, uri: str) -> Optional[Linted]:
        """The findings for the document as it is now (linted again if it changed since)."""
        document = self.document(uri)
        if document is None:
            return None
        linted = self.linted.get(uri)
        if linted is None or linted.version != document.version or linted.text != document.source:
            linted = self.lint_document(uri)
        return linted

    def schedule(self, uri: str) -> None:
        """Lint after the debounce delay; a newer change restarts the wait."""
        self._cancel(uri)
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(self.debounce, self._guarded, self.lint_document, uri)

    def schedule_all(self) -> None:
        """Lint every open document once things settle (settings or facts changed)."""
        if self._relint_all is not None:
            self._relint_all.cancel()
        loop = asyncio.get_running_loop()
        self._relint_all = loop.call_later(self.debounce, self._guarded, self.lint_all)

    def lint_all(self) -> None:
        from lightning_lint.lsp import notebooks

        self._relint_all = None
        for document in list(self.workspace.text_documents.values()):
            if notebooks.notebook_of(self, document.uri) is None:
                self.lint_document(document.uri)
        for uri in list(self.workspace.notebook_documents):
            notebooks.lint_notebook(self, uri)

    def _cancel(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def _guarded(self, function: Any, *args: Any) -> None:
        try:
            function(*args)
        except Exception as exc:
            log.exception("lightning-lint server error")
            self._log(f"lightning-lint: internal error: {type(exc).__name__}: {exc}", types.MessageType.Error)

    def file_changed(self, fs_path: str) -> None:
        change = self.editor_session().file_changed(Path(fs_path))
        if change.kind == SETTINGS:
            self._shown_errors.clear()
            self._log(f"lightning-lint: {change.path} changed; settings reloaded", types.MessageType.Info)
        self.schedule_all()

    # -- conversion --------------------------------------------------------------------
    def _to_lsp(self, version: Optional[int], text: str, path: Path, result: FileResult) -> Linted:
        source = result.source
        if source is not None and source.notebook is not None:
            # an .ipynb opened as a JSON document: findings sit on the file lines that hold
            # the code, without code actions (a fix or a noqa is edited in the cell, which a
            # JSON text edit cannot do safely)
            from lightning_lint.model.notebook import in_file

            located = [in_file(d, source.notebook) for d in result.diagnostics]
            result = dataclasses.replace(result, diagnostics=located, source=None)
            source = SourceFile(str(path), text, PYTHON)
        if source is None:  # not text (LL901): its one finding sits at the start
            source = SourceFile(str(path), "", kind_of(path) or PYTHON)
        positions = SourcePositions(source, text, self.encoding)
        others: Dict[str, Optional[SourcePositions]] = {}
        pairs = [(d, self._diagnostic(d, positions, others)) for d in result.diagnostics]
        return Linted(version, text, path, result, positions, pairs)

    def _diagnostic(self, d: Diagnostic, positions: SourcePositions, others: Dict[str, Optional[SourcePositions]]):
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        related = []
        for loc in d.related:
            where = self._location(loc, positions, others)
            if where is not None:
                related.append(types.DiagnosticRelatedInformation(where, "related location"))
        tags = [types.DiagnosticTag.Unnecessary] if d.code == "LL904" else None
        return types.Diagnostic(
            range=_range(positions.range(d.span)),
            message=message,
            severity=_SEVERITIES[d.severity],
            code=d.code,
            code_description=types.CodeDescription(href=rule_url(d.code, d.name)),
            source=SOURCE,
            related_information=related or None,
            tags=tags,
        )

    def _location(self, loc: Any, positions: SourcePositions, others: Dict[str, Optional[SourcePositions]]):
        """An LSP location for a place that may be in another file (Hydra compositions)."""
        path = os.path.abspath(self.editor_session().locate(loc.path, Path(positions.source.path)))
        if path == os.path.abspath(positions.source.path):
            return types.Location(from_fs_path(path), _range(positions.range(loc.span)))
        if path not in others:
            others[path] = self._positions_of(path)
        found = others[path]
        if found is None:
            return None
        return types.Location(from_fs_path(path), _range(found.range(loc.span)))

    def _positions_of(self, path: str) -> Optional[SourcePositions]:
        document = self.document(from_fs_path(path) or "")
        kind = kind_of(path)
        if kind is None:
            return None
        try:
            if document is not None:
                return SourcePositions(source_from_text(document.source, path, kind), document.source, self.encoding)
            source = read_source(path)
        except UnreadableSource:
            return None
        return SourcePositions(source, source.text, self.encoding)

    # -- code actions ------------------------------------------------------------------
    def code_actions(self, params: Any) -> List[Any]:
        uri = params.text_document.uri
        from lightning_lint.lsp import notebooks

        notebook = notebooks.notebook_of(self, uri)
        if notebook is not None:  # a notebook's cell
            return notebooks.code_actions(self, params, notebook)
        linted = self.current(uri)
        if linted is None or linted.result.source is None:
            return []
        only = params.context.only

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(k + ".") for k in only)

        actions: List[Any] = []
        requested = (_point(params.range.start), _point(params.range.end))
        if wanted(QUICKFIX_KIND):
            suppressed = set()
            for d, lsp_diagnostic in linted.diagnostics:
                where = (_point(lsp_diagnostic.range.start), _point(lsp_diagnostic.range.end))
                if not (where[0] <= requested[1] and requested[0] <= where[1]):
                    continue
                if offered_fix(d):
                    actions.append(self._fix_action(uri, linted, d, lsp_diagnostic))
                key = (d.span.start_line, d.code)
                if key not in suppressed:
                    suppressed.add(key)
                    action = self._suppress_action(uri, linted, d, lsp_diagnostic)
                    if action is not None:
                        actions.append(action)
        if wanted(FIX_ALL_KIND):
            fixed = self.editor_session().fix_all(linted.result, linted.path)
            if fixed is not None:
                actions.append(
                    types.CodeAction(
                        title="lightning-lint: Fix all safe fixes",
                        kind=FIX_ALL_KIND,
                        edit=self._workspace_edit(uri, linted, [_whole_text_edit(linted, fixed)]),
                    )
                )
        return actions

    def _fix_action(self, uri: str, linted: Linted, d: Diagnostic, lsp_diagnostic: Any):
        fix = d.fix
        assert fix is not None
        unsafe = fix.applicability == Applicability.UNSAFE
        title = f"{d.code}: {fix.message}" + (
            " (unsafe fix: check that the behaviour is what you want)" if unsafe else ""
        )
        edits = [_text_edit(linted.positions, edit) for edit in fix.edits]
        return types.CodeAction(
            title=title,
            kind=QUICKFIX_KIND,
            diagnostics=[lsp_diagnostic],
            is_preferred=not unsafe,
            edit=self._workspace_edit(uri, linted, edits),
        )

    def _suppress_action(self, uri: str, linted: Linted, d: Diagnostic, lsp_diagnostic: Any):
        if d.code in ("LL900", "LL901", "LL904") or linted.result.source is None:
            return None
        edits = suppression_edits(d, linted.result.source)
        if not edits:
            return None
        return types.CodeAction(
            title=f"Suppress {d.code} on this line",
            kind=QUICKFIX_KIND,
            diagnostics=[lsp_diagnostic],
            edit=self._workspace_edit(uri, linted, [_text_edit(linted.positions, e) for e in edits]),
        )

    def _workspace_edit(self, uri: str, linted: Linted, edits: List[Any]):
        capabilities = self.client_capabilities
        workspace_edit = capabilities.workspace.workspace_edit if capabilities.workspace else None
        if workspace_edit is not None and workspace_edit.document_changes:
            document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=linted.version)
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(document, edits)])
        return types.WorkspaceEdit(changes={uri: edits})


def _point(position: Any) -> Tuple[int, int]:
    return position.line, position.character


def _range(points: Tuple[Tuple[int, int], Tuple[int, int]]):
    (sl, sc), (el, ec) = points
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def _text_edit(positions: SourcePositions, edit: Edit):
    content = edit.content
    newline = positions.source.newline
    if newline != "\n":  # inserted line breaks take the file's own, as `--fix` writes them
        content = content.replace("\r\n", "\n").replace("\n", newline)
    return types.TextEdit(_range(positions.range(edit.span)), content)


def _whole_text_edit(linted: Linted, fixed: str):
    """One edit that turns the editor's text into ``fixed``: only the part between the
    common start and the common end is replaced, so the cursor and folds survive."""
    old = linted.text
    bom = "\ufeff" if old.startswith("\ufeff") and not fixed.startswith("\ufeff") else ""
    new = bom + fixed
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    positions = PositionMap(old, linted.positions.map.encoding)
    return types.TextEdit(_range((positions.position(start), positions.position(end_old))), new[start:end_new])


# -- the protocol's entry points --------------------------------------------------------


def build_server(debounce: float = 0.3) -> "LightningLintServer":
    from lightning_lint.lsp import notebooks

    server = LightningLintServer(debounce)
    notebooks.register(server)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: LightningLintServer, params: Any) -> None:
        ls.editor_session()
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is None or not watched.dynamic_registration:
            return  # the client watches nothing for us; didSave still refreshes
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED_GLOBS]
        )
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="lightning-lint-watched-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=options,
                        )
                    ]
                )
            )
        except Exception as exc:  # noqa: BLE001 - the server works without it
            ls._log(f"lightning-lint: could not watch files: {exc}", types.MessageType.Warning)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LightningLintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LightningLintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LightningLintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        fs_path = to_fs_path(uri)
        if fs_path:
            ls.file_changed(fs_path)  # its project's facts (or the settings) are stale now
        ls.lint_document(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LightningLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls._cancel(uri)
        ls.linted.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: LightningLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            fs_path = to_fs_path(change.uri)
            if fs_path:
                ls.file_changed(fs_path)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False
        ),
    )
    def code_action(ls: LightningLintServer, params: types.CodeActionParams) -> Optional[List[types.CodeAction]]:
        return ls.code_actions(params) or None

    return server


def main(args: argparse.Namespace) -> int:
    if _MISSING is not None:
        print(
            f"lightning-lint: error: the language server needs pygls and lsprotocol ({_MISSING}); "
            "install them with: pip install 'lightning-lint[lsp]'",
            file=sys.stderr,
        )
        return 2
    server = build_server(getattr(args, "debounce", 0.3))
    server.start_io()
    return 0
