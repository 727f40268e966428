"""Places named inside a notebook finding's text (``the loader at train.ipynb:8``, ``the
`try` block at line 25``), its related locations, and ``explain``'s report: all by cell,
never a line of the joined module (which a reader of the notebook cannot find)."""

from __future__ import annotations

import json
import re
from typing import List

import pytest

from lightning_lint.commands.cli import main as cli_main
from lightning_lint.model.notebook import read_notebook
from test_notebooks import check, notebook, write

CELLS = [
    ("markdown", "# Train\n"),
    (
        "code",
        "!pip install lightning --quiet\n%matplotlib inline\nimport torch\nimport lightning as L\n"
        "from torch.utils.data import DataLoader, TensorDataset\n",
    ),
    (
        "code",
        "class DM(L.LightningDataModule):\n"
        "    def train_dataloader(self):\n"
        "        return DataLoader(TensorDataset(torch.randn(40, 2)), batch_size=4, shuffle=True)\n"
        "    def val_dataloader(self):\n"
        "        return DataLoader(TensorDataset(torch.randn(40, 2)), batch_size=4)\n",
    ),
    (
        "code",
        "class M(L.LightningModule):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layer = torch.nn.Linear(2, 1)\n"
        "    def training_step(self, batch, index):\n"
        "        loss = self.layer(batch[0]).sum()\n"
        "        self.log('train_loss', loss)\n"
        "        return loss\n"
        "    def validation_step(self, batch, index):\n"
        "        self.log('val_los', self.layer(batch[0]).sum())\n"
        "    def configure_optimizers(self):\n"
        "        opt = torch.optim.SGD(self.parameters(), 0.1)\n"
        "        return [opt], [torch.optim.lr_scheduler.StepLR(opt, 1000)]\n",
    ),
    ("markdown", "## Fit"),
    (
        "code",
        "from lightning.pytorch.callbacks import ModelCheckpoint\n"
        "try:\n"
        "    import wandb\n"
        "    epochs = 3\n"
        "except ImportError:\n"
        "    epochs = 5\n",
    ),
    (
        "code",
        "trainer = L.Trainer(max_epochs=epochs, max_steps=100000, val_check_interval=0.5,\n"
        "                    callbacks=[ModelCheckpoint(monitor='val_loss')])\n"
        "trainer.fit(M(), datamodule=DM())\n",
    ),
]


def module_lines_leaked(text: str) -> List[str]:
    """Places in ``text`` that are not by cell: ``train.ipynb:<digits>`` and ``line N``
    not preceded by ``cell C,``."""
    leaks = re.findall(r"train\.ipynb:\d+", text)
    leaks += [m.group(0) for m in re.finditer(r"(?<!, )\bline \d+", text)]
    return leaks


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "train.ipynb", notebook(CELLS))
    return tmp_path


def test_the_module_and_cell_lines_differ():
    """The premise of these tests: the `try` of cell 6 is line 2 there, line 25 of the module."""
    nb = read_notebook(notebook(CELLS))
    assert nb.locate(25) == (6, 2)
    assert nb.where(25) == "cell 6, line 2"


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "sarif", "github", "gitlab", "junit"])
def test_messages_name_cell_lines_in_every_format(project, output_format):
    _, text = check(project, "train.ipynb", select=("ALL",), output_format=output_format)
    assert "LL003" in text and "LL207" in text
    if output_format in ("github", "junit"):  # they point at the file line of the code: not a leak
        text = re.sub(r"train\.ipynb:\d+:\d+:", "", text)
    assert "the `try` block at cell 6, line 2 completes" in text
    assert module_lines_leaked(text) == []


def test_help_and_message_are_rewritten_but_cells_kept(project):
    _, text = check(project, "train.ipynb", select=("ALL",), output_format="json")
    found = json.loads(text)
    ll003 = [d for d in found if d["code"] == "LL003"]
    assert {d["cell"] for d in ll003} == {7} and len(ll003) == 2
    assert all("cell 6, line 2" in d["message"] for d in ll003)


def test_sarif_related_locations_point_at_the_file_line_of_the_code(project):
    _, text = check(project, "train.ipynb", select=("LL207",), output_format="sarif")
    (result,) = json.loads(text)["runs"][0]["results"]
    related = result["relatedLocations"][0]["physicalLocation"]
    lines = (project / "train.ipynb").read_text().splitlines()
    # the related location is the `self.log('val_los', ...)` the finding suggests (cell 4, line 10)
    assert "self.log('val_los'" in lines[related["region"]["startLine"] - 1]
    assert related["artifactLocation"]["uri"] == "train.ipynb"


def test_explain_names_cells_everywhere(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert cli_main(["explain", "train.ipynb"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("train.ipynb:cell 7:1: Trainer(...) at train.ipynb:cell 7:1")
    assert "training: `fit` at cell 7, line 3" in out
    assert "train loader train.ipynb:cell 3:3" in out
    assert "StepLR stepped per epoch: no horizon (train.ipynb:cell 4:13)" in out
    assert "    cell 7:1: LL003 when the `try` block at cell 6, line 2" in out
    assert module_lines_leaked(out) == []

    assert cli_main(["explain", "train.ipynb", "--output-format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["cell"], report["line"]) == (7, 1)
    assert {(f["cell"], f["line"]) for f in report["findings"]} >= {(7, 1), (7, 2)}
    assert module_lines_leaked(json.dumps(report)) == []


def test_explain_a_cell_of_a_notebook(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert cli_main(["explain", "train.ipynb:cell 7:2"]) == 0
    assert capsys.readouterr().out.startswith("train.ipynb:cell 7:1: Trainer(...)")
