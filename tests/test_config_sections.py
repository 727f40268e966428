"""YAML sections a script loads and unpacks with ``**`` (extract/config_sections.py):
``ModelCheckpoint(**cfg.checkpoint)``, ``EarlyStopping(**config["early_stopping"])``,
``Trainer(**cfg.trainer)``. The section's keys become the call's arguments, placed at their
YAML positions; anything the linter cannot follow leaves the call open, as before."""

from __future__ import annotations

import contextlib
import io
import os
import time
from pathlib import Path

import pytest

from conftest import write_files
from lightning_lint.linter.engine import EXTRACTORS, Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver
from lightning_lint.model.sources import read_source

CONFIG = """
checkpoint:
  monitor: val_loss
  every_n_train_steps: 500
  save_top_k: 3
  sav_last: true
early_stopping:
  monitor: val_loss
  patiance: 3
trainer:
  max_epoch: 10
"""

LAUNCH = """
from omegaconf import OmegaConf
from lightning.pytorch import Trainer
from lightning.pytorch.callbacks import ModelCheckpoint

cfg = OmegaConf.load("configs/train.yaml")
checkpoint = ModelCheckpoint(**cfg.checkpoint)
trainer = Trainer(max_epochs=3, callbacks=[checkpoint])
trainer.fit(None)
"""


def project(root: Path, files) -> Linter:
    files = dict(files)
    files.setdefault("pyproject.toml", "[project]\nname = 'example'\n")
    write_files(root, files)
    return Linter(SettingsResolver(root, Overrides()))


def lint(root: Path, files, target: str, select=("LL301",)):
    linter = project(root, files)
    linter.resolver = SettingsResolver(root, Overrides(select=tuple(select)))
    return Linter(linter.resolver).lint_path(root / target, target).diagnostics


def extraction(root: Path, files, target: str):
    linter = project(root, files)
    path = root / target
    source = read_source(path, target)
    return EXTRACTORS[source.kind](source, linter.resolver.for_path(path), path, linter.projects.for_path(path))


def where(diagnostics):
    return sorted((d.path, d.span.start_line, d.key_path) for d in diagnostics)


def test_a_checkpoint_section_of_an_omegaconf_file(in_tmp):
    files = {"configs/train.yaml": CONFIG, "launch.py": LAUNCH}
    found = lint(in_tmp, files, "launch.py")
    assert where(found) == [("configs/train.yaml", 5, "checkpoint.sav_last")]
    assert found[0].fix is None  # a fix edits the linted file only
    [callback] = extraction(in_tmp, files, "launch.py").callbacks
    assert callback.get("every_n_train_steps").data == 500
    assert callback.get("every_n_train_steps").loc.path == "configs/train.yaml"
    assert callback.open_reason is None


def test_explain_sees_the_sections_trigger(in_tmp):
    from lightning_lint.commands.cli import main

    project(in_tmp, {"configs/train.yaml": CONFIG.replace("  sav_last: true\n", ""), "launch.py": LAUNCH})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["explain", "launch.py"])
    assert "ModelCheckpoint at line 6: every 500 optimizer steps" in out.getvalue()


@pytest.mark.parametrize(
    "load",
    [
        'import yaml\nconfig = yaml.safe_load(open("configs/train.yaml"))\n',
        'import yaml\nwith open("configs/train.yaml") as f:\n    config = yaml.safe_load(f)\n',
        'from omegaconf import OmegaConf\nconfig = OmegaConf.load("configs/train.yaml")\n',
    ],
)
def test_an_early_stopping_section_read_with_yaml(in_tmp, load):
    script = load + (
        'from lightning.pytorch.callbacks import EarlyStopping\nstopper = EarlyStopping(**config["early_stopping"])\n'
    )
    found = lint(in_tmp, {"configs/train.yaml": CONFIG, "scripts/train.py": script}, "scripts/train.py")
    # the script runs from the project root: the path is found above the script's folder
    assert where(found) == [("configs/train.yaml", 8, "early_stopping.patiance")]


def test_a_trainer_section_and_wrapped_sections(in_tmp):
    script = """
        from omegaconf import OmegaConf
        import lightning as L
        from lightning.pytorch.callbacks import ModelCheckpoint

        cfg = OmegaConf.load("configs/train.yaml")
        section = cfg.checkpoint
        ModelCheckpoint(**OmegaConf.to_container(section, resolve=True))
        L.Trainer(**dict(cfg.trainer)).fit(None)
    """
    found = lint(in_tmp, {"configs/train.yaml": CONFIG, "run.py": script}, "run.py")
    assert where(found) == [
        ("configs/train.yaml", 5, "checkpoint.sav_last"),
        ("configs/train.yaml", 10, "trainer.max_epoch"),
    ]


