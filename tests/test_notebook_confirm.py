"""``confirm`` on a Jupyter notebook: its code cells run in order as one script (IPython
syntax masked, nothing installed), from the notebook's folder, with the guarantees of a
script (nothing after fit, nothing written), and every place it reports given by cell."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List, Tuple

import pytest

from test_confirm import confirm, snapshot
from test_notebook_positions import module_lines_leaked
from test_notebooks import findings, notebook

pytestmark = pytest.mark.lightning

SETUP = (
    "!pip install lightning==2.6.6 --quiet\n"
    "%matplotlib inline\n"
    "import torch\n"
    "import lightning as L\n"
    "from torch.utils.data import DataLoader, TensorDataset\n"
)
DATA = (
    "SAMPLES = int(open('samples.txt').read())  # relative to the notebook's folder, as in Jupyter\n"
    "class DataModule(L.LightningDataModule):\n"
    "    def train_dataloader(self):\n"
    "        return DataLoader(TensorDataset(torch.randn(SAMPLES, 2)), batch_size=4)\n"
)
MODEL = (
    "class Model(L.LightningModule):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.layer = torch.nn.Linear(2, 1)\n"
    "    def training_step(self, batch, index):\n"
    "        return self.layer(batch[0]).sum()\n"
    "    def configure_optimizers(self):\n"
    "        return torch.optim.SGD(self.parameters(), 0.1)\n"
)
SHELL = "%%bash\necho written > shell.txt\n"
FIT = (
    "trainer = L.Trainer(max_epochs=1, val_check_interval=50, logger=False)\n"
    "trainer.fit(Model(), datamodule=DataModule())\n"
    "open('after_fit.txt', 'w').write('the rest of the notebook ran')\n"
)


def cells(data: str = DATA, model: str = MODEL, fit: str = FIT) -> List[Tuple[str, str]]:
    # cell 1 markdown, 2 setup, 3 data, 4 model, 5 markdown, 6 shell, 7 the Trainer
    return [
        ("markdown", "# A tiny model\n"),
        ("code", SETUP),
        ("code", data),
        ("code", model),
        ("markdown", "## Train"),
        ("code", SHELL),
        ("code", fit),
    ]


def project(tmp_path: Path, **parts: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "samples.txt").write_text("40\n")
    (folder / "train.ipynb").write_text(notebook(cells(**parts)), encoding="utf-8")
    return folder


def places(text: str) -> List[str]:
    """Every ``train.ipynb:...`` reference in ``text``."""
    return re.findall(r"train\.ipynb:([^\s,;)`]+(?: \d+:\d+(?::\d+)?)?)", text)


def test_confirm_runs_the_cells_in_order_from_the_notebooks_folder(tmp_path, monkeypatch, capsys):
    folder = project(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "notebooks/train.ipynb")
    assert code == 1, out + err
    # the DataModule of cell 3 read samples.txt from the notebook's folder: 40 samples, 10 batches
    assert "10 batches per epoch (len(train_dataloader)=10, 40 samples, batch_size=4)" in out
    assert "the configuration builds and trains" in out
    assert "trainer   Trainer(...) at notebooks/train.ipynb:cell 7:1" in out
    # LL201 confirmed with the measured batches, at the argument in cell 7
    assert "notebooks/train.ipynb:cell 7:1:35: LL201 `val_check_interval=50`" in out
    assert "(confirmed)" in out
    # no pip install, no %%bash cell, nothing after fit, no logs: the tree is as it was
    assert snapshot(tmp_path) == before
    assert not (folder / "shell.txt").exists() and not (folder / "after_fit.txt").exists()
    # every place named is a cell place, never a line of the joined module
    named = places(out)
    assert named and all(p.startswith("cell ") for p in named), named
    assert module_lines_leaked(out) == []


def test_confirm_json_gives_cells_and_saved_facts_serve_the_static_check(tmp_path, monkeypatch, capsys):
    project(tmp_path)
    assert not [d for d in findings(tmp_path, "notebooks/train.ipynb") if d["code"] == "LL201"]  # undecided
    code, out, _ = confirm(
        monkeypatch, capsys, tmp_path, "notebooks/train.ipynb", "--output-format", "json", "--save-facts"
    )
    assert code == 1
    found = json.loads(out)
    ll201 = [d for d in found if d["code"] == "LL201"]
    assert [(d["cell"], d["line"], d["column"], d["confirmed"]) for d in ll201] == [(7, 1, 35, True)]
    assert all(d.get("cell") is not None for d in found if d["path"].endswith(".ipynb"))
    # the measured batches are saved for the notebook: the static check now decides LL201
    static = [d for d in findings(tmp_path, "notebooks/train.ipynb") if d["code"] == "LL201"]
    assert [(d["cell"], d["line"], d["column"]) for d in static] == [(7, 1, 35)]


def test_a_crash_inside_a_cells_code_is_located_in_that_cell(tmp_path, monkeypatch, capsys):
    broken = MODEL.replace(".sum()\n", ".sum() + undefined_name\n")
    project(tmp_path, model=broken)
    code, out, _ = confirm(monkeypatch, capsys, tmp_path, "notebooks/train.ipynb", "--output-format", "json")
    assert code == 1
    ll902 = [d for d in json.loads(out) if d["code"] == "LL902"]
    assert len(ll902) == 1
    assert "NameError: name 'undefined_name' is not defined" in ll902[0]["message"]
    # training_step is line 6 of cell 4 (line 16 of the joined module)
    assert (ll902[0]["cell"], ll902[0]["line"], ll902[0]["column"]) == (4, 6, 9)


def test_a_crash_before_fit_names_the_cell_and_its_line(tmp_path, monkeypatch, capsys):
    folder = project(tmp_path)
    (folder / "samples.txt").write_text("forty\n")
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "notebooks/train.ipynb")
    assert code == 2, out + err
    assert "the entry point raised ValueError" in err
    assert "at notebooks/train.ipynb:cell 3:1, before `Trainer.fit`" in err
    assert 'File "train.ipynb", cell 3, line 1, in <module>' in err  # the traceback, by cell
    assert "_cells.py" not in err  # the script written for the run is never named


def test_a_cell_that_does_not_parse_stops_the_run_there(tmp_path, monkeypatch, capsys):
    project(tmp_path, data=DATA + "def broken(:\n")
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "notebooks/train.ipynb")
    assert code == 2, out + err
    assert "SyntaxError: cell 3 does not parse" in err
    assert "at notebooks/train.ipynb:cell 3:5" in err


def test_a_notebook_that_is_not_one_is_a_clear_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "train.ipynb").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:00\n")
    code, _, err = confirm(monkeypatch, capsys, tmp_path, "train.ipynb")
    assert code == 2
    assert "cannot run `train.ipynb`: not a readable notebook" in err
    assert "Traceback" not in err
