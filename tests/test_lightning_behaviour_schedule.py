"""Claims of LL701-LL705 (learning-rate schedules) against real torch and Lightning on the CPU.

Each test runs the real scheduler (or a tiny fit) and, where a rule predicts a figure,
lints the same configuration and checks that the rule names the figure the run shows."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import torch  # noqa: E402
from lightning.fabric.utilities.exceptions import MisconfigurationException  # noqa: E402

from claims import claim  # noqa: E402
from conftest import lint_files  # noqa: E402
from tiny import TinyModel, fit  # noqa: E402

_MODULE = """\
import lightning as L
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR

class Net(L.LightningModule):
    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        {body}
"""


def _lint(tmp_path, body: str, trainer: str, code: str):
    files = {
        "model.py": _MODULE.format(body=body),
        "train.py": f"from lightning import Trainer\nfrom model import Net\nTrainer({trainer}).fit(Net())\n",
        "pyproject.toml": '[tool.lightning-lint.facts]\n"train.py" = { train-batches-per-epoch = 8 }\n',
    }
    result = lint_files(tmp_path, files, "train.py", select=(code,))
    return [d for d in result.diagnostics if d.code == code]


class Scheduled(TinyModel):
    def __init__(self, make, config=None, **kwargs):
        super().__init__(**kwargs)
        self.make, self.config = make, config
        self.lrs = []

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        sched = self.make(opt)
        if self.config is None:
            return [opt], [sched]
        return {"optimizer": opt, "lr_scheduler": dict(self.config, scheduler=sched)}

    def on_train_batch_start(self, batch, batch_idx):
        self.lrs.append(self.trainer.optimizers[0].param_groups[0]["lr"])


@claim("LL701")
def test_one_cycle_raises_at_the_step_after_its_horizon_and_the_rule_names_it(tmp_path):
    model = Scheduled(lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5), {"interval": "step"})
    with pytest.raises(ValueError, match=r"Tried to step 6 times\. The specified number of total steps is 5"):
        fit(tmp_path, model, max_epochs=2)  # 8 batches: 16 optimizer steps
    assert model.trainer.global_step == 6
    [finding] = _lint(
        tmp_path / "lint",
        's = OneCycleLR(opt, 0.1, total_steps=5)\n        return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}',
        "max_epochs=2",
        "LL701",
    )
    assert "Tried to step 6 times" in finding.message and "at optimizer step 6" in finding.message
    assert finding.severity.name == "ERROR"


@claim("LL701")
def test_cosine_climbs_back_and_polynomial_and_linear_warmup_hold_zero():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    lrs = []
    for _ in range(8):
        opt.step()
        cosine.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[3] == pytest.approx(0.0, abs=1e-9) and lrs[7] == pytest.approx(1.0)  # back at the initial LR
    opt = torch.optim.SGD([param], lr=1.0)
    poly = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=4)
    for _ in range(8):
        opt.step()
        poly.step()
    assert opt.param_groups[0]["lr"] == 0.0
    transformers = pytest.importorskip("transformers")
    opt = torch.optim.SGD([param], lr=1.0)
    linear = transformers.get_linear_schedule_with_warmup(opt, num_warmup_steps=1, num_training_steps=4)
    seen = []
    for _ in range(8):
        opt.step()
        linear.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen[3:] == [0.0] * 5


@claim("LL701", "LL702")
def test_the_rules_count_epoch_steps_as_the_fit_does(tmp_path):
    model = Scheduled(lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2), batches=2)
    fit(tmp_path, model, max_epochs=6)
    per_epoch = model.lrs[::2]
    assert per_epoch[2] == pytest.approx(0.0, abs=1e-9) and per_epoch[4] == pytest.approx(0.1)  # climbed back
    [finding] = _lint(tmp_path / "a", "return [opt], [CosineAnnealingLR(opt, T_max=2)]", "max_epochs=6", "LL701")
    assert "steps it 6 times" in finding.message
    assert not _lint(tmp_path / "b", "return [opt], [CosineAnnealingLR(opt, T_max=6)]", "max_epochs=6", "LL701")
    model = Scheduled(lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30), batches=2)
    fit(tmp_path, model, max_epochs=3)
    assert model.lrs[-1] > 0.09  # the LR never decays: 3 of 30 steps ran
    [finding] = _lint(tmp_path / "c", "return [opt], [CosineAnnealingLR(opt, T_max=30)]", "max_epochs=3", "LL702")
    assert "only 10% of the schedule runs" in finding.message


@claim("LL702")
def test_a_schedule_over_max_steps_is_cut_short_by_max_epochs(tmp_path):
    seen = []

    def make(opt):
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: seen.append(step) or 1.0)
        return sched

    fit(tmp_path, Scheduled(make, {"interval": "step"}, batches=8), max_epochs=2, max_steps=1000)
    assert max(seen) == 16  # 16 steps of a schedule planned over 1000
    [finding] = _lint(
        tmp_path / "lint",
        's = CosineAnnealingLR(opt, T_max=self.trainer.max_steps)\n        return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}',
        "max_epochs=2, max_steps=1000",
        "LL702",
    )
    assert "steps it 16 times" in finding.message and "2%" in finding.message


@claim("LL703")
def test_a_bare_scheduler_is_stepped_once_per_epoch_without_a_warning(tmp_path):
    total = []

    def make(opt):
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=16)
        total.append(sched)
        return sched

    _, _, caught = fit(tmp_path, Scheduled(make, batches=8), max_epochs=2)
    assert total[0].last_epoch == 2  # 2 of its 16 steps: it never leaves the warmup
    assert not any("OneCycleLR" in message for message in caught)  # Lightning says nothing for a list
    _, _, caught = fit(tmp_path, Scheduled(make, {"frequency": 1}, batches=8), max_epochs=2)
    assert total[1].last_epoch == 2
    assert any("Are you sure you didn't mean 'interval': 'step'?" in m for m in caught)  # only inside a dict


@claim("LL704")
def test_plateau_without_monitor_fails_at_fit_start(tmp_path):
    model = Scheduled(lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt))
    with pytest.raises(MisconfigurationException, match="must include a monitor when a `ReduceLROnPlateau`"):
        fit(tmp_path, model, max_epochs=1)
    model = Scheduled(lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt), {"interval": "epoch"})
    with pytest.raises(MisconfigurationException, match="must include a monitor"):
        fit(tmp_path, model, max_epochs=1)


@claim("LL705")
def test_scheduler_dict_checks(tmp_path):
    def make(opt):
        return torch.optim.lr_scheduler.StepLR(opt, 1)

    with pytest.raises(MisconfigurationException, match='must be "step" or "epoch" but is "steps"'):
        fit(tmp_path, Scheduled(make, {"interval": "steps"}), max_epochs=1)
    with pytest.raises(ZeroDivisionError):
        fit(tmp_path, Scheduled(make, {"frequency": 0}), max_epochs=1)
    with warnings.catch_warnings():
        _, _, caught = fit(tmp_path, Scheduled(make, {"intervall": "step"}), max_epochs=1)
    assert any("Found unsupported keys in the lr scheduler dict: {'intervall'}" in m for m in caught)

    class NoScheduler(TinyModel):
        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.1)
            return {"optimizer": opt, "lr_scheduler": {"interval": "step"}}

    with pytest.raises(MisconfigurationException, match='must have the key "scheduler"'):
        fit(tmp_path, NoScheduler(), max_epochs=1)


@claim("LL207")
def test_plateau_monitor_that_nothing_logs_fails_after_the_first_epoch(tmp_path):
    """A ReduceLROnPlateau monitoring a metric nothing logs: Lightning raises at the first
    scheduler update (the end of the first training epoch); with ``"strict": False`` it
    warns and never steps the scheduler."""

    def make(opt):
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt)

    model = Scheduled(make, {"monitor": "val_los"})  # TinyModel logs train_loss and val_loss
    with pytest.raises(MisconfigurationException, match="ReduceLROnPlateau conditioned on metric val_los"):
        fit(tmp_path, model, max_epochs=2)
    assert model.trainer.current_epoch == 0 and model.trainer.global_step == 8  # one full epoch ran first
    plateaus = []
    model = Scheduled(lambda opt: plateaus.append(make(opt)) or plateaus[-1], {"monitor": "val_los", "strict": False})
    _, _, caught = fit(tmp_path, model, max_epochs=2)
    assert any("which is not available but strict is set to `False`" in m for m in caught)
    assert plateaus[0].last_epoch == 0  # never stepped
    _, _, caught = fit(tmp_path, Scheduled(make, {"monitor": "val_loss"}), max_epochs=2)  # the logged name: fine
