"""The schedule model against real Lightning fits (issue: "the model must agree with
Lightning, not with our reading of it").

A seeded generator makes many configurations (dataset size, batch size, drop_last,
limit_train_batches int/float, accumulate_grad_batches, max_epochs, max_steps, min_*,
val_check_interval, check_val_every_n_epoch, log_every_n_steps, a ModelCheckpoint
trigger); each is fitted on the CPU with a tiny model and compared with the model's
prediction of the final ``global_step``, ``current_epoch``, validation runs and
checkpoint saves. Zero disagreements are allowed."""

from __future__ import annotations

import ast
import random
import warnings
from typing import Any, Dict, List, Optional

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from lightning_lint.extract import python  # noqa: E402
from lightning_lint.model import schedule  # noqa: E402
from lightning_lint.model.sources import PYTHON, SourceFile  # noqa: E402

CONFIGS = 250
SEED = 20261124


class Model(pl.LightningModule):
    def __init__(self, size: int, batch_size: int, drop_last: bool) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)
        self.size, self.batch_size, self.drop_last = size, batch_size, drop_last
        self.val_runs = 0

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", self.layer(batch[0]).pow(2).mean())

    def on_validation_epoch_start(self):
        if not self.trainer.sanity_checking:
            self.val_runs += 1

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return DataLoader(
            TensorDataset(torch.randn(self.size, 2)), batch_size=self.batch_size, drop_last=self.drop_last
        )

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(4, 2)), batch_size=2)


class CountingCheckpoint(ModelCheckpoint):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_at: List[int] = []

    def _save_checkpoint(self, trainer, filepath):  # record instead of writing; keep the save guard
        self.saved_at.append(trainer.global_step)
        self._last_global_step_saved = trainer.global_step
        self._last_checkpoint_saved = filepath


def generate(rng: random.Random) -> Optional[Dict[str, Any]]:
    size, batch, drop = rng.randint(3, 40), rng.randint(1, 6), rng.random() < 0.3
    length = size // batch if drop else -(-size // batch)
    if length == 0:
        return None
    trainer: Dict[str, Any] = {}
    limit = rng.choice([None, None, "int", "float"])
    if limit == "int":
        trainer["limit_train_batches"] = rng.randint(1, 12)
    elif limit == "float":
        trainer["limit_train_batches"] = rng.choice([0.25, 0.5, 0.75, 1.0])
        if int(length * trainer["limit_train_batches"]) == 0:
            return None  # Lightning refuses it (LL312)
    nb = schedule.limited_batches(length, trainer.get("limit_train_batches"))[0]
    if rng.random() < 0.6:
        trainer["accumulate_grad_batches"] = rng.randint(1, 4)
    if rng.random() < 0.8:
        trainer["max_epochs"] = rng.randint(0, 5)
    if rng.random() < 0.5 or "max_epochs" not in trainer:
        trainer["max_steps"] = rng.randint(1, 40)
    if rng.random() < 0.2:
        trainer["min_epochs"] = rng.randint(0, 6)
    if rng.random() < 0.2:
        trainer["min_steps"] = rng.randint(0, 50)
    every = rng.choice([1, 1, 2, 3, None])
    if every is None:
        trainer["check_val_every_n_epoch"] = None
        trainer["val_check_interval"] = rng.randint(1, 3 * nb)
    else:
        if every != 1:
            trainer["check_val_every_n_epoch"] = every
        kind = rng.choice([None, "int", "float"])
        if kind == "int":
            trainer["val_check_interval"] = rng.randint(1, nb)
        elif kind == "float":
            trainer["val_check_interval"] = rng.choice([0.25, 0.5, 1.0])
    if rng.random() < 0.15:
        trainer["limit_val_batches"] = 0
    if rng.random() < 0.3:
        trainer["log_every_n_steps"] = rng.randint(1, 10)
    checkpoint = rng.choice([None, "default", "steps", "epochs", "epochs"])
    ckpt: Optional[Dict[str, Any]] = None
    if checkpoint == "default":
        ckpt = {}
    elif checkpoint == "steps":
        ckpt = {"every_n_train_steps": rng.randint(1, 8)}
    elif checkpoint == "epochs":
        ckpt = {"every_n_epochs": rng.randint(1, 3)}
    return {"size": size, "batch": batch, "drop": drop, "trainer": trainer, "checkpoint": ckpt}


def predict(config: Dict[str, Any]):
    args = ", ".join(f"{k}={v!r}" for k, v in config["trainer"].items())
    callbacks = ""
    if config["checkpoint"] is not None:
        cb_args = ", ".join(f"{k}={v!r}" for k, v in config["checkpoint"].items())
        callbacks = f", callbacks=[ModelCheckpoint({cb_args})]"
    text = (
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        f"Trainer({args}{callbacks})\n"
    )
    source = SourceFile("train.py", text, PYTHON)
    [spec] = python.extract(ast.parse(text), source).trainers
    data = schedule.DataFacts.from_settings(
        {"dataset-size": config["size"], "batch-size": config["batch"], "drop-last": config["drop"], "val-batches": 2}
    )
    s = schedule.compute(spec, data)
    plan = schedule.checkpoint_plan(spec.callbacks[0], s, s.validation) if spec.callbacks else None
    return s, plan


