"""Train the classifier: `python train.py`."""

import lightning as L
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

from data import DigitsDataModule
from model import DigitsClassifier


def main() -> None:
    checkpoint = ModelCheckpoint(monitor="val_acc", mode="max", every_n_train_steps=500, save_top_k=3)
    trainer = L.Trainer(
        max_epochs=10,
        max_steps=1_000_000,  # the learning-rate schedule is planned over a million steps
        accelerator="gpu",
        devices=1,
        precision=16,
        replace_sampler_ddp=False,
        callbacks=[checkpoint, EarlyStopping(monitor="val_loss", patience=20)],
    )
    trainer.fit(DigitsClassifier(), datamodule=DigitsDataModule())


if __name__ == "__main__":
    main()
