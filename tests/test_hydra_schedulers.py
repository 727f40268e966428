"""LL701-LL703 on a Hydra scheduler node handed to the module (the lightning-hydra-template
shape): ``configs/model/net.yaml`` has ``scheduler: {_target_: ..., _partial_: true, ...}``,
the module's ``configure_optimizers`` calls ``self.hparams.scheduler(optimizer=...)``, and the
``trainer:`` node gives the run length."""

from __future__ import annotations

from typing import Dict, List

from conftest import lint_files

MODULE = """\
import lightning as L
import torch


class LitModule(L.LightningModule):
    def __init__(self, optimizer, scheduler, compile: bool = False):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.layer = torch.nn.Linear(4, 1)

    def validation_step(self, batch, i):
        self.log("val/loss", 0.0)

    def configure_optimizers(self):
        optimizer = self.hparams.optimizer(params=self.parameters())
        if self.hparams.scheduler is not None:
            scheduler = self.hparams.scheduler({call})
            return {{
                "optimizer": optimizer,
                "lr_scheduler": {{"scheduler": scheduler, "monitor": "{monitor}", "interval": "{interval}", "frequency": 1}},
            }}
        return {{"optimizer": optimizer}}
"""

MODEL = """\
_target_: src.lit.LitModule

optimizer:
  _target_: torch.optim.Adam
  _partial_: true
  lr: 0.001

scheduler:
{scheduler}
compile: false
"""

BASE = {
    "configs/train.yaml": "defaults:\n  - _self_\n  - model: net\n  - trainer: default\n\ntrain: True\n",
    "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmin_epochs: 1\n",
    "src/__init__.py": "",
    "src/train.py": "import hydra\n\n\n@hydra.main(version_base=None, config_path='../configs', config_name='train')\n"
    "def main(cfg):\n    pass\n",
}

COSINE = "  _target_: torch.optim.lr_scheduler.CosineAnnealingLR\n  _partial_: true\n  T_max: {}\n"


def lint_model(
    tmp_path,
    scheduler: str,
    call: str = "optimizer=optimizer",
    interval: str = "epoch",
    monitor: str = "val/loss",
    module: str = MODULE,
    target: str = "configs/model/net.yaml",
    trainer: str = "max_epochs: 10\n",
) -> List:
    files: Dict[str, str] = dict(BASE)
    files["configs/trainer/default.yaml"] += trainer
    files["configs/model/net.yaml"] = MODEL.format(scheduler=scheduler)
    files["src/lit.py"] = module.format(call=call, interval=interval, monitor=monitor)
    result = lint_files(tmp_path, files, target)
    return [d for d in result.diagnostics if d.code in ("LL701", "LL702", "LL703", "LL207")]


def test_cosine_node_longer_than_the_run(tmp_path):
    (d,) = lint_model(tmp_path, COSINE.format(100))
    assert (d.code, d.path, d.line) == ("LL702", "configs/model/net.yaml", 9)  # the scheduler's _target_
    assert "CosineAnnealingLR over 100 epochs, stepped per epoch; the run steps it 10 times: only 10%" in d.message


def test_reported_once_in_the_composition(tmp_path):
    """The finding sits at the model node; linting the primary or the trainer option does
    not report it a second time elsewhere."""
    assert lint_model(tmp_path / "a", COSINE.format(100), target="configs/train.yaml") == []
    assert lint_model(tmp_path / "b", COSINE.format(100), target="configs/trainer/default.yaml") == []


def test_overrun_and_interval_mismatch(tmp_path):
    found = lint_model(tmp_path / "a", COSINE.format(4))
    assert [d.code for d in found] == ["LL701"] and "climbs back" in found[0].message
    onecycle = "  _target_: torch.optim.lr_scheduler.OneCycleLR\n  _partial_: true\n  max_lr: 0.1\n  total_steps: ${trainer.max_steps}\n"
    found = lint_model(tmp_path / "b", onecycle, trainer="max_steps: 1000\n")
    assert [d.code for d in found] == ["LL703"]  # a horizon in steps, stepped per epoch
    assert "its horizon `total_steps: ${trainer.max_steps}` counts optimizer steps" in found[0].message
    onecycle_steps = onecycle.replace("${trainer.max_steps}", "${trainer.max_epochs}")
    found = lint_model(tmp_path / "c", onecycle_steps, interval="step")
    assert [d.code for d in found] == ["LL703"]
    assert "handed to `LitModule` as `scheduler`" in found[0].message
    assert "counts epochs" in found[0].message


def test_quiet_cases(tmp_path):
    quiet = {
        "horizon interpolated from the run": dict(scheduler=COSINE.format("${trainer.max_epochs}")),
        "horizon interpolated from an unknown value": dict(scheduler=COSINE.format("${oc.env:T_MAX}")),
        "horizon set by the call": dict(
            scheduler=COSINE.format(100), call="optimizer=optimizer, T_max=self.trainer.max_epochs"
        ),
        "keywords splatted by the call": dict(scheduler=COSINE.format(100), call="optimizer=optimizer, **self.extra"),
        "plateau: no horizon": dict(
            scheduler="  _target_: torch.optim.lr_scheduler.ReduceLROnPlateau\n  _partial_: true\n  patience: 3\n"
        ),
        "equal horizon": dict(scheduler=COSINE.format(10)),
        "a node the module never calls": dict(
            scheduler=COSINE.format(100),
            module=MODULE.replace("self.hparams.scheduler({call})", "torch.optim.lr_scheduler.StepLR(optimizer, 1)"),
        ),
    }
    for why, kwargs in quiet.items():
        assert lint_model(tmp_path / why.replace(" ", "_").replace(":", ""), **kwargs) == [], why


def test_plateau_node_monitor_that_nothing_logs(tmp_path):
    plateau = "  _target_: torch.optim.lr_scheduler.ReduceLROnPlateau\n  _partial_: true\n"
    (d,) = lint_model(tmp_path, plateau, monitor="val_loss")
    assert d.code == "LL207" and "monitors 'val_loss'" in d.message and "did you mean 'val/loss'?" in d.message