def fit(config: Dict[str, Any], tmp_path):
    model = Model(config["size"], config["batch"], config["drop"])
    callbacks = (
        [CountingCheckpoint(save_top_k=-1, dirpath=str(tmp_path), **config["checkpoint"])]
        if config["checkpoint"] is not None
        else []
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = pl.Trainer(
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            default_root_dir=str(tmp_path),
            enable_checkpointing=bool(callbacks),
            callbacks=callbacks,
            **config["trainer"],
        )
        trainer.fit(model)
    saves = len(callbacks[0].saved_at) if callbacks else None
    return trainer.global_step, trainer.current_epoch, model.val_runs, saves


def test_schedule_agrees_with_real_fits(tmp_path):
    rng = random.Random(SEED)
    compared = {"steps": 0, "epochs": 0, "validation": 0, "checkpoints": 0}
    disagreements = []
    configs = with_checkpoint = 0
    while configs < CONFIGS:
        config = generate(rng)
        if config is None:
            continue
        configs += 1
        s, plan = predict(config)
        step, epoch, val_runs, saves = fit(config, tmp_path / str(configs))
        v = s.validation
        expected_val = 0 if v is not None and v.enabled is False else (v.runs if v is not None else None)
        checks = [
            ("steps", s.total_steps, step),
            ("epochs", s.final_epoch, epoch),
            ("validation", expected_val, val_runs),
        ]
        if plan is not None:
            with_checkpoint += 1
            checks.append(("checkpoints", plan.saves, saves))
        for name, predicted, observed in checks:
            if predicted is None:
                continue
            compared[name] += 1
            if predicted != observed:
                disagreements.append((name, predicted, observed, config))
    assert not disagreements, "\n".join(map(str, disagreements))
    # the model decides (almost) everything when the data size is known
    assert compared["steps"] == compared["epochs"] == CONFIGS
    assert compared["validation"] >= CONFIGS * 0.9, compared
    assert compared["checkpoints"] >= 0.75 * with_checkpoint, (compared, with_checkpoint)


# -- learning-rate schedulers ------------------------------------------------------------------

SCHEDULER_CONFIGS = 80


class ScheduledModel(Model):
    """Steps a scheduler as configured; records the global step at each scheduler step."""

    def __init__(self, size, batch_size, drop_last, interval, frequency, one_cycle_total=None):
        super().__init__(size, batch_size, drop_last)
        self.interval, self.frequency, self.one_cycle_total = interval, frequency, one_cycle_total
        self.stepped_at: List[int] = []

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.01)
        if self.one_cycle_total is not None:
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=self.one_cycle_total)
        else:
            model, constructed = self, []

            def record(_):
                if constructed:  # the constructor's own first step is not one of Lightning's
                    model.stepped_at.append(model.trainer.global_step)
                return 1.0

            sched = torch.optim.lr_scheduler.LambdaLR(opt, record)
            constructed.append(True)
        config = {"scheduler": sched, "frequency": self.frequency}
        if self.interval is not None:
            config["interval"] = self.interval
        return {"optimizer": opt, "lr_scheduler": config}


def _scheduler_fit(config, tmp_path, one_cycle_total=None):
    model = ScheduledModel(
        config["size"], config["batch"], config["drop"], config["interval"], config["frequency"], one_cycle_total
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = pl.Trainer(
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            enable_checkpointing=False,
            num_sanity_val_steps=0,
            limit_val_batches=0,
            default_root_dir=str(tmp_path),
            **config["trainer"],
        )
        error = None
        try:
            trainer.fit(model)
        except ValueError as exc:
            error = str(exc)
    return model, trainer, error


def test_scheduler_steps_agree_with_real_fits(tmp_path):
    """The number of scheduler steps, and the optimizer step at which a OneCycleLR over
    fewer steps raises, agree with real fits on every generated configuration."""
    rng = random.Random(SEED + 18)
    disagreements = []
    configs = raised = 0
    while configs < SCHEDULER_CONFIGS:
        config = generate(rng)
        if config is None:
            continue
        config["trainer"] = {
            k: v
            for k, v in config["trainer"].items()
            if k in ("limit_train_batches", "accumulate_grad_batches", "max_epochs", "max_steps")
        }
        config["interval"] = rng.choice([None, "epoch", "step", "step"])
        config["frequency"] = rng.choice([1, 1, 1, 2, 3])
        configs += 1
        s, _ = predict(dict(config, checkpoint=None))
        predicted = schedule.scheduler_steps(s, config["interval"] or "epoch", config["frequency"])
        model, _, _ = _scheduler_fit(config, tmp_path / str(configs))
        observed = len(model.stepped_at)
        if predicted != observed:
            disagreements.append(("steps", predicted, observed, config))
            continue
        if observed < 3:
            continue
        # a OneCycleLR planned over fewer steps raises at its step horizon+1, at the optimizer
        # step the model names
        horizon = rng.randint(2, observed - 1)
        at = schedule.scheduler_step_at(s, config["interval"] or "epoch", config["frequency"], horizon + 1)
        _, crashed, error = _scheduler_fit(config, tmp_path / f"{configs}-oc", one_cycle_total=horizon)
        expected = f"Tried to step {horizon + 1} times. The specified number of total steps is {horizon}"
        if error is None or expected not in error or crashed.global_step != at:
            disagreements.append(("overrun", at, (crashed.global_step, error), config))
        raised += 1
    assert not disagreements, "\n".join(map(str, disagreements))
    assert raised >= SCHEDULER_CONFIGS // 3
