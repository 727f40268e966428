"""The language server, end to end: a real LSP client (pytest-lsp) talks over stdio to
``python -m lightning_lint server`` in a temporary project.

The client side here is written independently of the server's own conversions: the
expected ranges are computed from the text with Python's codecs, and edits are applied
with a small position decoder of this module.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from lightning_lint.linter import project_facts  # noqa: E402
from lightning_lint.lsp.positions import PositionMap  # noqa: E402
from lightning_lint.lsp.session import EditorSession, suppression_edits  # noqa: E402

TIMEOUT = 30.0  # seconds to wait for the server (a loaded CI machine is slow to start Python)

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lightning_lint", "server", "--debounce", "0.05"])

CLIENTS = {  # client -> the position encoding the server must agree on with it
    "visual-studio-code": "utf-16",
    "neovim@v0.11.0": "utf-8",
    "emacs": "utf-32",
}

TRAIN = 'import lightning as L\n\ntrainer = L.Trainer(max_epochs=1, default_root_dir="runs/🚀-é", replace_sampler_ddp=False)\n'
REMOVED = "replace_sampler_ddp=False"


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, request, tmp_path):
    """A server started in a project at ``tmp_path`` (the root has a pyproject.toml)."""
    name = getattr(request, "param", "visual-studio-code")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    lsp_client.registrations = []  # client/registerCapability requests the server made

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp_client.registrations.extend(params.registrations)

    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(name),
            root_uri=uri_of(tmp_path),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(tmp_path), name="project")],
        )
    )
    lsp_client.position_encoding = result.capabilities.position_encoding
    lsp_client.client_name = name
    yield
    await lsp_client.shutdown_session()


# -- client-side helpers ------------------------------------------------------------------


async def wait_for(what: str, predicate: Callable[[], object], timeout: float = TIMEOUT):
    """Poll until ``predicate()`` is truthy (notifications arrive on their own schedule)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def diagnostics_for(client: LanguageClient, uri: str, code: str) -> List[types.Diagnostic]:
    return await wait_for(f"{code} on {uri}", lambda: [d for d in client.diagnostics.get(uri, ()) if d.code == code])


async def cleared(client: LanguageClient, uri: str) -> None:
    await wait_for(
        f"no diagnostics on {uri} (have {client.diagnostics.get(uri)})",
        lambda: uri in client.diagnostics and list(client.diagnostics[uri]) == [],
    )


def units(text: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text)


def expected_range(text: str, needle: str, encoding: str) -> types.Range:
    """The LSP range of the first ``needle`` in ``text`` (lines broken on "\\n")."""
    for number, line in enumerate(text.split("\n")):
        index = line.find(needle)
        if index >= 0:
            start = units(line[:index], encoding)
            return types.Range(types.Position(number, start), types.Position(number, start + units(needle, encoding)))
    raise AssertionError(f"{needle!r} not in the text")


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    count = 0
    for index, char in enumerate(line):
        if count >= position.character:
            return offset + index
        count += units(char, encoding)
    return offset + len(line)


def apply_edit(text: str, edit: types.WorkspaceEdit, uri: str, encoding: str) -> str:
    if edit.document_changes:
        text_edits = [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    else:
        text_edits = list(edit.changes[uri])
    spans = sorted(
        (
            (offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
            for e in text_edits
        ),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def open_document(client: LanguageClient, path: Path, text: str, language: str) -> str:
    path.write_text(text, encoding="utf-8")
    uri = uri_of(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text))
    )
    return uri


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def code_actions(
    client: LanguageClient, uri: str, diagnostic: types.Diagnostic, only: Optional[List[str]] = None
) -> Dict[str, types.CodeAction]:
    actions = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
            )
        ),
        TIMEOUT,
    )
    return {action.title: action for action in actions or []}


# -- end to end ---------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("client", list(CLIENTS), indirect=True)
async def test_python_diagnostic_quick_fix_and_clear(client: LanguageClient, tmp_path):
    encoding = CLIENTS[client.client_name]
    assert client.position_encoding == encoding
    uri = open_document(client, tmp_path / "train.py", TRAIN, "python")

    [diagnostic] = await diagnostics_for(client, uri, "LL302")
    assert diagnostic.range == expected_range(TRAIN, REMOVED, encoding)  # after a non-ASCII string
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.source == "lightning-lint"
    assert diagnostic.code_description.href.endswith("/docs/rules.md#ll302-removed-argument")
    assert "replace_sampler_ddp" in diagnostic.message and "use_distributed_sampler" in diagnostic.message

    actions = await code_actions(client, uri, diagnostic)
    quick_fix = actions["LL302: Rename `replace_sampler_ddp` to `use_distributed_sampler`"]
    assert quick_fix.kind == types.CodeActionKind.QuickFix and quick_fix.is_preferred
    assert quick_fix.diagnostics[0].code == "LL302"
    assert "Suppress LL302 on this line" in actions
    fixed = apply_edit(TRAIN, quick_fix.edit, uri, encoding)
    assert fixed == TRAIN.replace("replace_sampler_ddp", "use_distributed_sampler")

    change_document(client, uri, 2, fixed)
    await cleared(client, uri)


