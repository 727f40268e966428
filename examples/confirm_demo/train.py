"""A run that never reaches its max_steps: `python train.py` (CPU, a few seconds).

The learning-rate schedule is planned over `max_steps=1000`, but the data has 50 batches
per epoch and `max_epochs=2` ends training at step 100. A static check cannot know the 50
(it depends on the data), so `lightning-lint` says LL003 "may be unreachable";
`lightning-lint confirm train.py` measures the loader and reports LL002 with the real stop.
"""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Regressor(L.LightningModule):
    def __init__(self, max_steps: int) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(8, 1)
        self.max_steps = max_steps

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        # the schedule decays to zero at max_steps: it never gets there
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / self.max_steps))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def train_loader(samples: int = 400, batch_size: int = 8) -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, 8, generator=generator)
    y = x.sum(dim=1, keepdim=True)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)


def main() -> None:
    trainer = L.Trainer(
        max_epochs=2,
        max_steps=1000,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
    )
    trainer.fit(Regressor(max_steps=1000), train_loader())
    print(f"stopped at step {trainer.global_step}")


if __name__ == "__main__":
    main()
