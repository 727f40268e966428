"""Pins anywhere in the project: the requirements or environment file nearest to the
linted file decides, then the root's, then the pins elsewhere when they agree. Shapes from
public repositories: a research repo whose ``code/requirements.txt`` pins
``pytorch-lightning==1.8.6`` next to its training script, a monorepo with one
``environment.yml`` per project folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from packaging.version import Version

from lightning_lint.linter import versions

OLD_SCRIPT = "import pytorch_lightning as pl\ntrainer = pl.Trainer(gpus=1, max_epochs=3)\ntrainer.fit(model)\n"


def write(root: Path, files) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def test_nearest_pin_wins_then_the_root(tmp_path):
    root = write(
        tmp_path,
        {
            ".git/HEAD": "",
            "requirements.txt": "lightning>=2.1\n",
            "old/requirements.txt": "pytorch-lightning==1.8.6\n",
            "old/deep/train.py": "",
            "new/train.py": "",
        },
    )
    old = versions.resolve(None, root, root / "old" / "deep")
    assert old.version == Version("1.8.6") and old.source == "old/requirements.txt: ==1.8.6"
    assert versions.resolve(None, root, root / "new").version == Version("2.6.6")
    assert versions.resolve(None, root, root).source == "requirements.txt: >=2.1"


def test_pins_elsewhere_count_only_when_they_agree(tmp_path):
    root = write(tmp_path, {".git/HEAD": "", "envs/environment.yml": "dependencies:\n  - pytorch-lightning=1.9.5\n"})
    assert versions.resolve(None, root, root / "src").version == Version("1.9.5")
    write(tmp_path, {"other/requirements.txt": "lightning==2.2.0\n"})
    assert versions.resolve(None, root, root / "src").version == Version("2.6.6")  # they disagree: newest


def test_lint_reads_the_subfolder_pin_and_says_which_file(tmp_path, lint):
    files = {"code/requirements.txt": "pytorch-lightning==1.8.6\n", "code/train.py": OLD_SCRIPT}
    assert [d.code for d in lint(files, "code/train.py")] == []
    found = lint({"code/requirements.txt": "pytorch-lightning==2.0.0\n", "code/train.py": OLD_SCRIPT}, "code/train.py")
    assert [d.code for d in found] == ["LL302"]
    assert "code/requirements.txt" in found[0].help


def test_verbose_names_the_deciding_file(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "code/requirements.txt": "pytorch-lightning==1.8.6\n",
            "code/train.py": OLD_SCRIPT,
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "check", "--verbose", "--no-cache", "code/train.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "target Lightning 1.8.6" in done.stderr and "decided by code/requirements.txt" in done.stderr, done.stderr