@pytest.mark.asyncio
async def test_yaml_diagnostic_and_fix_all(client: LanguageClient, tmp_path):
    text = "# Lightning CLI config – «ü»\ntrainer:\n  precision: 16\n  gpus: 2\n  max_epochs: 3\n"
    uri = open_document(client, tmp_path / "config.yaml", text, "yaml")

    [precision] = await diagnostics_for(client, uri, "LL306")
    assert precision.range == expected_range(text, "precision: 16", "utf-16")
    assert precision.severity == types.DiagnosticSeverity.Information
    assert precision.code_description.href.endswith("#ll306-legacy-precision")
    [gpus] = await diagnostics_for(client, uri, "LL302")
    assert gpus.range == expected_range(text, "gpus: 2", "utf-16")

    actions = await code_actions(client, uri, precision)
    assert apply_edit(text, actions['LL306: Replace with "16-mixed"'].edit, uri, "utf-16") == text.replace(
        "precision: 16", 'precision: "16-mixed"'
    )

    fix_all = await code_actions(client, uri, precision, only=[types.CodeActionKind.SourceFixAll])
    [action] = fix_all.values()
    assert action.kind.startswith("source.fixAll")
    fixed = apply_edit(text, action.edit, uri, "utf-16")
    assert 'precision: "16-mixed"' in fixed and "gpus" not in fixed and "devices: 2" in fixed
    assert fixed.startswith("# Lightning CLI config – «ü»\n")
    change_document(client, uri, 2, fixed)
    await cleared(client, uri)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "name, text, language",
    [
        ("train.py", "import lightning as L\nL.Trainer(max_epochs=1, gpus=2)\n", "python"),
        ("config.yaml", "trainer:\n  max_epochs: 1\n  gpus: 2\n", "yaml"),
    ],
)
async def test_suppress_action(client: LanguageClient, tmp_path, name, text, language):
    uri = open_document(client, tmp_path / name, text, language)
    [diagnostic] = await diagnostics_for(client, uri, "LL302")
    actions = await code_actions(client, uri, diagnostic)
    suppressed = apply_edit(text, actions["Suppress LL302 on this line"].edit, uri, "utf-16")
    assert suppressed == text.replace("gpus=2)\n", "gpus=2)  # noqa: LL302\n").replace(
        "gpus: 2\n", "gpus: 2  # noqa: LL302\n"
    )
    change_document(client, uri, 2, suppressed)
    await cleared(client, uri)


@pytest.mark.asyncio
async def test_settings_reload(client: LanguageClient, tmp_path):
    # VS Code's capabilities allow dynamic registration: the server asks to watch the config files
    await wait_for("the watcher registration", lambda: client.registrations)
    [registration] = client.registrations
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert "**/*.py" in globs and any("pyproject.toml" in g and "lightning-lint.toml" in g for g in globs)

    uri = open_document(client, tmp_path / "train.py", TRAIN, "python")
    await diagnostics_for(client, uri, "LL302")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\nname = 'example'\n\n[tool.lightning-lint]\nignore = [\"LL302\"]\n", encoding="utf-8"
    )
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri=uri_of(pyproject), type=types.FileChangeType.Changed)])
    )
    await cleared(client, uri)

    # Saving the configuration in the editor reloads it too.
    pyproject.write_text("[project]\nname = 'example'\n", encoding="utf-8")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri_of(pyproject))))
    await diagnostics_for(client, uri, "LL302")

    # A broken configuration is reported once, and does not take the server down.
    pyproject.write_text("[tool.lightning-lint]\nignorre = []\n", encoding="utf-8")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri_of(pyproject))))
    message = await wait_for("an error message", lambda: [m for m in client.messages if "ignorre" in m.message])
    assert message[0].type == types.MessageType.Error and "did you mean `ignore`" in message[0].message
    await cleared(client, uri)


@pytest.mark.asyncio
async def test_project_facts_refresh_on_watched_change(client: LanguageClient, tmp_path):
    model = tmp_path / "model.py"
    model.write_text(
        "import lightning as L\nclass Net(L.LightningModule):\n"
        "    def validation_step(self, batch, i):\n        self.log('val/loss', 0.0)\n",
        encoding="utf-8",
    )
    text = "from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor='val_loss')\n"
    uri = open_document(client, tmp_path / "train.py", text, "python")
    [diagnostic] = await diagnostics_for(client, uri, "LL207")
    assert diagnostic.range == expected_range(text, "monitor='val_loss'", "utf-16")
    [related] = diagnostic.related_information
    assert related.location.uri == uri_of(model)
    assert related.location.range == expected_range(model.read_text(), "self.log('val/loss', 0.0)", "utf-16")

    actions = await code_actions(client, uri, diagnostic)
    [unsafe] = [a for a in actions.values() if a.title.startswith("LL207")]
    assert "unsafe" in unsafe.title and not unsafe.is_preferred

    # The module now logs the monitored name: once the file changes on disk, the facts are
    # gathered again and the finding goes away.
    model.write_text(model.read_text().replace("val/loss", "val_loss"), encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri=uri_of(model), type=types.FileChangeType.Changed)])
    )
    await cleared(client, uri)


