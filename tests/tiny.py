"""A tiny LightningModule and data for tests that run the real Trainer on the CPU."""

from __future__ import annotations

import warnings
from typing import Any, Dict, List

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class TinyModel(pl.LightningModule):
    def __init__(self, batches: int = 8, batch_size: int = 2, val_batches: int = 2) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.batches, self.batch_size, self.val_batches = batches, batch_size, val_batches
        self.train_steps_seen: List[int] = []
        self.val_runs: List[int] = []  # global_step at each validation run

    def training_step(self, batch, batch_idx):
        (x,) = batch
        loss = self.layer(x).pow(2).mean()
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        self.log("val_loss", self.layer(x).pow(2).mean())

    def on_validation_epoch_start(self) -> None:
        if not self.trainer.sanity_checking:
            self.val_runs.append(self.trainer.global_step)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(self.batches * self.batch_size, 4)), batch_size=self.batch_size)

    def val_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(self.val_batches * self.batch_size, 4)), batch_size=self.batch_size)


def trainer(tmp_path, **kwargs: Any) -> pl.Trainer:
    defaults: Dict[str, Any] = dict(
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(tmp_path),
        num_sanity_val_steps=0,
    )
    defaults.update(kwargs)
    return pl.Trainer(**defaults)


def fit(tmp_path, model: pl.LightningModule = None, **kwargs: Any):
    """Fit a TinyModel; returns (trainer, model, warning messages)."""
    model = model or TinyModel()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = trainer(tmp_path, **kwargs)
        t.fit(model)
    return t, model, [str(w.message) for w in caught]