def test_a_hydra_main_config(in_tmp):
    files = {
        "conf/train.yaml": """
            defaults:
              - _self_
              - callbacks: default
            trainer:
              max_epochs: 3
        """,
        "conf/callbacks/default.yaml": """
            checkpoint:
              monitor: val/loss
              every_n_epochs: 1
              save_top_k: 2
              mode: minimum
        """,
        "train.py": """
            import hydra
            from lightning.pytorch.callbacks import ModelCheckpoint

            @hydra.main(version_base=None, config_path="conf", config_name="train")
            def main(cfg):
                checkpoint = ModelCheckpoint(**cfg.callbacks.checkpoint)
        """,
    }
    [callback] = extraction(in_tmp, files, "train.py").callbacks
    assert callback.get("every_n_epochs").data == 1
    assert callback.get("mode").loc.path == os.path.join("conf", "callbacks", "default.yaml")
    assert callback.get("mode").key_path == "callbacks.checkpoint.mode"


def test_a_noqa_comment_in_the_yaml_silences_the_finding(in_tmp):
    config = CONFIG.replace("  sav_last: true", "  sav_last: true  # noqa: LL301")
    assert lint(in_tmp, {"configs/train.yaml": config, "launch.py": LAUNCH}, "launch.py") == []


def test_an_edit_of_the_yaml_file_invalidates_the_cached_findings(in_tmp):
    from lightning_lint.linter import run as checker
    from lightning_lint.linter.run import CheckOptions

    project(in_tmp, {"configs/train.yaml": CONFIG, "launch.py": LAUNCH})

    def keys():
        run = checker.lint(CheckOptions(paths=["launch.py"], select=("LL301",)), cwd=in_tmp, log=io.StringIO())
        return [d.key_path for d in run.diagnostics]

    assert keys() == ["checkpoint.sav_last"]
    assert keys() == ["checkpoint.sav_last"]  # from the cache
    path = in_tmp / "configs/train.yaml"
    path.write_text(CONFIG.replace("sav_last", "save_last"), encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert keys() == []


# -- negatives: the call stays open -----------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        # a section the file does not have
        "cfg = OmegaConf.load('configs/train.yaml')\nModelCheckpoint(**cfg.checkpoints)\n",
        # changed before the call
        "cfg = OmegaConf.load('configs/train.yaml')\ncfg.checkpoint.save_top_k = 1\nModelCheckpoint(**cfg.checkpoint)\n",
        "cfg = OmegaConf.load('configs/train.yaml')\ncfg.merge_with(other)\nModelCheckpoint(**cfg.checkpoint)\n",
        "cfg = OmegaConf.load('configs/train.yaml')\ncfg['checkpoint'] = {}\nModelCheckpoint(**cfg.checkpoint)\n",
        # loaded twice, or from a path known only at run time
        "cfg = OmegaConf.load('configs/train.yaml')\ncfg = OmegaConf.load('b.yaml')\nModelCheckpoint(**cfg.checkpoint)\n",
        "import sys\ncfg = OmegaConf.load(sys.argv[1])\nModelCheckpoint(**cfg.checkpoint)\n",
        # a missing file
        "cfg = OmegaConf.load('configs/other.yaml')\nModelCheckpoint(**cfg.checkpoint)\n",
        # **kwargs of unknown origin
        "def build(kwargs):\n    return ModelCheckpoint(**kwargs)\n",
        "def build(cfg):\n    return ModelCheckpoint(**cfg.checkpoint)\n",
    ],
)
def test_sections_that_cannot_be_read_leave_the_call_open(in_tmp, script):
    script = "from omegaconf import OmegaConf\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n" + script
    files = {"configs/train.yaml": CONFIG, "launch.py": script}
    assert lint(in_tmp, files, "launch.py") == []
    [callback] = extraction(in_tmp, files, "launch.py").callbacks
    assert callback.open_reason and callback.get("every_n_train_steps").unknown


def test_an_interpolated_value_stays_unknown(in_tmp):
    config = "checkpoint:\n  every_n_train_steps: ${steps}\n  monitor: val_loss\n"
    [callback] = extraction(in_tmp, {"configs/train.yaml": config, "launch.py": LAUNCH}, "launch.py").callbacks
    assert callback.get("every_n_train_steps").unknown
    assert callback.get("monitor").data == "val_loss"