# -- the session, without the protocol ----------------------------------------------------


def test_keystrokes_reuse_project_facts(tmp_path, monkeypatch):
    """Linting unsaved text never rescans the project; a saved or changed project file
    refreshes the facts once; a configuration change reloads the settings."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    (tmp_path / "model.py").write_text(
        textwrap.dedent("""\
        import lightning as L
        class Net(L.LightningModule):
            def validation_step(self, batch, i):
                self.log('val/loss', 0.0)
        """),
        encoding="utf-8",
    )
    scans = []
    gather = project_facts.gather
    monkeypatch.setattr(
        project_facts,
        "gather",
        lambda root, resolver, *args, **kwargs: scans.append(root) or gather(root, resolver, *args, **kwargs),
    )
    session = EditorSession(tmp_path)
    train = tmp_path / "train.py"
    train.write_text("", encoding="utf-8")
    typed = "from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor='val_loss')\n"
    for end in range(len(typed) - 12, len(typed) + 1, 4):  # keystrokes: the buffer is never saved
        result = session.lint(train, typed[:end])
    assert [d.code for d in result.diagnostics] == ["LL207"]
    assert len(scans) == 1

    (tmp_path / "model.py").write_text((tmp_path / "model.py").read_text().replace("val/loss", "val_loss"))
    assert [d.code for d in session.lint(train, typed).diagnostics] == ["LL207"]  # facts are cached
    assert session.file_changed(tmp_path / "model.py").kind == "project"
    assert session.lint(train, typed).diagnostics == []
    assert session.lint(train, typed + "\n").diagnostics == []
    assert len(scans) == 2

    (tmp_path / "pyproject.toml").write_text("[tool.lightning-lint]\nextend-exclude = ['train.py']\n")
    assert session.lint(train, "import lightning as L\nL.Trainer(gpus=2)\n").diagnostics != []
    assert session.file_changed(tmp_path / "pyproject.toml").kind == "settings"
    assert session.lint(train, "import lightning as L\nL.Trainer(gpus=2)\n").diagnostics == []  # excluded now


def test_suppression_edit_is_skipped_inside_a_multiline_string(tmp_path):
    session = EditorSession(tmp_path)
    text = 'import lightning as L\nL.Trainer(gpus=2, default_root_dir="""a\nb""")\n'
    result = session.lint(tmp_path / "train.py", text)
    [diagnostic] = [d for d in result.diagnostics if d.code == "LL302"]
    assert suppression_edits(diagnostic, result.source) == []


@pytest.mark.parametrize("encoding, expected", [("utf-16", (1, 4)), ("utf-8", (1, 6)), ("utf-32", (1, 3))])
def test_position_map(encoding, expected):
    text = "a\r\nx🚀yz\rlast"
    positions = PositionMap(text, encoding)
    offset = text.index("y") + 1
    assert positions.position(offset) == expected
    assert positions.offset(*expected) == offset
    assert positions.position(text.index("\r\n") + 1) == (0, 1)  # inside a CRLF: the end of the line
    assert positions.position(text.index("last")) == (2, 0)
    assert positions.offset(1, 99) == text.index("\r", 3)  # past the end of a line: its end


def test_server_without_the_lsp_extra_says_what_to_install(tmp_path):
    """Without pygls the command fails with exit code 2 and an install hint, no traceback."""
    code = (
        "import sys\nsys.modules['pygls'] = None\nsys.modules['lsprotocol'] = None\n"
        "from lightning_lint.commands.cli import main\nsys.exit(main(['server']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert "pip install 'lightning-lint[lsp]'" in result.stderr and "Traceback" not in result.stderr


def test_buffer_text_is_not_decoded_again(tmp_path):
    """An editor buffer is text already: a coding declaration must not re-decode it (the
    columns would shift on the non-ASCII characters)."""
    text = '# -*- coding: latin-1 -*-\nimport lightning as L\nL.Trainer(max_epochs=1, default_root_dir="é", gpus=2)\n'
    result = EditorSession(tmp_path).lint(tmp_path / "train.py", text)
    [diagnostic] = result.diagnostics
    assert diagnostic.code == "LL302" and result.source.text == text
    line = text.splitlines()[2]
    assert (diagnostic.span.start_col, diagnostic.span.end_col) == (line.index("gpus=2") + 1, line.index(")") + 1)


@pytest.mark.asyncio
async def test_notebook_opened_as_json_gets_diagnostics_on_its_file_lines(client: LanguageClient, tmp_path):
    import json

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Train\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": ["!pip install lightning\n", "import lightning as L\n", "L.Trainer(gpus=2, max_epochs=3)"],
        },
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    uri = open_document(client, tmp_path / "train.ipynb", text, "json")
    [diagnostic] = await diagnostics_for(client, uri, "LL302")
    assert "L.Trainer(gpus=2" in text.splitlines()[diagnostic.range.start.line]
    assert diagnostic.message.startswith("cell 2, line 3, column 11:")
    assert await code_actions(client, uri, diagnostic) == {}
