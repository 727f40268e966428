"""Work a cold run no longer does, and why each shortcut gives the same answer.

- The facts scan parses a file only when its bytes may give it a fragment
  (``project_facts.may_contribute``): ``math.log(`` or a ``state_dict`` call is not a logged
  metric or a resumable class.
- The scope builder records each function's ``return`` statements as it goes; helpers are
  followed into by them, and they must be the ones a walk of the function finds.
- PyYAML's implicit tags are remembered by scalar text.
- The facts gathered after a pool read no file the pool parsed or found to contribute
  nothing.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import List

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_files
from lightning_lint.extract import python as python_extract
from lightning_lint.extract import yaml as yaml_extract
from lightning_lint.linter import cache, project_facts
from lightning_lint.model.facts import ProjectFacts
from lightning_lint.model.sources import PYTHON, decode_source, parse_ast
from test_cache import check

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _fragment(text: str, name: str = "mod.py") -> ProjectFacts:
    data = textwrap.dedent(text).encode()
    return project_facts.fragment_of(Path("/p") / name, Path("/p"), data)


def _contributes(fragment: ProjectFacts) -> bool:
    empty = ProjectFacts()
    return any(
        getattr(fragment, name) != getattr(empty, name) for name in vars(empty) if name not in ("root", "files_parsed")
    )


LOGS = """\
import lightning as L

class Net(L.LightningModule):
    def validation_step(self, batch, batch_idx):
        self{sep}log("val_loss", batch.sum())
"""
RESUMABLE = """\
class Sampler:
    def __iter__(self):
        return iter(range(3))

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass
"""


@pytest.mark.parametrize(
    "text",
    [
        LOGS.format(sep="."),
        LOGS.format(sep=" . "),
        LOGS.format(sep=".\\\n            "),
        "class CB:\n    def on_validation_end(self, trainer, pl_module):\n        pl_module.log_dict({'a': 1})\n",
        "class Loop:\n    def state_dict(self):\n        return {}\n\n    def load_state_dict(self, s):\n        pass\n",
        RESUMABLE,
    ],
)
def test_a_file_that_logs_or_keeps_a_position_is_parsed_for_the_facts(text):
    assert project_facts.may_contribute(text.encode())
    assert _contributes(_fragment(text))


@pytest.mark.parametrize(
    "text",
    [
        "import math\n\nclass Scale:\n    def f(self, x):\n        return math.log(x) + np.log(x)\n",
        "class Wrapper:\n    def save(self):\n        return self.model.state_dict()\n",
        "class Meter:\n    def update(self):\n        self.logger.log(1)\n        myself.log(2)\n",
    ],
)
def test_a_file_that_only_looks_like_it_is_not_parsed(text):
    assert not project_facts.may_contribute(text.encode())


def _python_files() -> List[Path]:
    found = sorted((REPO / "examples").rglob("*.py")) + sorted((HERE / "fixtures").rglob("*.py"))
    return [path for path in found if path.stat().st_size < 200_000]


def test_what_the_narrowed_markers_stand_for_is_where_they_are_found():
    """On every Python file of the examples and fixtures (real shapes: modules, DataModules,
    callbacks, samplers, scripts): a file whose fragment has a logged metric is one the
    logging marker finds, and one with a class that keeps its position, one both
    ``state_dict`` markers find; so no file left out by them would have given either."""
    logging = 0
    for path in _python_files():
        data = path.read_bytes()
        fragment = project_facts.fragment_of(path, path.parent, data)
        if fragment.logged_metrics or fragment.dynamic_logging is not None:
            assert project_facts._logs_metric(data), path
            logging += 1
        if fragment.position_classes:
            assert all(pattern.search(data) for pattern in project_facts._RESUMABLE), path
    assert logging >= 2  # the test looked at something (the samplers are in the cases above)


FUNCTIONS = """\
def plain(a):
    if a:
        return 1
    try:
        return 2
    except ValueError:
        return 3
    finally:
        pass
    return

async def later(x):
    async with x:
        return await x

def outer():
    def inner():
        return "inner"
    class Local:
        def method(self):
            return "method"
    handler = lambda: "lambda"
    for item in range(3):
        while item:
            return item
    return inner, Local, handler

class Holder:
    def run(self, value):
        match value:
            case 1:
                return "one"
            case _:
                return "other"
