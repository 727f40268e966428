"""The claims of LL5xx (debugging settings) and LL6xx (data loading), checked against
the installed lightning and torch on the CPU."""

from __future__ import annotations

import logging
import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import DataLoader, RandomSampler, TensorDataset  # noqa: E402

from claims import claim  # noqa: E402
from tiny import TinyModel, fit, trainer  # noqa: E402

SHUFFLE_WARNING = "sampler has shuffling enabled, it is strongly recommended that you turn shuffling off"


class Recording(TinyModel):
    """A TinyModel whose data is numbered, so that the batches each epoch sees can be told."""

    def __init__(self, shuffle_train: bool = False, shuffle_val: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shuffle_train, self.shuffle_val = shuffle_train, shuffle_val
        self.train_seen = {}  # epoch -> sample ids in order
        self.val_batches_seen = 0

    def _data(self, count: int):
        ids = torch.arange(count * self.batch_size, dtype=torch.float32)
        return TensorDataset(ids.unsqueeze(1).repeat(1, 4))

    def training_step(self, batch, batch_idx):
        self.train_seen.setdefault(self.current_epoch, []).extend(batch[0][:, 0].tolist())
        return super().training_step(batch, batch_idx)

    def validation_step(self, batch, batch_idx):
        if not self.trainer.sanity_checking:
            self.val_batches_seen += 1
        return super().validation_step(batch, batch_idx)

    def train_dataloader(self):
        return DataLoader(self._data(self.batches), batch_size=self.batch_size, shuffle=self.shuffle_train)

    def val_dataloader(self):
        return DataLoader(self._data(self.val_batches), batch_size=self.batch_size, shuffle=self.shuffle_val)


# -- LL5xx -------------------------------------------------------------------------------------


@claim("LL501")
def test_fast_dev_run_overrides_limits_and_disables_logging_and_checkpoints(tmp_path, caplog):
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger
    from lightning.pytorch.loggers.logger import DummyLogger

    checkpoints = tmp_path / "ckpts"
    with caplog.at_level(logging.INFO, logger="lightning.pytorch"):
        t, model, _ = fit(
            tmp_path,
            Recording(val_batches=4),
            fast_dev_run=True,
            max_epochs=5,
            max_steps=100,
            limit_val_batches=3,
            logger=CSVLogger(str(tmp_path / "logs")),
            enable_checkpointing=True,
            callbacks=[ModelCheckpoint(dirpath=str(checkpoints), every_n_train_steps=1)],
        )
    assert t.global_step == 1 and t.max_epochs == 1 and t.max_steps == 1  # max_epochs=5, max_steps=100 overridden
    assert t.limit_train_batches == 1 and t.limit_val_batches == 1 and model.val_batches_seen == 1
    assert len(t.loggers) == 1 and isinstance(t.logger, DummyLogger)  # the CSVLogger is replaced
    assert not checkpoints.exists() or not any(checkpoints.iterdir())  # ModelCheckpoint never saved
    assert "Logging and checkpointing is suppressed" in caplog.text

    t, _, _ = fit(tmp_path, Recording(), fast_dev_run=5, max_epochs=3)
    assert t.global_step == 5 and t.current_epoch == 1


@claim("LL502")
def test_overfit_batches_repeats_the_same_unshuffled_batches(tmp_path):
    t, model, caught = fit(
        tmp_path,
        Recording(shuffle_train=True, batches=8, val_batches=6),
        overfit_batches=2,
        max_epochs=3,
        limit_train_batches=6,
        limit_val_batches=5,
    )
    assert t.limit_train_batches == 2 and t.limit_val_batches == 2  # the user's limits are overridden
    assert model.train_seen == {epoch: [0.0, 1.0, 2.0, 3.0] for epoch in range(3)}  # first 2 batches, in order
    assert model.val_batches_seen == 3 * 2
    assert any("You requested to overfit but enabled train dataloader shuffling" in m for m in caught)


@claim("LL503")
def test_debug_flags_slow_down_and_limit(tmp_path, caplog):
    class AnomalyProbe(Recording):
        def training_step(self, batch, batch_idx):
            self.anomaly_mode = torch.is_anomaly_enabled()
            return super().training_step(batch, batch_idx)

    with caplog.at_level(logging.INFO, logger="lightning.pytorch"):
        _, model, _ = fit(tmp_path, AnomalyProbe(), detect_anomaly=True, max_epochs=1, limit_val_batches=0)
    assert model.anomaly_mode is True
    assert "You have turned on `Trainer(detect_anomaly=True)`" in caplog.text
    assert "recommended only for model debugging" in caplog.text

    from lightning.pytorch.profilers import SimpleProfiler

    assert isinstance(trainer(tmp_path, profiler="simple").profiler, SimpleProfiler)

    t, model, _ = fit(tmp_path, Recording(batches=8), limit_train_batches=0.25, max_epochs=2, limit_val_batches=0)
    assert t.global_step == 4 and sorted(model.train_seen) == [0, 1]  # int(8 * 0.25) = 2 batches per epoch


# -- LL6xx -------------------------------------------------------------------------------------


@claim("LL601")
def test_shuffled_eval_loader_warns_and_moves_the_training_randomness(tmp_path):
    _, _, caught = fit(tmp_path, Recording(shuffle_val=True), max_epochs=1)
    assert any("Your `val_dataloader`'s " + SHUFFLE_WARNING in m for m in caught)
    _, _, caught = fit(tmp_path, Recording(), max_epochs=1)
    assert not any(SHUFFLE_WARNING in m for m in caught)

    # passed to trainer.test(dataloaders=...), with a RandomSampler
    class Testable(Recording):
        def test_step(self, batch, batch_idx):
            pass

    data = TensorDataset(torch.randn(8, 4))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        trainer(tmp_path).test(Testable(), dataloaders=DataLoader(data, sampler=RandomSampler(data)))
    assert any("Your `test_dataloader`'s " + SHUFFLE_WARNING in str(w.message) for w in record)

    # each pass over a shuffled loader draws from torch's global generator: validating a
    # shuffled loader changes the training order of the next epoch
    orders = []
    for shuffle_val in (False, True):
        pl.seed_everything(0, verbose=False)
        _, model, _ = fit(tmp_path, Recording(shuffle_train=True, shuffle_val=shuffle_val), max_epochs=2)
        orders.append(model.train_seen)
    assert orders[0][0] == orders[1][0]  # the same first epoch
    assert orders[0][1] != orders[1][1]  # a different second one


@claim("LL602")
def test_persistent_workers_need_workers(tmp_path):
    data = TensorDataset(torch.randn(8, 4))
    for kwargs in ({}, {"num_workers": 0}):
        with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
            DataLoader(data, persistent_workers=True, **kwargs)
    from torchdata.stateful_dataloader import StatefulDataLoader

    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        StatefulDataLoader(data, persistent_workers=True)
    DataLoader(data, persistent_workers=True, num_workers=1)  # accepted with a worker

    class Broken(Recording):  # raised when Lightning calls the hook, after the Trainer is set up
        def val_dataloader(self):
            return DataLoader(self._data(2), persistent_workers=True)

    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        fit(tmp_path, Broken(), max_epochs=1)


@claim("LL603")
def test_few_workers_warning(tmp_path, monkeypatch):
    # Lightning warns when it could suggest more than one worker: more than 2 CPUs per device
    import lightning.fabric.utilities.data as fabric_data

    monkeypatch.setattr(fabric_data, "_num_cpus_available", lambda: 8)
    _, _, caught = fit(tmp_path, Recording(), max_epochs=1)
    assert any(
        "The 'train_dataloader' does not have many workers which may be a bottleneck" in m and "num_workers=7" in m
        for m in caught
    )
    assert any("The 'val_dataloader' does not have many workers" in m for m in caught)

    class OneWorker(Recording):
        def train_dataloader(self):
            return DataLoader(self._data(self.batches), batch_size=self.batch_size, num_workers=1)

    _, _, caught = fit(tmp_path, OneWorker(), max_epochs=1, limit_val_batches=0)
    assert any("The 'train_dataloader' does not have many workers" in m for m in caught)

    class TwoWorkers(Recording):
        def train_dataloader(self):
            return DataLoader(self._data(self.batches), batch_size=self.batch_size, num_workers=2)

    _, _, caught = fit(tmp_path, TwoWorkers(), max_epochs=1, limit_val_batches=0)
    assert not any("does not have many workers" in m for m in caught)
