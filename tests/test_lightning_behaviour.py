"""Every rule's claim about Lightning, checked against the installed lightning.

Each rule says what Lightning does (raises, warns, silently ignores, stops early). These
tests build the real Trainer or callback, or run a tiny fit on the CPU, and observe it.
``CLAIMS`` maps each rule to its test; a rule without one fails ``test_every_rule_has_a_claim``.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402

from claims import CLAIMS, claim  # noqa: E402
from lightning_lint import rules  # noqa: E402
from tiny import TinyModel, fit, trainer  # noqa: E402


def test_every_rule_has_a_claim():
    import importlib
    from pathlib import Path

    for module in sorted(Path(__file__).parent.glob("test_lightning_behaviour*.py")):
        importlib.import_module(module.stem)  # registers its claims
    missing = [r.code for r in rules.all_rules() if not r.code.startswith("LL9") and r.code not in CLAIMS]
    assert not missing, f"rules whose claim about Lightning is not tested: {missing}"


@claim("LL001")
def test_no_limit_means_1000_epochs(tmp_path):
    class Record(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            self.max_epochs = trainer.max_epochs
            trainer.should_stop = True

    record = Record()
    _, _, caught = fit(tmp_path, TinyModel(batches=1), callbacks=[record], limit_val_batches=0)
    assert record.max_epochs == 1000
    assert any("`max_epochs` was not set. Setting it to 1000 epochs" in message for message in caught)


@claim("LL003")
def test_first_limit_wins(tmp_path):
    t, _, _ = fit(tmp_path, max_steps=1000, max_epochs=2, limit_val_batches=0)
    assert t.global_step == 16  # 2 epochs x 8 batches: max_epochs ended it
    t, _, _ = fit(tmp_path, max_steps=3, max_epochs=5, accumulate_grad_batches=3, limit_val_batches=0)
    assert t.global_step == 3 and t.current_epoch == 1  # ceil(8/3)=3 steps per epoch


@claim("LL005")
def test_zero_limits_train_nothing(tmp_path):
    for kwargs in (dict(max_epochs=0), dict(max_steps=0, max_epochs=3), dict(limit_train_batches=0, max_epochs=2)):
        t, _, _ = fit(tmp_path, limit_val_batches=0, **kwargs)
        assert t.global_step == 0, kwargs


@claim("LL006")
def test_invalid_loop_limits_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    for kwargs in (dict(max_epochs=-2), dict(max_steps=-5)):
        with pytest.raises(MisconfigurationException, match="must be a non-negative integer or -1"):
            trainer(tmp_path, **kwargs)
    with pytest.raises(TypeError):
        t = trainer(tmp_path, max_steps=None, max_epochs=1)
        t.fit(
            TinyModel(batches=1),
        )


@claim("LL301", "LL302")
def test_unknown_and_removed_arguments_raise_type_error(tmp_path):
    for name in ("max_epoch", "gpus", "replace_sampler_ddp", "resume_from_checkpoint"):
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            pl.Trainer(**{name: 1})
    from lightning.pytorch.callbacks import ModelCheckpoint

    with pytest.raises(TypeError):
        ModelCheckpoint(period=2)


@claim("LL303")
def test_removed_apis(tmp_path):
    assert not hasattr(pl.Trainer, "from_argparse_args")
    assert not hasattr(pl.Trainer, "add_argparse_args")

    class Old(TinyModel):
        def training_epoch_end(self, outputs):
            pass

    with pytest.raises(NotImplementedError, match="training_epoch_end"):
        fit(tmp_path, model=Old(), max_epochs=1)


@claim("LL305", "LL306")
def test_precision_values(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    for bad in ("fp16", "mixed", 16.0):
        with pytest.raises((MisconfigurationException, ValueError, RuntimeError)):
            trainer(tmp_path, precision=bad)
    for legacy, modern in ((32, "32-true"), ("bf16", "bf16-mixed"), (64, "64-true")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = trainer(tmp_path, precision=legacy)
        assert t.precision == modern, legacy


@claim("LL401")
def test_unregistered_strategies_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    for name in ("dp", "ddp_sharded", "horovod", "fsdp_native", "ddp2", "tpu_spawn"):
        with pytest.raises((MisconfigurationException, ValueError)):
            trainer(tmp_path, strategy=name)


@claim("LL402")
def test_unknown_accelerators_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    for name in ("ddp", "CPU", "hpu"):
        with pytest.raises((MisconfigurationException, ValueError)):
            trainer(tmp_path, accelerator=name)


@claim("LL404")
def test_invalid_devices_raise(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    for devices in (0, "0", []):
        with pytest.raises((MisconfigurationException, ValueError, TypeError)):
            trainer(tmp_path, devices=devices)
    with pytest.raises((MisconfigurationException, ValueError, TypeError)):
        trainer(tmp_path, num_nodes=0)


# -- LL0xx ---------------------------------------------------------------------------------


@claim("LL002")
def test_max_epochs_cuts_max_steps(tmp_path):
    t, _, _ = fit(tmp_path, max_epochs=2, max_steps=1000, accumulate_grad_batches=4, limit_val_batches=0)
    assert t.global_step == 4  # 2 epochs x ceil(8 / 4): max_steps=1000 is never reached


@claim("LL004")
def test_minimums_never_extend_training(tmp_path):
    t, _, _ = fit(tmp_path, min_epochs=5, max_epochs=2, limit_val_batches=0)
    assert t.current_epoch == 2
    t, _, _ = fit(tmp_path, min_steps=100, max_epochs=2, limit_val_batches=0)
    assert t.global_step == 16


@claim("LL007")
def test_minus_one_means_no_epoch_limit(tmp_path):
    class StopAfterThree(pl.Callback):
        def on_train_epoch_end(self, trainer, pl_module):
            if trainer.current_epoch == 2:
                self.done_before_stop = trainer.fit_loop.done
                trainer.should_stop = True

    stop = StopAfterThree()
    t, _, _ = fit(tmp_path, TinyModel(batches=1), max_epochs=-1, callbacks=[stop], limit_val_batches=0)
    assert t.fit_loop.max_epochs == -1 and t.max_steps == -1 and stop.done_before_stop is False


@claim("LL008")
def test_time_formats(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    with pytest.raises(MisconfigurationException, match="not a valid duration"):
        trainer(tmp_path, max_time="12:00:00")
    with pytest.raises(MisconfigurationException, match=r"time format|Non-integer"):
        trainer(tmp_path, val_check_interval="1:00:00")
    trainer(tmp_path, max_time="00:12:00:00")  # the right spelling builds


# -- LL1xx ---------------------------------------------------------------------------------


class Indexed(TinyModel):
    """Records the first sample index of every training batch (data = 0..15, 2 per batch)."""

    def __init__(self, stateful: bool = False):
        super().__init__(batches=8)
        self.stateful, self.seen = stateful, []

    def training_step(self, batch, batch_idx):
        (x,) = batch
        self.seen.append(int(x[0, 0]))
        return self.layer(x).pow(2).mean()

    def train_dataloader(self):
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        data = TensorDataset(torch.arange(16, dtype=torch.float32).unsqueeze(1).repeat(1, 4))
        if self.stateful:
            from torchdata.stateful_dataloader import StatefulDataLoader

            return StatefulDataLoader(data, batch_size=2)
        return DataLoader(data, batch_size=2)


@claim("LL101")
def test_mid_epoch_resume_replays_with_plain_loader(tmp_path):
    pytest.importorskip("torchdata")
    from lightning.pytorch.callbacks import ModelCheckpoint

    results = {}
    for stateful in (False, True):
        root = tmp_path / str(stateful)
        checkpoint = ModelCheckpoint(dirpath=str(root), every_n_train_steps=3, save_top_k=-1)
        fit(
            root,
            Indexed(stateful),
            max_epochs=1,
            limit_val_batches=0,
            callbacks=[checkpoint],
            enable_checkpointing=True,
        )
        resumed = Indexed(stateful)
        t = trainer(root, max_epochs=1, limit_val_batches=0, enable_checkpointing=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t.fit(resumed, ckpt_path=str(root / "epoch=0-step=3.ckpt"))
        results[stateful] = (resumed.seen, [str(w.message) for w in caught])
    plain, plain_warnings = results[False]
    stateful, stateful_warnings = results[True]
    assert plain == [0, 2, 4, 6, 8]  # the first 5 batches again; batches 6-8 (samples 10-14) never seen
    assert stateful == [6, 8, 10, 12, 14]  # exactly the rest of the epoch
    assert any("dataloader is not resumable" in w for w in plain_warnings)
    assert not any("not resumable" in w for w in stateful_warnings)


@claim("LL101")
def test_weights_only_checkpoints_cannot_be_resumed(tmp_path):
    # LL101 leaves `save_weights_only=True` alone: `fit(ckpt_path=...)` refuses such a checkpoint
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(dirpath=str(tmp_path), every_n_train_steps=3, save_top_k=-1, save_weights_only=True)
    fit(tmp_path, TinyModel(), max_epochs=1, limit_val_batches=0, callbacks=[checkpoint], enable_checkpointing=True)
    saved = sorted(tmp_path.glob("*step=3.ckpt"))
    assert saved
    t = trainer(tmp_path, max_epochs=2, limit_val_batches=0, enable_checkpointing=False)
    with pytest.raises(KeyError, match="contains only the model"):
        t.fit(TinyModel(), ckpt_path=str(saved[0]))


@claim("LL102", "LL103")
def test_model_checkpoint_arguments(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import ModelCheckpoint

    bad = [
        dict(every_n_train_steps=10, every_n_epochs=1),
        dict(save_top_k=3),
        dict(save_top_k=-2, monitor="x"),
        dict(monitor="x", mode="maximize"),
        dict(every_n_epochs=-1),
        dict(every_n_train_steps=-1),
    ]
    for kwargs in bad:
        with pytest.raises(MisconfigurationException):
            ModelCheckpoint(**kwargs)
    ModelCheckpoint(save_top_k=3, monitor="val_loss")


@claim("LL104")
def test_disabled_features_with_callbacks(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar

    with pytest.raises(MisconfigurationException, match="enable_checkpointing=False"):
        pl.Trainer(enable_checkpointing=False, callbacks=[ModelCheckpoint()], logger=False)
    with pytest.raises(MisconfigurationException, match="enable_progress_bar=False"):
        pl.Trainer(enable_progress_bar=False, callbacks=[TQDMProgressBar()], logger=False)
    with pytest.raises(MisconfigurationException, match="multiple progress bar"):
        pl.Trainer(callbacks=[TQDMProgressBar(), TQDMProgressBar(refresh_rate=5)], logger=False)


@claim("LL105")
def test_duplicate_state_keys(tmp_path):
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    for callbacks in (
        [ModelCheckpoint(monitor="val_loss"), ModelCheckpoint(monitor="val_loss", dirpath="b")],
        [EarlyStopping("val_loss", patience=1), EarlyStopping("val_loss", patience=5)],
    ):
        with pytest.raises(RuntimeError, match="more than one stateful callback"):
            trainer(tmp_path, callbacks=callbacks, enable_checkpointing=True)


def _ckpts(root):
    return sorted(p.name for p in root.rglob("*.ckpt"))


@claim("LL106", "LL205")
def test_validation_interval_beyond_max_epochs(tmp_path):
    _, model, _ = fit(tmp_path, max_epochs=3, check_val_every_n_epoch=5, enable_checkpointing=True)
    assert model.val_runs == [] and _ckpts(tmp_path) == []  # no validation, no checkpoint
    _, model, _ = fit(tmp_path / "b", max_epochs=3, check_val_every_n_epoch=2, enable_checkpointing=True)
    assert model.val_runs == [16]  # only after epoch 2; epoch 3 is never validated
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(dirpath=str(tmp_path / "c"), every_n_train_steps=100)
    fit(tmp_path / "c", max_epochs=2, callbacks=[checkpoint], enable_checkpointing=True)
    assert _ckpts(tmp_path / "c") == []  # 16 steps < 100


@claim("LL107")
def test_step_checkpoint_with_validation_monitor_drops_first_epoch(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    dropped = ModelCheckpoint(dirpath=str(tmp_path / "a"), every_n_train_steps=2, monitor="val_loss", save_top_k=-1)
    fit(tmp_path / "a", max_epochs=1, callbacks=[dropped], enable_checkpointing=True)
    assert _ckpts(tmp_path / "a") == []
    kept = ModelCheckpoint(
        dirpath=str(tmp_path / "b"),
        every_n_train_steps=2,
        monitor="val_loss",
        save_top_k=-1,
        save_on_train_epoch_end=False,
    )
    fit(tmp_path / "b", max_epochs=1, callbacks=[kept], enable_checkpointing=True)
    assert _ckpts(tmp_path / "b")


@claim("LL108")
def test_last_checkpoint_is_stale(tmp_path):
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(dirpath=str(tmp_path), every_n_epochs=2, save_last=True)
    t, _, _ = fit(tmp_path, max_epochs=3, callbacks=[checkpoint], enable_checkpointing=True)
    last = torch.load(tmp_path / "last.ckpt", weights_only=False)
    assert t.global_step == 24 and last["global_step"] == 16


@claim("LL109")
def test_resume_paths(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    model = TinyModel()
    t = trainer(tmp_path, max_epochs=1, enable_checkpointing=True, callbacks=[ModelCheckpoint(dirpath=str(tmp_path))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.fit(model, ckpt_path="last")
    assert any("no last checkpoint available" in str(w.message) for w in caught)
    assert t.global_step == 8  # trained from scratch
    with pytest.raises(ValueError, match="not configured"):
        trainer(tmp_path, enable_checkpointing=False).validate(TinyModel(), ckpt_path="best")
    with pytest.raises(ValueError, match="fast_dev_run"):
        trainer(tmp_path, fast_dev_run=True, enable_checkpointing=True).validate(TinyModel(), ckpt_path="best")


@claim("LL110")
def test_train_time_interval_string_crashes(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(dirpath=str(tmp_path), train_time_interval="00:30:00")
    with pytest.raises(AttributeError, match="total_seconds"):
        fit(tmp_path, max_epochs=1, callbacks=[checkpoint], enable_checkpointing=True)


# -- LL2xx ---------------------------------------------------------------------------------


@claim("LL201")
def test_val_check_interval_beyond_epoch(tmp_path):
    with pytest.raises(ValueError, match="must be less than or equal to the number of the training batches"):
        fit(tmp_path, max_epochs=1, val_check_interval=10)
    fit(tmp_path, max_epochs=2, val_check_interval=10, check_val_every_n_epoch=None)


@claim("LL202")
def test_float_interval_without_epoch(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    with pytest.raises(MisconfigurationException, match="should be an integer"):
        trainer(tmp_path, val_check_interval=0.5, check_val_every_n_epoch=None)


@claim("LL203")
def test_zero_intervals(tmp_path):
    for kwargs in (dict(check_val_every_n_epoch=0), dict(accumulate_grad_batches=0), dict(val_check_interval=0)):
        with pytest.raises(ZeroDivisionError):
            fit(tmp_path, max_epochs=1, **kwargs)
    # with validation off the interval is never used: no crash, the run trains
    for kwargs in (dict(check_val_every_n_epoch=0), dict(val_check_interval=0)):
        t, _, _ = fit(tmp_path, max_epochs=1, limit_val_batches=0, **kwargs)
        assert t.global_step == 8


@claim("LL204")
def test_zero_float_interval_validates_every_batch(tmp_path):
    _, model, _ = fit(tmp_path, max_epochs=1, val_check_interval=0.0)
    assert len(model.val_runs) == 8


@claim("LL206", "LL207")
def test_missing_monitored_metric(tmp_path):
    from lightning.pytorch.callbacks import EarlyStopping

    with pytest.raises(RuntimeError, match="not available"):
        fit(tmp_path, max_epochs=2, limit_val_batches=0, callbacks=[EarlyStopping("val_loss")])
    with pytest.raises(RuntimeError, match="val_los"):
        fit(tmp_path, max_epochs=2, callbacks=[EarlyStopping("val_los")])


class ConstantValidation(TinyModel):
    def validation_step(self, batch, batch_idx):
        self.log("val_loss", 1.0)


@claim("LL208")
def test_patience_counts_checks(tmp_path):
    from lightning.pytorch.callbacks import EarlyStopping

    t, _, _ = fit(
        tmp_path,
        ConstantValidation(batches=1),
        max_epochs=10,
        check_val_every_n_epoch=2,
        callbacks=[EarlyStopping("val_loss", patience=3)],
    )
    assert t.current_epoch == 8  # (patience + 1) x 2 epochs
    t, _, _ = fit(
        tmp_path,
        ConstantValidation(batches=1),
        max_epochs=6,
        check_val_every_n_epoch=2,
        callbacks=[EarlyStopping("val_loss", patience=3)],
    )
    assert t.current_epoch == 6  # it never stops training early


@claim("LL209")
def test_early_stopping_with_time_based_validation(tmp_path):
    from lightning.pytorch.callbacks import EarlyStopping

    with pytest.raises(AttributeError, match="val_check_interval"):
        fit(tmp_path, max_epochs=1, val_check_interval="00:00:00:01", callbacks=[EarlyStopping("val_loss")])
    fit(
        tmp_path,
        max_epochs=1,
        val_check_interval="00:00:00:01",
        callbacks=[EarlyStopping("val_loss", check_on_train_epoch_end=False)],
    )


@claim("LL210")
def test_log_interval_warning(tmp_path):
    from lightning.pytorch.loggers import CSVLogger

    _, _, caught = fit(tmp_path, max_epochs=1, logger=CSVLogger(str(tmp_path)))
    assert any("smaller than the logging interval" in m for m in caught)


@claim("LL211")
def test_monitors_need_a_logger(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import LearningRateMonitor

    with pytest.raises(MisconfigurationException, match="no logger"):
        fit(tmp_path, max_epochs=1, callbacks=[LearningRateMonitor()])


@claim("LL212")
def test_string_logger_is_iterated(tmp_path):
    t = trainer(tmp_path, logger="csv")
    assert [type(x) for x in t.loggers] == [str, str, str]  # one "logger" per character


class Manual(TinyModel):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = self.layer(batch[0]).pow(2).mean()
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()


@claim("LL409")
def test_manual_optimization_rejects_automatic_features(tmp_path):
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    with pytest.raises(MisconfigurationException, match="accumulation is not supported"):
        fit(tmp_path, Manual(), max_epochs=1, accumulate_grad_batches=2)
    with pytest.raises(MisconfigurationException, match="clipping is not supported"):
        fit(tmp_path, Manual(), max_epochs=1, gradient_clip_val=1.0)


class _NoValidation(pl.LightningModule):
    """A model with a training loop only (the reinforcement-learning examples' shape)."""

    def __init__(self) -> None:
        super().__init__()
        import torch

        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return self.layer(x).pow(2).mean()

    def configure_optimizers(self):
        import torch

        return torch.optim.SGD(self.parameters(), lr=0.01)

    def train_dataloader(self):
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        return DataLoader(TensorDataset(torch.randn(16, 4)), batch_size=2)


@claim("LL101")
def test_without_validation_checkpoints_are_saved_at_epoch_ends(tmp_path):
    # the fit graph's claim: `val_check_interval` makes ModelCheckpoint save mid-epoch only
    # when the fit has a validation loop; without one it saves when the epoch ends
    from lightning.pytorch.callbacks import ModelCheckpoint

    saved = {}
    for name, model in (("validating", TinyModel()), ("no-validation", _NoValidation())):
        root = tmp_path / name
        checkpoint = ModelCheckpoint(dirpath=str(root), filename="{step}", save_top_k=-1)
        fit(root, model, max_epochs=2, val_check_interval=2, callbacks=[checkpoint], enable_checkpointing=True)
        saved[name] = sorted(int(p.stem.split("=")[1]) for p in root.glob("step=*.ckpt"))
    assert saved["validating"] == [2, 4, 6, 8, 10, 12, 14, 16]  # after each validation, inside the epoch
    assert saved["no-validation"] == [8, 16]  # at the end of each epoch only
