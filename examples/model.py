"""A small classifier: the metrics it logs are what callbacks may monitor."""

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F


class DigitsClassifier(L.LightningModule):
    def __init__(self, hidden: int = 32, lr: float = 1e-3) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", F.cross_entropy(logits, y), prog_bar=True)
        self.log("val_accuracy", (logits.argmax(-1) == y).float().mean())

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        # a one-cycle schedule over every optimizer step of the run, returned in a list:
        # Lightning steps it once per epoch, so it never leaves its warmup
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=10 * self.hparams.lr, total_steps=self.trainer.estimated_stepping_batches
        )
        return [optimizer], [schedule]
