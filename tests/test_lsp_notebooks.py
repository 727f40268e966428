"""The language server and LSP notebook-document sync (LSP 3.17): a real client opens a
notebook with ``notebookDocument/didOpen``, edits, adds, removes and moves cells; the
findings arrive on each cell's own text document, in that cell's coordinates."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import LanguageClient, client_capabilities  # noqa: E402

from test_lsp import SERVER, apply_edit, cleared, code_actions, diagnostics_for, expected_range, uri_of, wait_for  # noqa: E402

MARKDOWN = types.NotebookCellKind.Markup
CODE = types.NotebookCellKind.Code

CELLS: List[Tuple[types.NotebookCellKind, str]] = [
    (MARKDOWN, "# Train on MNIST\n"),
    (CODE, "!pip install lightning --quiet\n%matplotlib inline\nimport lightning as L\n"),
    (CODE, "model = None\n\ntrainer = L.Trainer(max_epochs=3, gpus=1)\ntrainer.fit(model)\n"),
]


class Notebook:
    """The client side of one open notebook: its cells' URIs and texts."""

    def __init__(self, client: LanguageClient, path: Path, cells: List[Tuple[types.NotebookCellKind, str]]) -> None:
        self.client, self.path = client, path
        self.uri = uri_of(path)
        self.version = 1
        self.counter = 0
        self.cells: List[Tuple[str, types.NotebookCellKind, str]] = [self._new(kind, text) for kind, text in cells]

    def _new(self, kind: types.NotebookCellKind, text: str) -> Tuple[str, types.NotebookCellKind, str]:
        self.counter += 1
        return f"vscode-notebook-cell:{self.path.resolve().as_posix()}#C{self.counter}", kind, text

    @staticmethod
    def _item(uri: str, kind: types.NotebookCellKind, text: str) -> types.TextDocumentItem:
        return types.TextDocumentItem(
            uri=uri, language_id="python" if kind == CODE else "markdown", version=1, text=text
        )

    def open(self) -> None:
        self.path.write_text("{}", encoding="utf-8")
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=self.uri,
                    notebook_type="jupyter-notebook",
                    version=self.version,
                    cells=[types.NotebookCell(kind=kind, document=uri) for uri, kind, _ in self.cells],
                ),
                cell_text_documents=[self._item(*cell) for cell in self.cells],
            )
        )

    def _change(self, change: types.NotebookDocumentChangeEvent) -> None:
        self.version += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(uri=self.uri, version=self.version),
                change=change,
            )
        )

    def edit(self, index: int, text: str) -> None:
        uri, kind, _ = self.cells[index]
        self.cells[index] = (uri, kind, text)
        self._change(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version + 1),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                        )
                    ]
                )
            )
        )

    def splice(self, start: int, delete: int, new: List[Tuple[types.NotebookCellKind, str]], keep: bool = False):
        """Replace ``delete`` cells at ``start`` with ``new`` ones (``keep``: the deleted
        cells are moved, not closed: ``new`` then holds none)."""
        removed = self.cells[start : start + delete]
        added = [self._new(kind, text) for kind, text in new]
        self.cells[start : start + delete] = added
        structure = types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(
                start=start, delete_count=delete, cells=[types.NotebookCell(kind=k, document=u) for u, k, _ in added]
            ),
            did_open=[self._item(*cell) for cell in added] or None,
            did_close=None if keep else [types.TextDocumentIdentifier(uri=u) for u, _, _ in removed] or None,
        )
        self._change(types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(structure=structure)))
        return removed

    def move(self, source: int, target: int) -> None:
        """Move a cell as VS Code does: delete it at ``source``, insert it at ``target``."""
        cell = self.cells[source]
        self.splice(source, 1, [], keep=True)
        self.cells.insert(target, cell)
        structure = types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(
                start=target, delete_count=0, cells=[types.NotebookCell(kind=cell[1], document=cell[0])]
            )
        )
        self._change(types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(structure=structure)))

    def close(self) -> None:
        self.client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
                cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u, _, _ in self.cells],
            )
        )

    def uri_of_cell(self, index: int) -> str:
        return self.cells[index][0]

    def text_of_cell(self, index: int) -> str:
        return self.cells[index][2]


def codes(client: LanguageClient, uri: str) -> List[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, ()))


def published(client: LanguageClient, uri: str) -> Optional[list]:
    return client.diagnostics.get(uri)


def capabilities(notebooks: bool) -> types.ClientCapabilities:
    """VS Code's capabilities, with LSP notebook sync (as VS Code 1.7x announces it) or without."""
    found = client_capabilities("visual-studio-code")
    found.notebook_document = (
        types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True)
        )
        if notebooks
        else None
    )
    return found


