"""Jupyter notebooks: read as the module of their code cells, findings by cell, fixes
written back into the cell's source with every other byte kept."""

from __future__ import annotations

import io
import json
from typing import List, Tuple

import pytest

from lightning_lint.commands.check import run
from lightning_lint.linter.run import CheckOptions
from lightning_lint.model.notebook import NotebookError, mask, read_notebook, scan_json

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def notebook(cells: List[Tuple[str, str]], indent: int = 1, language: str = "python") -> str:
    """A notebook written the way Jupyter writes one (one-space indent, sources as lists
    of lines, outputs with an image, execution counts, non-ASCII text kept)."""
    out = []
    for number, (kind, text) in enumerate(cells, 1):
        cell = {"cell_type": kind, "metadata": {"id": f"c{number}"}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = number
            cell["outputs"] = [
                {
                    "output_type": "display_data",
                    "data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                    "metadata": {"needs_background": "light"},
                },
                {"output_type": "stream", "name": "stdout", "text": ["Epoch 0: 100%|██████████| 1875/1875\n"]},
            ]
        out.append(cell)
    document = {
        "cells": out,
        "metadata": {
            "accelerator": "GPU",
            "colab": {"provenance": []},
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
        },
        "nbformat": 4,
        "nbformat_minor": 0,
    }
    return json.dumps(document, indent=indent, ensure_ascii=False) + "\n"


COLAB = [
    ("markdown", "# MNIST with Lightning\nInstall first.\n"),
    ("code", "!pip install pytorch-lightning==1.9.5 torchvision --quiet\n%matplotlib inline\n%load_ext tensorboard"),
    (
        "code",
        "import pytorch_lightning as pl\n"
        "from torch.utils.data import DataLoader\n"
        "\n"
        "class MNISTDataModule(pl.LightningDataModule):\n"
        "    def train_dataloader(self):\n"
        "        return DataLoader(self.train_set, batch_size=64)\n",
    ),
    ("markdown", "## Train"),
    (
        "code",
        "%%time\n"
        "trainer = pl.Trainer(gpus=1, max_epochs=3, progress_bar_refresh_rate=20)\n"
        "trainer.fit(model, datamodule=MNISTDataModule())",
    ),
    ("code", "trainer?"),
]


def check(root, *paths, **options):
    out = io.StringIO()
    code = run(CheckOptions(paths=[str(root / p) for p in paths], color=False, **options), stdout=out, cwd=root)
    return code, out.getvalue()


def findings(root, *paths, **options):
    _, text = check(root, *paths, output_format="json", **options)
    return json.loads(text)


def write(root, name, text):
    (root / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


# -- reading ---------------------------------------------------------------------------


def test_code_cells_join_into_one_module_with_a_line_map():
    nb = read_notebook(notebook(COLAB))
    assert nb.module.splitlines()[0] == "pass"  # `!pip install ...`, masked
    assert nb.locate(3) == (2, 3)  # `%load_ext tensorboard`, cell 2 line 3
    assert nb.locate(4) == (3, 1)  # the import of cell 3 (the markdown cell 1 counts)
    line = nb.module_line(5, 2)
    assert nb.module.splitlines()[line - 1].startswith("trainer = pl.Trainer(gpus=1")
    assert next(text for _, _, text in nb.magic_lines()).startswith("!pip install pytorch-lightning==1.9.5")


@pytest.mark.parametrize(
    "cell, masked",
    [
        ("!nvidia-smi\nx = 1", [1]),
        ("files = !ls data\nx = 1", [1]),
        ("if True:\n    !pip install -q \\\n        torch\nx = 1", [2, 3]),
        ("%%bash\necho hi\nls", [1, 2, 3]),
        ("%%writefile data.py\n\nclass DM:\n    x = 1\n", [1, 3, 4]),
        ("%%wandb\nif True:\n    x = 1", [1]),
        ("ls ./embeddings/\ncd ..\nx = 1", [1, 2]),
        ("%%time\nx = 1", [1]),
        ("%%capture\n! pip install neuralforecast\nx = 1", [1, 2]),
        ("?pl.Trainer", [1]),
        ("pl.Trainer??", [1]),
    ],
)
def test_ipython_syntax_is_masked_and_the_rest_kept(cell, masked):
    text, found = mask(cell)
    assert found == masked
    compile(text, "<cell>", "exec")
    assert len(text.split("\n")) == len(cell.split("\n"))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{", "not valid JSON"),
        ('{"cells": []}', "nbformat is missing"),
        ('{"nbformat": 3, "cells": []}', "nbformat is 3"),
        ('{"nbformat": 4, "cells": [{"source": "x"}]}', "no cell_type"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}', "not text"),
        ("[" * 10000 + "]" * 10000, "nested deeper"),
        ('{"nbformat": 4, "cells": []} x', "extra data"),
    ],
)
def test_broken_notebooks_are_a_clear_reason(text, reason):
    with pytest.raises(NotebookError, match=reason):
        read_notebook(text)


def test_the_scanner_agrees_with_json():
    text = notebook(COLAB, indent=2)
    node = scan_json(text)
    cells = node.get("cells")
    assert cells is not None and cells.items is not None
    assert json.loads(text[cells.start : cells.end]) == json.loads(text)["cells"]


# -- linting ---------------------------------------------------------------------------


def test_colab_notebook_is_linted_by_cell_and_its_own_pin_is_the_target(tmp_path):
    write(tmp_path, "train.ipynb", notebook(COLAB))
    # pinned to 1.9.5 by its own `!pip install`: gpus= is fine there, progress_bar_refresh_rate
    # was removed in 1.7
    found = findings(tmp_path, "train.ipynb")
    assert [(d["code"], d["cell"], d["line"], d["key_path"]) for d in found] == [
        ("LL302", 5, 2, "progress_bar_refresh_rate")
    ]
    unpinned = [c if "!pip" not in c[1] else ("code", "!pip install pytorch-lightning") for c in COLAB]
    write(tmp_path, "train.ipynb", notebook(unpinned))
    found = findings(tmp_path, "train.ipynb")
    assert [(d["code"], d["cell"], d["line"], d["column"]) for d in found] == [
        ("LL302", 5, 2, 22),
        ("LL302", 5, 2, 44),
    ]
    _, text = check(tmp_path, "train.ipynb", output_format="concise")
    assert "train.ipynb:cell 5:2:22: LL302" in text
    _, text = check(tmp_path, "train.ipynb", output_format="full")
    assert "2 | trainer = pl.Trainer(gpus=1" in text  # the frame shows the cell's own lines


def test_target_version_setting_beats_the_notebook_pin(tmp_path):
    write(tmp_path, "train.ipynb", notebook(COLAB))
    found = findings(tmp_path, "train.ipynb", target_version="2.6")
    assert {d["key_path"] for d in found} == {"gpus", "progress_bar_refresh_rate"}


def test_a_broken_cell_is_named_and_the_others_are_still_linted(tmp_path):
    cells = COLAB[:4] + [("code", "def broken(:\n    pass")] + COLAB[4:]
    write(tmp_path, "train.ipynb", notebook(cells))
    found = findings(tmp_path, "train.ipynb")
    assert [(d["code"], d["cell"]) for d in found] == [("LL900", 5), ("LL302", 6)]
    assert "cell 5 does not parse" in found[0]["message"]


@pytest.mark.parametrize("text", ["{", '{"nbformat": 3, "cells": []}', "\x00\x01"])
def test_a_broken_notebook_is_ll901_not_a_traceback(tmp_path, text):
    write(tmp_path, "train.ipynb", text)
    found = findings(tmp_path, "train.ipynb")
    assert [d["code"] for d in found] == ["LL901"]


def test_check_dot_includes_notebooks_and_extend_exclude_drops_them(tmp_path):
    (tmp_path / "nb").mkdir()
    write(tmp_path, "nb/train.ipynb", notebook(COLAB))
    assert [d["path"] for d in findings(tmp_path, ".")] == ["nb/train.ipynb"]
    (tmp_path / "pyproject.toml").write_text("[tool.lightning-lint]\nextend-exclude = ['*.ipynb']\n")
    assert findings(tmp_path, ".") == []


def test_noqa_and_per_file_ignores_work_on_notebooks(tmp_path):
    cells = [
        c if not c[1].startswith("%%time") else ("code", c[1].replace("=20)", "=20)  # noqa: LL302")) for c in COLAB
    ]
    write(tmp_path, "train.ipynb", notebook(cells))
    assert findings(tmp_path, "train.ipynb") == []
    write(tmp_path, "train.ipynb", notebook(COLAB))
    (tmp_path / "pyproject.toml").write_text("[tool.lightning-lint.per-file-ignores]\n'*.ipynb' = ['LL302']\n")
    assert findings(tmp_path, "train.ipynb") == []


def test_project_facts_see_a_notebooks_datamodule(tmp_path):
    """A script that trains a DataModule defined in a notebook: the facts know the class."""
    from lightning_lint.linter import project_facts
    from lightning_lint.linter.settings import SettingsResolver

    write(tmp_path, "train.ipynb", notebook(COLAB))
    facts = project_facts.gather(tmp_path, SettingsResolver(tmp_path))
    assert facts.files_parsed == 1
    assert "MNISTDataModule" in facts.lightning_classes


def test_ci_formats_point_at_the_file_line_of_the_code(tmp_path):
    unpinned = [c if "!pip" not in c[1] else ("code", "!pip install lightning") for c in COLAB]
    path = write(tmp_path, "train.ipynb", notebook(unpinned))
    file_lines = path.read_text().splitlines()
    _, text = check(tmp_path, "train.ipynb", output_format="github", select=("LL302",))
    first = text.splitlines()[0]
    line = int(first.split("line=")[1].split(",")[0])
    assert "pl.Trainer(gpus=1" in file_lines[line - 1]
    assert "cell 5, line 2, column 22:" in first
    _, text = check(tmp_path, "train.ipynb", output_format="sarif", select=("LL302",))
    region = json.loads(text)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line
    _, text = check(tmp_path, "train.ipynb", output_format="gitlab", select=("LL302",))
    assert json.loads(text)[0]["location"]["lines"]["begin"] == line
    _, text = check(tmp_path, "train.ipynb", output_format="junit", select=("LL302",))
    assert f'line="{line}"' in text


# -- fixes -------------------------------------------------------------------------------


@pytest.mark.parametrize("indent", [1, 2, 4])
def test_fix_edits_only_the_cell_source_and_keeps_every_other_byte(tmp_path, indent):
    unpinned = [c if "!pip" not in c[1] else ("code", "!pip install lightning") for c in COLAB]
    before = notebook(unpinned, indent=indent)
    path = write(tmp_path, "train.ipynb", before)
    check(tmp_path, "train.ipynb", fix=True)
    after = path.read_text(encoding="utf-8")
    old_line = '"trainer = pl.Trainer(gpus=1, max_epochs=3, progress_bar_refresh_rate=20)\\n"'
    new_line = '"trainer = pl.Trainer(accelerator=\\"gpu\\", devices=1, max_epochs=3, progress_bar_refresh_rate=20)\\n"'
    assert before.count(old_line) == 1
    assert after == before.replace(old_line, new_line)  # outputs, counts, metadata, "█" all kept
    assert json.loads(after)["cells"][4]["outputs"] == json.loads(before)["cells"][4]["outputs"]
    again = path.read_bytes()
    check(tmp_path, "train.ipynb", fix=True)
    assert path.read_bytes() == again  # idempotent


def test_fix_of_a_one_string_source(tmp_path):
    document = json.loads(notebook(COLAB[:3]))
    document["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "trainer = pl.Trainer(gpus=1)\ntrainer.fit(model)",
        }
    )
    document["cells"][1]["source"] = "!pip install lightning"
    before = json.dumps(document)
    path = write(tmp_path, "train.ipynb", before)
    check(tmp_path, "train.ipynb", fix=True)
    after = path.read_text()
    assert json.loads(after)["cells"][3]["source"] == (
        'trainer = pl.Trainer(accelerator="gpu", devices=1)\ntrainer.fit(model)'
    )
    start = before.index('"trainer = pl.Trainer(gpus=1)')
    assert after[:start] == before[:start]
    assert after.endswith(before[before.index("trainer.fit(model)") + len('trainer.fit(model)"') :])


def test_explain_a_notebooks_trainer(tmp_path, capsys, monkeypatch):
    from lightning_lint.commands.cli import main

    write(tmp_path, "train.ipynb", notebook(COLAB))
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "train.ipynb"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("train.ipynb:cell 5:2: ")
    assert "progress_bar_refresh_rate" in out and "gpus" not in out.split("findings:")[1]  # pinned to 1.9.5


def test_results_cache_keeps_the_cell(tmp_path):
    write(tmp_path, "train.ipynb", notebook(COLAB))
    first = findings(tmp_path, "train.ipynb", no_cache=False)
    second = findings(tmp_path, "train.ipynb", no_cache=False)
    assert first == second and first[0]["cell"] == 5
