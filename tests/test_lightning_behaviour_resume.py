"""Claims about resuming: what a resumed run sees for each kind of training data (LL101),
which state ``last.ckpt`` holds (LL111), and the Trainer methods' keywords (LL302).

Each test runs the real Trainer on the CPU with a tiny model and a few batches."""

from __future__ import annotations

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

import lightning.pytorch as pl  # noqa: E402
import torch  # noqa: E402

from claims import claim  # noqa: E402
from tiny import TinyModel, trainer  # noqa: E402


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
