"""``--add-noqa`` on a notebook: ``# noqa: CODES`` goes to the flagged line inside the
cell's source in the notebook JSON; every other byte stays; a second run adds nothing."""

from __future__ import annotations

import json

import pytest

from test_notebooks import COLAB, check, findings, notebook, write

UNPINNED = [c if "!pip" not in c[1] else ("code", "!pip install lightning") for c in COLAB]
FLAGGED = '"trainer = pl.Trainer(gpus=1, max_epochs=3, progress_bar_refresh_rate=20)\\n"'
NOQA = '"trainer = pl.Trainer(gpus=1, max_epochs=3, progress_bar_refresh_rate=20)  # noqa: LL302\\n"'


@pytest.mark.parametrize("indent", [1, 2])
def test_add_noqa_edits_the_flagged_cell_line_and_keeps_every_other_byte(tmp_path, indent, capsys):
    before = notebook(UNPINNED, indent=indent)
    path = write(tmp_path, "train.ipynb", before)
    assert [(d["cell"], d["line"]) for d in findings(tmp_path, "train.ipynb")] == [(5, 2), (5, 2)]
    check(tmp_path, "train.ipynb", add_noqa=True)
    after = path.read_text(encoding="utf-8")
    assert before.count(FLAGGED) == 1
    assert after == before.replace(FLAGGED, NOQA)  # outputs, images, counts, "█", the last newline kept
    assert findings(tmp_path, "train.ipynb") == []
    again = path.read_bytes()
    check(tmp_path, "train.ipynb", add_noqa=True)
    assert path.read_bytes() == again  # idempotent


def test_add_noqa_reports_the_count_and_merges_with_a_noqa_there(tmp_path):
    cells = [
        ("code", "!pip install lightning\nimport lightning as L\n"),
        ("markdown", "## Two Trainers"),
        ("code", "a = L.Trainer(gpus=1)  # noqa: LL101\nb = L.Trainer(progress_bar_refresh_rate=2)\n"),
    ]
    before = notebook(cells)
    path = write(tmp_path, "train.ipynb", before)
    _, out = check(tmp_path, "train.ipynb", add_noqa=True)
    assert "Added 2 noqa directives." in out
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][2]["source"]
    assert source == [
        "a = L.Trainer(gpus=1)  # noqa: LL101, LL302\n",
        "b = L.Trainer(progress_bar_refresh_rate=2)  # noqa: LL302\n",
    ]
    assert json.loads(path.read_text())["cells"][0] == json.loads(before)["cells"][0]


def test_add_noqa_on_a_one_string_source_without_a_last_newline(tmp_path):
    document = json.loads(notebook(COLAB[:3]))
    document["cells"][1]["source"] = "!pip install lightning"
    document["cells"].append(
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "pl.Trainer(gpus=1)"}
    )
    before = json.dumps(document, indent=1)
    path = write(tmp_path, "train.ipynb", before)
    check(tmp_path, "train.ipynb", add_noqa=True)
    after = path.read_text()
    assert after == before.replace('"pl.Trainer(gpus=1)"', '"pl.Trainer(gpus=1)  # noqa: LL302"')
