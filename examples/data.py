"""Random 8x8 "digits": enough to make the loops turn."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class DigitsDataModule(L.LightningDataModule):
    def __init__(self, size: int = 512, batch_size: int = 32) -> None:
        super().__init__()
        self.size = size
        self.batch_size = batch_size

    def setup(self, stage=None):
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(self.size, 64, generator=generator)
        y = torch.randint(0, 10, (self.size,), generator=generator)
        split = self.size * 3 // 4
        self.train_set = TensorDataset(x[:split], y[:split])
        self.val_set = TensorDataset(x[split:], y[split:])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size, shuffle=True)
