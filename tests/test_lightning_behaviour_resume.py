"""Claims about resuming: what a resumed run sees for each kind of training data (LL101),
which state ``last.ckpt`` holds (LL111), and the Trainer methods' keywords (LL302).

Each test runs the real Trainer on the CPU with a tiny model and a few batches."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402

from claims import claim  # noqa: E402
from tiny import TinyModel, trainer  # noqa: E402


class Recorder(TinyModel):
    """Records the first value of every training batch."""

    def __init__(self, data=None) -> None:
        super().__init__(batches=8)
        self.data, self.seen = data, []

    def training_step(self, batch, batch_idx):
        (x,) = batch if isinstance(batch, (list, tuple)) else (batch,)
        self.seen.append(int(x[0, 0]))
        return self.layer(x).pow(2).mean()

    def train_dataloader(self):
        from torch.utils.data import DataLoader

        return DataLoader(self.data, batch_size=2)


class FiniteStream(torch.utils.data.IterableDataset):
    """Rows 0..15, then the stream ends (no ``__len__``)."""

    def __iter__(self):
        for i in range(16):
            yield torch.full((4,), float(i))


class EndlessStream(torch.utils.data.IterableDataset):
    """Samples forever, like a random-camera or environment stream."""

    def __iter__(self):
        i = 0
        while True:
            yield torch.full((4,), float(i))
            i += 1


class ResumableSampler(torch.utils.data.Sampler):
    """Yields the indices of the epoch from a saved position; its length stays the epoch's,
    as Lightning counts the batches already done against it."""

    def __init__(self, size: int) -> None:
        self.size, self.start = size, 0

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        start, self.start = self.start, 0
        return iter(range(start, self.size))

    def state_dict(self):
        return {"start": self.start}

    def load_state_dict(self, state):
        self.start = state["start"]


class SavedPositionData(pl.LightningDataModule):
    """Saves how far the epoch got (its sampler's position) in the checkpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.sampler, self.consumed = ResumableSampler(16), 0

    def on_before_batch_transfer(self, batch, dataloader_idx):
        if self.trainer.training:
            self.consumed += 1
        return batch

    def state_dict(self):
        return {"sampler": {"start": self.consumed * 2}}

    def load_state_dict(self, state):
        self.sampler.load_state_dict(state["sampler"])

    def train_dataloader(self):
        from torch.utils.data import DataLoader, TensorDataset

        data = TensorDataset(torch.arange(16, dtype=torch.float32).unsqueeze(1).repeat(1, 4))
        return DataLoader(data, batch_size=2, sampler=self.sampler)


def _resume(tmp_path, model_factory, datamodule_factory=None, **limits):
    """Fit with a checkpoint at step 3, then resume from it; returns (model, warnings)."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(dirpath=str(tmp_path), every_n_train_steps=3, save_top_k=-1)
    first = model_factory()
    t = trainer(tmp_path, limit_val_batches=0, callbacks=[checkpoint], enable_checkpointing=True, **limits)
    t.fit(first, datamodule=datamodule_factory() if datamodule_factory else None)
    resumed = model_factory()
    t = trainer(tmp_path, limit_val_batches=0, enable_checkpointing=False, **limits)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.fit(
            resumed,
            datamodule=datamodule_factory() if datamodule_factory else None,
            ckpt_path=str(tmp_path / "epoch=0-step=3.ckpt"),
        )
    return first, resumed, t, [str(w.message) for w in caught]


@claim("LL101")
def test_mid_epoch_resume_by_kind_of_training_data(tmp_path):
    # a finite stream: re-read from its start; batches 0-2 trained twice, nothing skipped, no warning
    first, resumed, _, caught = _resume(tmp_path / "finite", lambda: Recorder(FiniteStream()), max_epochs=1)
    assert first.seen == list(range(0, 16, 2))
    assert resumed.seen == list(range(0, 16, 2))
    assert not any("not resumable" in w for w in caught)

    # an endless stream: no epoch; the resumed run trains the remaining steps on fresh draws
    first, resumed, t, caught = _resume(tmp_path / "endless", lambda: Recorder(EndlessStream()), max_steps=6)
    assert len(first.seen) == 6 and len(resumed.seen) == 3 and t.global_step == 6
    assert not any("not resumable" in w for w in caught)

    # a DataModule that saves its position: exactly the rest of the epoch, though Lightning warns
    first, resumed, _, caught = _resume(
        tmp_path / "saved", lambda: Recorder(), datamodule_factory=SavedPositionData, max_epochs=1
    )
    assert first.seen == list(range(0, 16, 2))
    assert resumed.seen == [6, 8, 10, 12, 14]
    assert any("dataloader is not resumable" in w for w in caught)


class Worsening(TinyModel):
    """Logs a validation loss that is best at epoch 0 and worse at every later epoch."""

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", torch.tensor(float(self.current_epoch)))


def _step_of(path) -> int:
    return int(torch.load(str(path), weights_only=False, map_location="cpu")["global_step"])


class LastSpy(pl.Callback):
    """The global step held by ``last.ckpt`` at each epoch end (None: not written yet)."""

    def __init__(self, path) -> None:
        self.path, self.seen = path, []

    def on_train_epoch_end(self, trainer, pl_module):
        self.seen.append(_step_of(self.path) if self.path.exists() else None)


@claim("LL111")
def test_last_checkpoint_follows_top_k(tmp_path):
    from lightning.pytorch.callbacks import ModelCheckpoint

    assert pl.__version__ >= "2.6.0"
    # 5 epochs of 2 steps; val_loss is best at epoch 0 (step 2) and worse afterwards
    monitored = ModelCheckpoint(dirpath=str(tmp_path / "best"), monitor="val_loss", save_top_k=1, save_last=True)
    t = trainer(tmp_path, max_epochs=5, callbacks=[monitored], enable_checkpointing=True)
    t.fit(Worsening(batches=2))
    assert t.global_step == 10
    assert _step_of(tmp_path / "best" / "last.ckpt") == 2  # epoch 0, not the final state

    # the fix: the monitored checkpoint without save_last, and a monitor-free one for last.ckpt
    best = ModelCheckpoint(dirpath=str(tmp_path / "fixed"), monitor="val_loss", save_top_k=1)
    last = ModelCheckpoint(dirpath=str(tmp_path / "fixed"), save_last=True, save_top_k=0)
    spy = LastSpy(tmp_path / "fixed" / "last.ckpt")
    t = trainer(tmp_path, max_epochs=5, callbacks=[best, last, spy], enable_checkpointing=True)
    t.fit(Worsening(batches=2))
    assert _step_of(tmp_path / "fixed" / "last.ckpt") == 10  # the final state
    assert _step_of(best.best_model_path) == 2  # the best weights are still kept
    assert spy.seen == [None] * 5  # with save_top_k=0 it is written when training ends, not before

    # save_top_k=-1 (every checkpoint kept) still refreshes last.ckpt at each trigger
    keep_all = ModelCheckpoint(dirpath=str(tmp_path / "all"), monitor="val_loss", save_top_k=-1, save_last=True)
    t = trainer(tmp_path, max_epochs=5, callbacks=[keep_all], enable_checkpointing=True)
    t.fit(Worsening(batches=2))
    assert _step_of(tmp_path / "all" / "last.ckpt") == 10


@claim("LL302")
def test_run_method_keywords_renamed_in_1_4_raise_type_error(tmp_path):
    t = trainer(tmp_path, max_epochs=1)
    model = TinyModel(batches=2)
    calls = {
        "fit": {"train_dataloader": model.train_dataloader()},
        "validate": {"val_dataloaders": model.val_dataloader()},
        "test": {"test_dataloaders": model.val_dataloader()},
    }
    for method, keywords in calls.items():
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            getattr(t, method)(model, **keywords)
    assert not hasattr(t, "tune")
