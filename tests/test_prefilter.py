"""Unit tests of the prefilter: the byte scan that lets unrelated files cost nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lightning_lint.linter import prefilter
from lightning_lint.linter.engine import Linter, may_matter
from lightning_lint.linter.settings import Settings, SettingsResolver
from lightning_lint.model import lightning_api
from lightning_lint.model.sources import SourceFile


@pytest.mark.parametrize(
    "text",
    [
        "from lightning import Trainer\n",
        "import lightning as L\nL.Trainer()\n",
        "from lightning.pytorch.cli import LightningCLI\n",
        "from torch.utils.data import DataLoader\n",
        "from torchdata.stateful_dataloader import StatefulDataLoader\n",
        "def validation_epoch_end(self, outputs): ...\n",
        "self.automatic_optimization = False\n",
        "cb = ModelCheckpoint(monitor='x')\n",
        "cb = GPUStatsMonitor()\n",  # removed callbacks count too
    ],
)
def test_python_words_that_matter(text):
    assert prefilter.python_may_matter(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        "import numpy as np\nprint(np.ones(3))\n",
        "def train(model):\n    model.fit(x)\n",  # a scikit-learn style fit
        "trainer = make()\n",  # lowercase: no Trainer named
        "",
    ],
)
def test_python_without_lightning_words(text):
    assert not prefilter.python_may_matter(text.encode())


def _any_word(data: bytes) -> bool:
    return any(word.encode() in data for word in prefilter._PY_WORDS)


@given(
    st.lists(
        st.sampled_from([w[: len(w) // 2] for w in prefilter._PY_WORDS] + prefilter._PY_WORDS + ["x", " ", "\n", "_"])
        | st.text(alphabet="TrainerDataLoadMCheckpointSF_e ", max_size=12),
        max_size=8,
    )
)
def test_the_scan_finds_exactly_the_files_naming_a_word(parts):
    """However the words are searched (substrings first, then one regex grouped by first
    letter), the answer is: does the file contain one of them."""
    data = "".join(parts).encode()
    assert prefilter.python_may_matter(data) == _any_word(data)


def test_the_scan_on_the_repository_files():
    root = Path(__file__).parent.parent  # the bundled examples, the tests, the linter itself
    files = [p for folder in ("examples", "tests", "src") for p in (root / folder).rglob("*.py")]
    assert len(files) > 50
    for path in files:
        data = path.read_bytes()
        assert prefilter.python_may_matter(data) == _any_word(data), path


def test_every_callback_name_is_a_python_word():
    for name in list(lightning_api.CALLBACKS) + list(lightning_api.REMOVED_CALLBACK_CLASSES):
        assert prefilter.python_may_matter(f"x = {name}()\n".encode()), name


@pytest.mark.parametrize(
    "text, matters",
    [
        ("trainer:\n  max_epochs: 1\n", True),
        ("_target_: my.Model\n", True),
        ("model:\n  class_path: my.Model\n", True),
        ("callbacks:\n  - x\n", True),
        ("monitor: EarlyStopping\n", True),
        ("name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n", False),
        ("services:\n  web:\n    image: nginx\n", False),
        ("name: env\ndependencies:\n  - numpy\n", False),
    ],
)
def test_yaml_words(text, matters):
    assert prefilter.yaml_may_matter(text.encode()) is matters


def _source(path: str, text: str) -> SourceFile:
    kind = "python" if path.endswith(".py") else "yaml"
    return SourceFile(path, textwrap.dedent(text).lstrip("\n"), kind)


@pytest.mark.parametrize(
    "path, text, include, matters",
    [
        ("tools/plot.py", "import matplotlib\n", (), False),
        ("train.py", "from lightning import Trainer\n", (), True),
        (".github/workflows/ci.yml", "on: [push]\njobs: {}\n", (), False),
        # a Hydra group option need not name anything Lightning-like: its folder says what it is
        ("configs/trainer/gpu.yaml", "accelerator: gpu\ndevices: 1\n", (), True),
        ("configs/callbacks/none.yaml", "{}\n", (), True),
        ("configs/logger/csv.yaml", "save_dir: logs\n", (), True),
        ("configs/model/small.yaml", "width: 8\n", (), False),
        # a file the settings include is always read
        ("args/run.yaml", "max_epochs: 3\n", ("args/*.yaml",), True),
    ],
)
def test_engine_may_matter(tmp_path, path, text, include, matters):
    settings = Settings(root=tmp_path, include=include)
    assert may_matter(_source(path, text), settings, tmp_path / path) is matters


def _lint(root: Path, files: dict, name: str):
    files = dict(files, **{"pyproject.toml": "[project]\nname = 'x'\n"})
    for file, text in files.items():
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Linter(SettingsResolver(root)).lint_path(root / name, name)


@pytest.mark.parametrize(
    "name, text",
    [
        ("plot.py", "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n"),
        ("broken.py", "def (:\n"),  # never parsed, so no syntax error is reported either
        ("ci.yml", "on: [push]\njobs: {test: {runs-on: ubuntu}}\n"),
        ("conf/broken.yaml", "a: [1\n"),
    ],
)
def test_unrelated_files_are_skipped_before_parsing(tmp_path, name, text):
    result = _lint(tmp_path, {name: text}, name)
    assert result.parsed is False
    assert result.diagnostics == []


def test_a_hydra_group_option_without_lightning_words_is_read(tmp_path):
    files = {
        "configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 3\n",
        "configs/trainer/gpu.yaml": "defaults:\n  - default\naccelerator: gpu\nmax_epoch: 1\n",
    }
    assert not prefilter.yaml_may_matter(files["configs/trainer/gpu.yaml"].encode())
    result = _lint(tmp_path, files, "configs/trainer/gpu.yaml")
    assert result.parsed is True
    # read as the trainer option it is: the misspelt argument is found
    assert [d.code for d in result.diagnostics] == ["LL301"]


def test_the_prefilter_reads_the_raw_bytes_when_present(tmp_path):
    source = SourceFile("x.py", "", "python", raw=b"from lightning import Trainer\n")
    assert may_matter(source, Settings(root=tmp_path), Path("x.py"))
