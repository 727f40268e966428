"""`confirm` judges LL701-LL703 on the schedulers the dry fit really built
(``trainer.lr_scheduler_configs``), with the measured figures in the message. Each test
runs a tiny fit under the probe on the CPU (a few seconds each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import write_files
from lightning_lint.commands.cli import main as cli_main
from lightning_lint.confirm import schedule as lr_schedules
from lightning_lint.confirm.runner import ProbeRun

MODULE = """
import os

import lightning.pytorch as pl
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR
from torch.utils.data import DataLoader, TensorDataset


class Net(pl.LightningModule):
    def __init__(self, horizon=10):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.horizon = horizon

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(64, 4)), batch_size=4)  # 16 batches

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
"""


def project(tmp_path: Path, body: str, trainer: str = "max_epochs=10", model: str = "Net()", extra: str = "") -> Path:
    lines = "".join("        " + line + "\n" for line in body.strip("\n").split("\n"))
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "model.py": MODULE + lines + extra,
            "train.py": "import lightning.pytorch as pl\nfrom model import Net\n\n"
            f"pl.Trainer({trainer}, logger=False, enable_checkpointing=False).fit({model})\n",
        },
    )
    return tmp_path


def confirm(monkeypatch, capsys, cwd: Path) -> List[Dict]:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("LIGHTNING_LINT_OUTPUT_FORMAT", raising=False)
    capsys.readouterr()
    code = cli_main(["confirm", "train.py", "--output-format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return json.loads(out)


def codes(found: List[Dict]) -> List[str]:
    return sorted(d["code"] for d in found)


@pytest.mark.lightning
def test_overrun_is_confirmed_with_the_measured_horizon(tmp_path, monkeypatch, capsys):
    """OneCycleLR over 100 steps in a run of 160 (10 epochs x 16): raises at step 101."""
    root = project(
        tmp_path,
        's = OneCycleLR(opt, max_lr=0.1, total_steps=100)\nreturn {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}',
    )
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == ["LL701"]
    (ll701,) = found
    assert ll701["confirmed"] is True and ll701["severity"] == "error"
    assert "the run steps it 160 times: raises `ValueError: Tried to step 101 times" in ll701["message"]
    assert "at optimizer step 101" in ll701["message"]
    assert "measured: OneCycleLR total_steps=100, interval=step, frequency=1" in ll701["message"]


@pytest.mark.lightning
def test_unfinished_horizon_the_static_check_cannot_read(tmp_path, monkeypatch, capsys):
    """T_max comes from the environment: the static check is silent, the run knows it."""
    root = project(
        tmp_path,
        "return [opt], [CosineAnnealingLR(opt, T_max=self.horizon)]",
        model='Net(horizon=int(os.environ.get("LL_TEST_T_MAX", "50")))',
    )
    (root / "train.py").write_text("import os\n" + (root / "train.py").read_text())
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == ["LL702"]
    message = found[0]["message"]
    assert found[0]["confirmed"] is True
    assert "CosineAnnealingLR over 50 epochs, stepped per epoch; the run steps it 10 times: only 20%" in message
    assert "measured: CosineAnnealingLR T_max=50, interval=epoch, frequency=1" in message


@pytest.mark.lightning
def test_interval_mismatch_is_confirmed_with_the_real_run_figures(tmp_path, monkeypatch, capsys):
    """total_steps=estimated_stepping_batches stepped per epoch: the dry run builds it over
    its own 2 steps; the configured run has 160 optimizer steps and steps it 10 times."""
    root = project(
        tmp_path, "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\nreturn [opt], [s]"
    )
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == ["LL703"]
    (ll703,) = found
    assert ll703["confirmed"] is True and ll703["path"] == "model.py"
    assert "OneCycleLR: its horizon counts optimizer steps but the real run steps it once per epoch" in ll703["message"]
    assert "the run steps it 10 times (10 epochs) of 160" in ll703["message"]
    assert "measured: OneCycleLR total_steps=2, interval=epoch, frequency=1" in ll703["message"]
    assert "160 in the configured run (2 in the dry run)" in ll703["message"]


@pytest.mark.lightning
def test_static_interval_mismatch_refuted_by_the_figures(tmp_path, monkeypatch, capsys):
    """`num_steps` reads as a step count, so the static LL703 fires; the run's T_max=10 is
    its 10 epochs (not its 160 steps), stepped per epoch: withdrawn (LL903)."""
    root = project(
        tmp_path,
        "return [opt], [CosineAnnealingLR(opt, T_max=self.num_steps)]",
        extra="\n    @property\n    def num_steps(self):\n        return self.horizon\n",
        model="Net(horizon=10)",
    )
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == ["LL903"]
    assert found[0]["message"].startswith("LL703 (lr-schedule-interval-mismatch) withdrawn")
    assert "measured: CosineAnnealingLR T_max=10, interval=epoch" in found[0]["message"]
    assert "10 is the run's max_epochs (its optimizer steps: 160)" in found[0]["message"]


@pytest.mark.lightning
def test_horizon_from_the_dry_runs_limits_decides_nothing(tmp_path, monkeypatch, capsys):
    """A horizon read from the Trainer in `setup` is the dry run's figure (2): the probe
    cannot tell it from a written 2, so confirm stays quiet (no false LL701)."""
    root = project(
        tmp_path,
        's = CosineAnnealingLR(opt, T_max=self.t_max)\nreturn {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}',
        extra="\n    def setup(self, stage):\n        self.t_max = self.trainer.estimated_stepping_batches\n",
    )
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == []


@pytest.mark.lightning
def test_matching_horizon_stays_quiet(tmp_path, monkeypatch, capsys):
    root = project(
        tmp_path,
        "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
        'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}',
    )
    monkeypatch.chdir(root)
    capsys.readouterr()
    assert cli_main(["confirm", "train.py"]) == 0
    out = capsys.readouterr().out
    assert "OneCycleLR total_steps=2, interval=step, frequency=1: the run steps it 160 times: the schedule ends" in out


# -- reading the probe's record (no Lightning) ---------------------------------------------------


def _run(configs: List[Dict], dry: Dict) -> ProbeRun:
    return ProbeRun(events=[{"event": "schedulers", "configs": configs, "dry": dry}])


def test_transformers_warmup_schedule_horizon_from_the_partial():
    """transformers' get_linear_schedule_with_warmup returns LambdaLR(opt, partial(
    _get_linear_schedule_with_warmup_lr_lambda, num_warmup_steps=..., num_training_steps=...))
    (transformers 4.x optimization.py)."""
    lam = {
        "name": "_get_linear_schedule_with_warmup_lr_lambda",
        "keywords": {"num_warmup_steps": 10, "num_training_steps": 500},
    }
    config = {"scheduler": {"kind": "LambdaLR", "lambdas": [lam]}, "interval": "step", "frequency": 1}
    found = lr_schedules.read(_run([config], {}))
    assert found is not None
    (m,) = found[0]
    assert (m.kind, m.horizon, m.end) == ("get_linear_schedule_with_warmup", 500, "zero")
    plain = {"scheduler": {"kind": "LambdaLR", "lambdas": [{"name": "<lambda>"}]}, "interval": "step"}
    found = lr_schedules.read(_run([plain], {}))
    assert found is not None and found[0][0].horizon is None
    assert "horizon not readable" in found[0][0].figures()


def test_sequential_scheduler_horizon_is_its_last_milestone_plus_the_last_part():
    config = {
        "scheduler": {
            "kind": "SequentialLR",
            "milestones": [5],
            "parts": [
                {"kind": "LinearLR", "horizon_arg": "total_iters", "horizon": 5},
                {"kind": "CosineAnnealingLR", "horizon_arg": "T_max", "horizon": 95},
            ],
        },
        "interval": "epoch",
        "frequency": 1,
    }
    found = lr_schedules.read(_run([config], {}))
    assert found is not None
    (m,) = found[0]
    assert (m.display, m.horizon, m.end) == ("SequentialLR (ending with CosineAnnealingLR)", 100, "restarts")
    assert "milestones [5] + T_max=95" in m.figures()


@pytest.mark.lightning
def test_static_finding_refuted_by_the_built_scheduler(tmp_path, monkeypatch, capsys):
    """The static check reads T_max from the default (50: LL702, 10 of 50 epochs); the
    script changes it after building the module, and the dry fit builds T_max=10: the run
    finishes the schedule, LL702 is withdrawn (LL903) with the measured figures."""
    root = project(tmp_path, "return [opt], [CosineAnnealingLR(opt, T_max=self.horizon)]", model="model")
    (root / "model.py").write_text((root / "model.py").read_text().replace("horizon=10", "horizon=50"))
    train = (root / "train.py").read_text()
    (root / "train.py").write_text(
        train.replace("from model import Net\n", "from model import Net\n\nmodel = Net()\nmodel.horizon = 10\n")
    )
    monkeypatch.chdir(root)
    capsys.readouterr()
    cli_main(["train.py", "--output-format", "json", "--select", "LL7"])
    static = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in static] == ["LL702"]
    found = confirm(monkeypatch, capsys, root)
    assert codes(found) == ["LL903"]
    message = found[0]["message"]
    assert message.startswith("LL702 (lr-schedule-unfinished) withdrawn: CosineAnnealingLR over 10 epochs")
    assert "the schedule ends with the run (measured: CosineAnnealingLR T_max=10, interval=epoch" in message


@pytest.mark.lightning
def test_hydra_scheduler_node_is_confirmed_at_the_node(tmp_path, monkeypatch, capsys):
    """The lightning-hydra-template shape: the model node's `scheduler:` (a `_partial_`
    CosineAnnealingLR over 100 epochs) handed to the module, 10 epochs in the run."""
    module = MODULE.replace("def __init__(self, horizon=10):", "def __init__(self, optimizer=None, scheduler=None):")
    module = module.replace("self.horizon = horizon", "self.save_hyperparameters(logger=False)")
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "model.py": module
            + "        return {'optimizer': opt, 'lr_scheduler': {'scheduler': self.hparams.scheduler(optimizer=opt)}}\n",
            "train.py": "import hydra\n\n\n@hydra.main(version_base=None, config_path='conf', config_name='config')\n"
            "def main(cfg):\n    model = hydra.utils.instantiate(cfg.model)\n"
            "    hydra.utils.instantiate(cfg.trainer).fit(model)\n\n\nif __name__ == '__main__':\n    main()\n",
            "conf/config.yaml": "defaults:\n  - model: net\n  - trainer: default\n  - _self_\n",
            "conf/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 10\nlogger: false\n"
            "enable_checkpointing: false\n",
            "conf/model/net.yaml": "_target_: model.Net\nscheduler:\n"
            "  _target_: torch.optim.lr_scheduler.CosineAnnealingLR\n  _partial_: true\n  T_max: 100\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    cli_main(["conf/model/net.yaml", "--output-format", "json", "--select", "LL7"])
    static = json.loads(capsys.readouterr().out)
    assert [(d["code"], d["path"], d["line"]) for d in static] == [("LL702", "conf/model/net.yaml", 3)]
    found = confirm(monkeypatch, capsys, tmp_path)
    (ll702,) = [d for d in found if d["code"] == "LL702"]
    assert ll702["confirmed"] is True and (ll702["path"], ll702["line"]) == ("conf/model/net.yaml", 3)
    assert (
        "CosineAnnealingLR over 100 epochs, stepped per epoch; the run steps it 10 times: only 10%" in ll702["message"]
    )
    assert "measured: CosineAnnealingLR T_max=100, interval=epoch, frequency=1" in ll702["message"]