"""


@pytest.mark.parametrize("source", ["inline", "files"])
def test_the_returns_recorded_while_scoping_are_those_of_a_walk(source):
    texts = [FUNCTIONS] if source == "inline" else [p.read_text() for p in _python_files()]
    functions = 0
    for text in texts:
        tree = ast.parse(text)
        python_extract._RETURNS.clear()
        python_extract._ScopeBuilder(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                recorded = python_extract._RETURNS[id(node)][1]
                assert recorded == python_extract._find_returns(node), ast.unparse(node)[:200]
                functions += 1
        python_extract._RETURNS.clear()
    assert functions >= (6 if source == "inline" else 10)


def test_a_helper_of_another_function_returns_what_it_did_before():
    """Followed through a helper's ``return`` (recorded while scoping) into the Trainer."""
    text = textwrap.dedent(
        """\
        import lightning as L

        def trainer_kwargs(fast):
            def unused():
                return {"max_steps": 1}
            if fast:
                return {"max_epochs": 1, "strategy": "dp"}
            return {"max_epochs": 5, "strategy": "dp"}

        trainer = L.Trainer(**trainer_kwargs(True))
        trainer.fit(object())
        """
    )
    source = decode_source(text.encode(), "train.py", PYTHON)
    extraction = python_extract.extract(parse_ast(text), source)
    (spec,) = extraction.trainers
    strategy = spec.args["strategy"]
    values = [c.value.data for c in strategy.candidates] if strategy.candidates else [strategy.data]
    assert set(values) == {"dp"}
    assert "max_steps" not in spec.args


SCALARS = ["true", "True", "yes", "no", "on", "null", "~", "", "1", "0x1F", "1_000", "1e4", "1.0e4", "1.5", ".inf"]
SCALARS += ["-.INF", ".nan", "2024-01-01", "12:30:00", "abc", "'1'", "0o17", "+1", "1:20", "=", "<<"]


@pytest.mark.parametrize("consumer", sorted(yaml_extract._RESOLVERS))
def test_remembered_yaml_tags_are_the_resolvers_own(consumer):
    resolver = yaml_extract._RESOLVERS[consumer]
    for value in SCALARS * 2:  # the second round reads the remembered tags
        for implicit in ((True, False), (False, True)):
            expected = resolver.resolve(yaml.nodes.ScalarNode, value, implicit)
            assert yaml_extract._resolve_scalar(consumer, value, implicit) == expected, (value, implicit)


def test_the_loader_composes_the_tags_of_the_safe_loader():
    text = "\n".join(f"k{i}: {value}" for i, value in enumerate(SCALARS)) + "\nlist: [1, a, true, null]\n"
    ours = yaml.compose(text, Loader=yaml_extract._Loader)
    theirs = yaml.compose(text, Loader=yaml.SafeLoader)

    def tags(node):
        if isinstance(node, yaml.MappingNode):
            return [(tags(k), tags(v)) for k, v in node.value]
        if isinstance(node, yaml.SequenceNode):
            return [tags(item) for item in node.value]
        return (node.tag, node.value)

    assert tags(ours) == tags(theirs)


