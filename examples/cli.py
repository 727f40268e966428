"""The same training through LightningCLI: `python cli.py fit --config configs/fit.yaml`."""

from lightning.pytorch.cli import LightningCLI

from data import DigitsDataModule
from model import DigitsClassifier

if __name__ == "__main__":
    LightningCLI(DigitsClassifier, DigitsDataModule)