@pytest_lsp.fixture(config=SERVER, params=[True])
async def client(lsp_client: LanguageClient, request, tmp_path):
    """A server in a project at ``tmp_path``, for a client with (or without) notebook sync;
    the initialize result is kept."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        pass

    lsp_client.init_result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(request.param),
            root_uri=uri_of(tmp_path),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(tmp_path), name="project")],
        )
    )
    lsp_client.position_encoding = lsp_client.init_result.capabilities.position_encoding
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_server_announces_notebook_sync_for_jupyter(client: LanguageClient):
    sync = client.init_result.capabilities.notebook_document_sync
    (selector,) = sync.notebook_selector
    assert selector.notebook == "jupyter-notebook"
    assert [cell.language for cell in selector.cells] == ["python"]
    assert sync.save is True


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [False], indirect=True)
async def test_no_notebook_sync_for_a_client_without_it(client: LanguageClient):
    assert client.init_result.capabilities.notebook_document_sync is None


@pytest.mark.asyncio
async def test_a_notebook_gets_findings_on_its_cells(client: LanguageClient, tmp_path):
    notebook = Notebook(client, tmp_path / "train.ipynb", CELLS)
    notebook.open()
    trainer_cell = notebook.uri_of_cell(2)
    [diagnostic] = await diagnostics_for(client, trainer_cell, "LL302")
    # line 3 of cell 3, in the cell's own coordinates (not the notebook's, nor the module's)
    encoding = client.position_encoding or "utf-16"
    assert diagnostic.range == expected_range(notebook.text_of_cell(2), "gpus=1", encoding)
    await wait_for("the other cells published", lambda: published(client, notebook.uri_of_cell(1)) is not None)
    assert codes(client, notebook.uri_of_cell(1)) == []
    assert not published(client, notebook.uri_of_cell(0))  # markdown: nothing
    assert published(client, notebook.uri) is None  # nothing on the notebook's own URI

    # fixing the cell clears its finding
    notebook.edit(2, "trainer = L.Trainer(max_epochs=3, accelerator='gpu', devices=1)\n")
    await cleared(client, trainer_cell)


@pytest.mark.asyncio
async def test_a_cell_that_does_not_parse_is_ll900_on_that_cell(client: LanguageClient, tmp_path):
    cells = CELLS + [(CODE, "def broken(:\n    pass\n")]
    notebook = Notebook(client, tmp_path / "train.ipynb", cells)
    notebook.open()
    [broken] = await diagnostics_for(client, notebook.uri_of_cell(3), "LL900")
    assert broken.range.start.line == 0 and "cell 4 does not parse" in broken.message
    await diagnostics_for(client, notebook.uri_of_cell(2), "LL302")  # the other cells are still linted


@pytest.mark.asyncio
async def test_cells_added_removed_and_moved(client: LanguageClient, tmp_path):
    notebook = Notebook(client, tmp_path / "train.ipynb", CELLS)
    notebook.open()
    first = notebook.uri_of_cell(2)
    await diagnostics_for(client, first, "LL302")

    # a new cell with another 1.x Trainer, after the first
    notebook.splice(3, 0, [(CODE, "L.Trainer(progress_bar_refresh_rate=20)\n")])
    added = notebook.uri_of_cell(3)
    [refresh] = await diagnostics_for(client, added, "LL302")
    assert "progress_bar_refresh_rate" in refresh.message and refresh.range.start.line == 0

    # the new cell moved to the top: each finding stays with its cell, at that cell's line
    notebook.move(3, 0)
    await wait_for("the moved cell linted again", lambda: len(published(client, notebook.uri_of_cell(1)) or ()) == 0)
    assert notebook.uri_of_cell(0) == added and notebook.uri_of_cell(3) == first
    notebook.edit(3, "\n" + notebook.text_of_cell(3))  # one line lower now, in its own cell
    await wait_for("the edited cell's finding one line lower", lambda: lines(client, first) == [3])
    assert lines(client, added) == [0]

    # the first Trainer cell removed: its findings are cleared, the others stay
    notebook.splice(3, 1, [])
    await cleared(client, first)
    assert lines(client, added) == [0]


def lines(client: LanguageClient, uri: str) -> List[int]:
    return [d.range.start.line for d in client.diagnostics.get(uri, ()) if d.code == "LL302"]


@pytest.mark.asyncio
async def test_closing_a_notebook_clears_its_cells(client: LanguageClient, tmp_path):
    notebook = Notebook(client, tmp_path / "train.ipynb", CELLS)
    notebook.open()
    trainer_cell = notebook.uri_of_cell(2)
    await diagnostics_for(client, trainer_cell, "LL302")
    notebook.close()
    await cleared(client, trainer_cell)


@pytest.mark.asyncio
async def test_a_notebooks_own_pin_is_its_target(client: LanguageClient, tmp_path):
    cells = [(CODE, "!pip install pytorch-lightning==1.9.5\nimport pytorch_lightning as pl\n")] + [
        (CODE, "trainer = pl.Trainer(gpus=1, progress_bar_refresh_rate=20)\n")
    ]
    notebook = Notebook(client, tmp_path / "colab.ipynb", cells)
    notebook.open()
    [diagnostic] = await diagnostics_for(client, notebook.uri_of_cell(1), "LL302")
    assert "progress_bar_refresh_rate" in diagnostic.message  # removed in 1.7; gpus= is fine in 1.9.5


@pytest.mark.asyncio
async def test_code_actions_in_a_cell_fix_or_suppress_it(client: LanguageClient, tmp_path):
    notebook = Notebook(client, tmp_path / "train.ipynb", CELLS)
    notebook.open()
    cell = notebook.uri_of_cell(2)
    [diagnostic] = await diagnostics_for(client, cell, "LL302")
    actions = await code_actions(client, cell, diagnostic)
    encoding = client.position_encoding or "utf-16"
    fix = next(a for title, a in actions.items() if title.startswith("LL302: "))
    fixed = apply_edit(notebook.text_of_cell(2), fix.edit, cell, encoding)
    assert 'trainer = L.Trainer(max_epochs=3, accelerator="gpu", devices=1)\n' in fixed
    suppress = actions["Suppress LL302 on this line"]
    suppressed = apply_edit(notebook.text_of_cell(2), suppress.edit, cell, encoding)
    assert "trainer = L.Trainer(max_epochs=3, gpus=1)  # noqa: LL302\n" in suppressed
    # the edit names the cell's document, nothing else
    assert {change.text_document.uri for change in fix.edit.document_changes} == {cell}

    notebook.edit(2, suppressed)  # applied by the editor: the finding goes away
    await cleared(client, cell)
    assert await code_actions(client, cell, diagnostic) == {}
