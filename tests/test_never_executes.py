"""The static check never imports, executes or evaluates the code it reads.

Every file of the project below would leave a marker file if it ran: at import, as a
script, through a YAML ``!!python/...`` tag, a Hydra ``_target_`` or a LightningCLI
``class_path``, or by shadowing a library the linter imports. ``check``, ``--fix``,
``--diff``, ``--add-noqa`` and ``explain`` run over it, inside an audit hook that also
records every process started and every code object executed from the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

MARK = "MARK = __import__('pathlib').Path(__file__).resolve().parent.parent / 'markers'\nMARK.mkdir(exist_ok=True)\n"


def marker(name: str) -> str:
    return MARK + f"(MARK / {name!r}).write_text('ran')\n"


def build_project(root: Path) -> Path:
    project = root / "project"
    files = {
        "pyproject.toml": "[project]\nname = 'victim'\ndependencies = ['lightning>=2.0']\n",
        # setup.py is read for version pins: as text, never run
        "setup.py": marker("setup") + "from setuptools import setup\nsetup(install_requires=['lightning>=2.0'])\n",
        "evil.py": marker("import-evil") + "class Callback:\n    pass\nx = 1\n",
        "train.py": "import evil\nfrom lightning import Trainer\n"
        "from lightning.pytorch.callbacks import ModelCheckpoint\n"
        + marker("train-module")
        + "trainer = Trainer(gpus=2, max_epochs=eval('1'), callbacks=[ModelCheckpoint(period=2)])\n"
        + "trainer.fit(evil.x)\n"
        + "if __name__ == '__main__':\n    "
        + marker("train-main").replace("\n", "\n    ")
        + "\n",
        "model.py": "import lightning as L\n"
        + marker("model")
        + textwrap.dedent("""\
            class Model(L.LightningModule):
                def training_step(self, batch, batch_idx):
                    self.log("train_loss", __import__("os").system("touch markers/log"))
            """),
        "conftest.py": marker("conftest"),
        "__init__.py": marker("package-init"),
        # files named like the libraries lightning-lint imports: `python -m lightning_lint`
        # from this folder must not pick them up
        "yaml.py": marker("shadow-yaml"),
        "pathspec.py": marker("shadow-pathspec"),
        "packaging.py": marker("shadow-packaging"),
        "libcst.py": marker("shadow-libcst"),
        "lightning.py": marker("shadow-lightning"),
        "torch.py": marker("shadow-torch"),
        "cli_config.yaml": textwrap.dedent("""\
            trainer:
              gpus: 2
              max_epochs: !!python/object/apply:os.system ["touch markers/yaml-apply"]
              plugins: !!python/object/new:subprocess.Popen [["touch", "markers/yaml-new"]]
              default_root_dir: !!python/name:evil.x
              logger: !!python/module:evil
              callbacks:
                - class_path: evil.Callback
                  init_args: {period: 2}
            model:
              class_path: evil.Callback
            """),
        "configs/train.yaml": textwrap.dedent("""\
            defaults:
              - _self_
            trainer:
              _target_: lightning.pytorch.Trainer
              gpus: 2
              max_epochs: ${oc.env:HOME}
            callbacks:
              evil:
                _target_: os.system
                _args_: ["touch markers/hydra"]
            """),
    }
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project


HARNESS = """
import json, os, sys
PROJECT = os.path.realpath(sys.argv[1])
seen = []

def in_project(filename):
    return os.path.isabs(filename) and os.path.realpath(filename).startswith(PROJECT + os.sep)

def hook(event, args):
    if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                 "os.forkpty", "pty.spawn"):
        seen.append([event, repr(args)[:200]])
    elif event == "exec":
        filename = getattr(args[0], "co_filename", "") or ""
        if in_project(filename):
            seen.append([event, filename])
    elif event == "import":
        filename = args[1] or ""
        if in_project(str(filename)):
            seen.append([event, args[0]])

sys.addaudithook(hook)
from lightning_lint.commands.cli import main
codes = []
for argv in (["--select", "ALL", "."], ["--select", "ALL", "--diff", "."],
             ["--select", "ALL", "--fix", "--unsafe-fixes", "."], ["--select", "ALL", "--add-noqa", "."],
             ["explain", "train.py"], ["explain", "cli_config.yaml"], ["explain", "configs/train.yaml"]):
    codes.append(main(argv))
print(json.dumps({"codes": codes, "seen": seen, "modules": sorted(m for m in sys.modules if m.split(".")[0] in
      ("torch", "lightning", "pytorch_lightning", "evil", "train", "model", "hydra", "omegaconf", "jsonargparse"))}))
"""


def test_nothing_in_the_project_runs(tmp_path):
    project = build_project(tmp_path)
    harness = tmp_path / "harness"
    harness.mkdir()
    (harness / "run.py").write_text(HARNESS)
    result = subprocess.run(
        [sys.executable, str(harness / "run.py"), str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, NO_COLOR="1"),
    )
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["seen"] == []  # no process started, no project code executed or imported
    assert report["modules"] == []  # neither the project's modules nor torch/lightning/hydra loaded
    assert report["codes"][0] == 1  # the check did find things (gpus=2, period=2, ...)
    assert not (tmp_path / "markers").exists(), sorted(p.name for p in (tmp_path / "markers").iterdir())
    # --fix did its job on the text all the same
    assert 'accelerator="gpu", devices=2' in (project / "train.py").read_text()


def test_python_dash_m_ignores_the_current_folder(tmp_path):
    """Shadow modules (yaml.py, libcst.py, ...) in the folder it runs from are not imported."""
    project = build_project(tmp_path)
    for argv in ([], ["--fix"], ["explain", "cli_config.yaml"]):
        result = subprocess.run(
            [sys.executable, "-m", "lightning_lint", *argv] + ([] if argv else ["."]),
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ, NO_COLOR="1"),
        )
        assert "Traceback" not in result.stderr, result.stderr
        # explain on a config whose own loader refuses its !!python tags says so (exit 2)
        refused = argv[:1] == ["explain"] and "cannot load this file" in result.stderr
        assert result.returncode in (0, 1) or refused, result.stderr
    assert not (tmp_path / "markers").exists(), sorted(p.name for p in (tmp_path / "markers").iterdir())


def test_yaml_is_composed_never_constructed():
    """The loader only composes nodes; a tag is kept as text, never resolved to an object."""
    from lightning_lint.extract import yaml
    from lightning_lint.model.sources import YAML, SourceFile

    text = "a: !!python/object/apply:os.system ['exit 3']\nb: !!python/name:os.system\nc: !custom 5\n"
    [document] = yaml.load(SourceFile("t.yaml", text, YAML))
    a, b, c = (document.root.get(k) for k in "abc")
    assert a.kind == "seq" and a.tag == "tag:yaml.org,2002:python/object/apply:os.system"
    assert b.kind == "scalar" and b.scalar() == "" and b.tag == "tag:yaml.org,2002:python/name:os.system"
    assert c.scalar() == "5" and c.tag == "!custom"
