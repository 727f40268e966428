"""The real pre-commit runs the hook from this repository (``pre-commit try-repo``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


def _git(cwd, *args):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env=dict(
            os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t"
        ),
    )


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory):
    if not Path(PRE_COMMIT).exists():
        pytest.skip("pre-commit is not installed")
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(project: Path, home: Path, hook: str = "lightning-lint"):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home))
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(REPO), hook, "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_hook_fails_on_bad_file_and_passes_on_good(tmp_path, hook_home):
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "train.py").write_text("import lightning as L\nL.Trainer(gpus=2, max_epochs=3)\n")
    (project / "conf.yaml").write_text("trainer:\n  max_epochs: 3\n")
    _git(project, "add", ".")
    bad = _try_repo(project, hook_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "LL302" in bad.stdout
    (project / "train.py").write_text("import lightning as L\nL.Trainer(accelerator='gpu', devices=2, max_epochs=3)\n")
    _git(project, "add", ".")
    good = _try_repo(project, hook_home)
    assert good.returncode == 0, good.stdout + good.stderr


def test_installing_the_hook_does_not_install_torch(tmp_path):
    """pre-commit installs the package with pip: resolve that install and look at it."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.skip(f"pip could not resolve the install (offline?): {result.stderr[-300:]}")
    import json

    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "lightning-lint" in names and "libcst" in names and "pyyaml" in names
    assert not names & {"torch", "lightning", "pytorch-lightning", "numpy"}, names


def test_fix_hook_rewrites_and_fails(tmp_path, hook_home):
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "train.py").write_text("import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False)\n")
    _git(project, "add", ".")
    result = _try_repo(project, hook_home, "lightning-lint-fix")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "use_distributed_sampler=False" in (project / "train.py").read_text()


def test_hook_runs_on_notebooks(tmp_path, hook_home):
    """`types_or` includes jupyter: a notebook's Trainer is checked by the hook."""
    import json

    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
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
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (project / "train.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    _git(project, "add", ".")
    bad = _try_repo(project, hook_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "train.ipynb:cell 2:3:" in bad.stdout and "LL302" in bad.stdout