MODEL = """\
import lightning as L

class Net(L.LightningModule):
    def validation_step(self, batch, batch_idx):
        self.log("val_loss", batch.sum())
"""
MONITOR = """\
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from model import Net

trainer = L.Trainer(max_epochs=3, callbacks=[ModelCheckpoint(monitor="{metric}")])
trainer.fit(Net())
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_facts_gathered_after_the_lint_read_no_file_again(in_tmp, monkeypatch, jobs):
    """model.py and other.py are parsed for the facts only (they name no Trainer);
    helpers.py contributes nothing. Gathering the facts after the lint reads no file the
    lint parsed, and after a pool (which parses the facts-only files and notes the
    others) no file at all; the findings are those of a run without the cache."""
    monkeypatch.setattr(cache, "RACY_SECONDS", -3600)
    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "model.py": MODEL,
        "other.py": MODEL.replace("Net", "Other").replace("val_loss", "val_f1"),
        "helpers.py": "import math\n\ndef scale(x):\n    return math.log(x)\n",
    }
    for index in range(4):
        files[f"train_{index}.py"] = MONITOR.format(metric="val_loss" if index else "val_acc")
    write_files(in_tmp, files)
    real_read = project_facts._read_regular
    gathering: List[str] = []
    real_gather = project_facts.gather

    def reading(path):
        gathering.append(Path(path).name)
        return real_read(path)

    def gather(*args, **kwargs):
        if not kwargs.get("parse", True):  # the look for cached facts before the lint
            return real_gather(*args, **kwargs)
        monkeypatch.setattr(project_facts, "_read_regular", reading)
        try:
            return real_gather(*args, **kwargs)
        finally:
            monkeypatch.setattr(project_facts, "_read_regular", real_read)

    monkeypatch.setattr(project_facts, "gather", gather)
    _, cold = check(in_tmp, jobs=jobs)
    assert not {f"train_{index}.py" for index in range(4)} & set(gathering), gathering
    if jobs > 1:
        assert not {"model.py", "other.py", "helpers.py"} & set(gathering), gathering
    monkeypatch.setattr(project_facts, "gather", real_gather)
    _, uncached = check(in_tmp, no_cache=True, jobs=1)
    assert cold == uncached
    assert "val_acc" in cold and "'val_loss'" not in cold  # the facts were read: only val_acc is unlogged


UNREMARKABLE = [
    b"import math\n\nprint(math.log(2))\n",
    b"# -*- coding: latin-1 -*-\nx = 1\n",
    b"#!/usr/bin/env python\n# coding: nonsense\nx = 1\n",  # LL901: unknown encoding
    b"x = 1  # noqa: LL101\n",  # LL904: a suppression with nothing to suppress
    b"x = 1  # noqa: E501\n",
    b"# lightning-lint: ignore LL101\nx = 1\n",
    "x = '\u00e9'\n".encode(),
    "x = '\u00e9'\n".encode("latin-1"),  # LL901: not UTF-8
    b"x = 1\x00\n",  # LL901: binary
    b"\xef\xbb\xbfx = 1\n",
    b"",
]


@pytest.mark.parametrize("data", UNREMARKABLE)
def test_a_file_the_prefilter_rejects_gets_what_decoding_it_gave(tmp_path, monkeypatch, data):
    """The bytes-only shortcut for rejected Python files (``sources.plainly_decodable``) gives
    the findings the decoded text gives: none, or LL901/LL904."""
    from lightning_lint.linter import engine
    from lightning_lint.linter.settings import SettingsResolver

    path = tmp_path / "mod.py"
    path.write_bytes(data)
    quick = engine.Linter(SettingsResolver(tmp_path)).lint_bytes(data, path, "mod.py", may_matter=False)
    monkeypatch.setattr(engine, "plainly_decodable", lambda data: False)
    slow = engine.Linter(SettingsResolver(tmp_path)).lint_bytes(data, path, "mod.py", may_matter=False)
    assert [(d.code, d.line, d.message) for d in quick.diagnostics] == [
        (d.code, d.line, d.message) for d in slow.diagnostics
    ]
    assert quick.parsed == slow.parsed is False


def _notebook_text(outputs: str) -> str:
    cell = (
        '{"cell_type": "code", "execution_count": 1, "metadata": {},\n'
        f' "outputs": {outputs},\n'
        ' "source": ["import lightning as L\\n", "trainer = L.Trainer(max_steps=5)"]}'
    )
    return (
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python"}},\n'
        f' "cells": [{cell}, {cell}]}}'
    )


def test_a_notebooks_outputs_are_checked_but_not_scanned_for_positions():
    from lightning_lint.model.notebook import NotebookError, read_notebook, scan_json

    outputs = '[{"output_type": "stream", "text": ["a \\"quoted\\" [line]\\n"], "data": {"x": [[[1]]]}}]'
    text = _notebook_text(outputs)
    root = scan_json(text)
    for cell in root.get("cells").items:
        source = cell.get("source")
        first = source.items[0]
        assert text[first.start : first.end] == '"import lightning as L\\n"'  # positions past the outputs
        assert cell.get("outputs").value[0]["output_type"] == "stream"
    notebook = read_notebook(text)
    assert [c.text for c in notebook.cells] == ["import lightning as L\ntrainer = L.Trainer(max_steps=5)"] * 2
    with pytest.raises(NotebookError, match="not valid JSON"):
        scan_json(_notebook_text('[{"output_type": "stream", "text": [1, 2,]}]'))


def test_the_facts_do_not_depend_on_which_files_were_linted(tmp_path):
    """A linted file offers its fragment so that the facts need not parse it again; one
    that the facts' markers pass over (a Fabric script) counts as contributing nothing, as
    when the scan reads it: the facts are the project's, whatever the run lints."""
    from lightning_lint.linter.engine import Linter
    from lightning_lint.linter.settings import SettingsResolver

    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "fab.py": "from lightning.fabric import Fabric\n\nclass Helper:\n    pass\n\nfabric = Fabric(accelerator='cpu')\n",
        "model.py": MODEL,
    }
    write_files(tmp_path, files)
    assert not project_facts.may_contribute(files["fab.py"].encode())

    def facts(lint: List[str]):
        linter = Linter(SettingsResolver(tmp_path))
        for name in lint:
            linter.lint_path(tmp_path / name, name)  # (shown by its name in the project: offered)
        return linter.projects.for_path(tmp_path / "model.py").facts

    alone, after_lint = facts([]), facts(["fab.py", "model.py"])
    assert alone.identity() == after_lint.identity()
    assert "Helper" not in after_lint.classes and "Net" in after_lint.classes


@given(st.text(alphabet="ab \n\r\t\x85\u2028\u2029", max_size=40), st.sampled_from(["python", "yaml"]))
def test_line_starts_without_a_carriage_return_are_the_breaks_ones(text, kind):
    """A text whose every break is ``\\n`` gets its line starts from the line lengths; they
    are the offsets after each break, as found by the break pattern."""
    from lightning_lint.model.sources import _PY_BREAK, _YAML_BREAK, SourceFile

    source = SourceFile("x", text, kind)
    breaks = _YAML_BREAK if kind == "yaml" else _PY_BREAK
    assert source.line_starts == [0] + [m.end() for m in breaks.finditer(text)]
    assert len(source.line_starts) == len(source.lines)
