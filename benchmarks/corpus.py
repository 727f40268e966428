"""The inputs of the benchmark, written under ``benchmarks/corpus/`` (git-ignored).

Each tree is its own little repository (``git init``, a ``pyproject.toml`` with an empty
``[tool.lightning-lint]`` table, a ``.gitignore``), so that every tool sees it as a user's
project and not as a folder of this repository (whose settings exclude ``benchmarks/corpus``).

- ``one_file``: Lightning's own ``trainer/trainer.py`` (1,800 lines) with a training
  entry point appended, so that the file has a ``Trainer(...)`` call to check.
- ``lightning``: the source tree of the installed ``lightning`` package.
- ``generated``: a repository of a few thousand Python files, a few percent of which are
  Lightning training code (scripts, LightningModules, DataModules, LightningCLI configs),
  the rest ordinary library code; deterministic (seeded).
- ``yaml_only``: a Hydra config tree, LightningCLI configs and unrelated YAML (CI
  workflows, compose files); not one Python file.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Dict

CORPUS = Path(__file__).resolve().parent / "corpus"
GENERATOR_VERSION = "2"  # bump when the generated trees change


def _project(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\nversion = '0'\n\n[tool.lightning-lint]\n")
    (root / ".gitignore").write_text(".lightning-lint-cache/\n.ruff_cache/\n__pycache__/\n")
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=False, capture_output=True)


def _write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _fresh(root: Path, stamp: str) -> bool:
    """Whether ``root`` was already generated with the same parameters."""
    marker = root / ".bench-stamp"
    return marker.is_file() and marker.read_text() == stamp


def _stamp(root: Path, stamp: str) -> None:
    (root / ".bench-stamp").write_text(stamp)


def lightning_source() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("lightning")
    if spec is None or spec.origin is None:
        raise SystemExit("the `lightning` package is not installed: it is the stand-in for a large repository")
    return Path(spec.origin).parent


# -- (a) one file ---------------------------------------------------------------------------

ENTRY_POINT = """


# -- a training entry point (added by the benchmark) ----------------------------------------
if __name__ == "__main__":
    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint

    checkpoint = ModelCheckpoint(monitor="val_loss", every_n_train_steps=500, save_top_k=3)
    trainer = L.Trainer(max_epochs=10, max_steps=100_000, accelerator="gpu", devices=2, precision=16,
                        callbacks=[checkpoint], log_every_n_steps=50)
    trainer.fit(None)
"""


def one_file() -> Path:
    root = CORPUS / "one_file"
    source = lightning_source() / "pytorch" / "trainer" / "trainer.py"
    stamp = f"{GENERATOR_VERSION} {source} {source.stat().st_mtime}"
    if not _fresh(root, stamp):
        shutil.rmtree(root, ignore_errors=True)
        _project(root)
        (root / "trainer.py").write_text(source.read_text(encoding="utf-8") + ENTRY_POINT, encoding="utf-8")
        _stamp(root, stamp)
    return root / "trainer.py"


# -- (b) the lightning package ------------------------------------------------------------------


def lightning_tree() -> Path:
    root = CORPUS / "lightning"
    source = lightning_source()
    stamp = f"{GENERATOR_VERSION} {source}"
    if not _fresh(root, stamp):
        shutil.rmtree(root, ignore_errors=True)
        _project(root)
        shutil.copytree(source, root / "lightning", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _stamp(root, stamp)
    return root


# -- (c) a generated repository -------------------------------------------------------------

_WORDS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "record",
    "buffer",
    "vector",
    "token",
    "index",
    "frame",
    "batch",
    "graph",
    "node",
    "edge",
    "cache",
    "store",
    "query",
    "parse",
    "encode",
    "decode",
    "merge",
    "split",
    "score",
    "metric",
    "window",
    "sample",
    "filter",
    "reduce",
    "tensor",
    "config",
    "option",
    "report",
)


def _name(rng: random.Random, parts: int = 2) -> str:
    return "_".join(rng.choice(_WORDS) for _ in range(parts))


def _plain_module(rng: random.Random) -> str:
    """Ordinary library code: functions, a class or two, docstrings; nothing Lightning."""
    out = [
        '"""Utilities for {}."""'.format(_name(rng).replace("_", " ")),
        "",
        "from __future__ import annotations",
        "",
        "import math",
        "import os",
        "from dataclasses import dataclass, field",
        "from typing import Dict, List, Optional",
        "",
        "",
    ]
    for _ in range(rng.randint(2, 9)):
        fn = _name(rng, 3)
        out += [
            f"def {fn}(items: List[float], scale: float = {rng.randint(1, 9)}.0) -> Dict[str, float]:",
            f'    """Compute {fn.replace("_", " ")} over ``items``."""',
            "    totals: Dict[str, float] = {}",
            "    for position, item in enumerate(items):",
            f'        key = f"{{position % {rng.randint(2, 7)}}}"',
            "        if item > scale:",
            "            totals[key] = totals.get(key, 0.0) + math.sqrt(item)",
            "        else:",
            f"            totals[key] = totals.get(key, 0.0) - item * {rng.random():.3f}",
            "    return {k: v / max(len(items), 1) for k, v in totals.items()}",
            "",
            "",
        ]
    for _ in range(rng.randint(0, 3)):
        cls = "".join(w.title() for w in _name(rng, 2).split("_"))
        out += [
            "@dataclass",
            f"class {cls}:",
            f'    """A {cls} record."""',
            "",
            "    name: str",
            f"    size: int = {rng.randint(1, 512)}",
            "    tags: List[str] = field(default_factory=list)",
            "",
            "    def describe(self) -> str:",
            "        return f\"{self.name} ({self.size}): {', '.join(self.tags) or '-'}\"",
            "",
            "    def scaled(self, factor: float) -> Optional[float]:",
            "        if factor <= 0:",
            "            return None",
            "        return self.size * factor / os.cpu_count() if os.cpu_count() else None",
            "",
            "",
        ]
    return "\n".join(out)


def _training_script(rng: random.Random, module: str) -> str:
    epochs = rng.choice([3, 10, 20, 50, None])
    steps = rng.choice([None, 1000, 50_000, 1_000_000])
    trigger = rng.choice(["every_n_train_steps=500", "every_n_epochs=1", "train_time_interval=None"])
    args = []
    if epochs is not None:
        args.append(f"max_epochs={epochs}")
    if steps is not None:
        args.append(f"max_steps={steps}")
    args.append(rng.choice(['accelerator="gpu", devices=2', 'accelerator="cpu"', "gpus=2", 'accelerator="auto"']))
    args.append(rng.choice(["precision=16", 'precision="bf16-mixed"', 'precision="32-true"']))
    if rng.random() < 0.3:
        args.append(f"val_check_interval={rng.choice([100, 0.25, 2000])}")
    if rng.random() < 0.3:
        args.append(f"accumulate_grad_batches={rng.choice([2, 4, 8])}")
    return textwrap.dedent(f'''\
        """Train {module}."""

        import lightning as L
        import torch
        from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
        from torch.utils.data import DataLoader, TensorDataset


        class {module.title().replace("_", "")}(L.LightningModule):
            def __init__(self, hidden: int = 64) -> None:
                super().__init__()
                self.layer = torch.nn.Linear(32, hidden)

            def training_step(self, batch, batch_idx):
                loss = self.layer(batch[0]).sum()
                self.log("train_loss", loss)
                return loss

            def validation_step(self, batch, batch_idx):
                self.log("val_loss", self.layer(batch[0]).sum())

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), lr=1e-3)

            def train_dataloader(self):
                return DataLoader(TensorDataset(torch.randn(256, 32)), batch_size=32, shuffle=True)

            def val_dataloader(self):
                return DataLoader(TensorDataset(torch.randn(64, 32)), batch_size=32)


        def main() -> None:
            checkpoint = ModelCheckpoint(monitor="val_loss", {trigger}, save_top_k=2)
            trainer = L.Trainer({", ".join(args)},
                                callbacks=[checkpoint, EarlyStopping(monitor="val_loss", patience=5)])
            trainer.fit({module.title().replace("_", "")}())


        if __name__ == "__main__":
            main()
        ''')


def _lightning_module(rng: random.Random, name: str) -> str:
    return textwrap.dedent(f'''\
        """The {name} model."""

        import lightning.pytorch as pl
        import torch


        class {name.title().replace("_", "")}Module(pl.LightningModule):
            def __init__(self, lr: float = {rng.choice(["1e-3", "3e-4", "0.01"])}) -> None:
                super().__init__()
                self.save_hyperparameters()
                self.net = torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

            def forward(self, x):
                return self.net(x)

            def training_step(self, batch, batch_idx):
                x, y = batch
                loss = torch.nn.functional.mse_loss(self(x), y)
                self.log("{rng.choice(["train/loss", "loss", "train_loss"])}", loss, prog_bar=True)
                return loss

            def validation_step(self, batch, batch_idx):
                x, y = batch
                self.log_dict({{"val/loss": torch.nn.functional.mse_loss(self(x), y)}})

            def configure_optimizers(self):
                return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        ''')


def _cli_config(rng: random.Random) -> str:
    return textwrap.dedent(f"""\
        seed_everything: {rng.randint(0, 9999)}
        trainer:
          max_epochs: {rng.choice([5, 10, 100])}
          max_steps: {rng.choice([-1, 2000, 500000])}
          accelerator: {rng.choice(["gpu", "cpu", "auto"])}
          devices: {rng.choice([1, 2, 4])}
          precision: {rng.choice(["16-mixed", "bf16-mixed", "32"])}
          callbacks:
            - class_path: lightning.pytorch.callbacks.ModelCheckpoint
              init_args:
                monitor: val_loss
                every_n_train_steps: {rng.choice([100, 1000])}
        model:
          lr: 0.001
        data:
          batch_size: {rng.choice([16, 32, 64])}
        """)


def generated_repo(files: int = 3000, lightning_percent: float = 3.0, seed: int = 0) -> Path:
    root = CORPUS / "generated"
    stamp = f"{GENERATOR_VERSION} {files} {lightning_percent} {seed}"
    if _fresh(root, stamp):
        return root
    shutil.rmtree(root, ignore_errors=True)
    _project(root)
    rng = random.Random(seed)
    lightning_files = max(1, round(files * lightning_percent / 100))
    kinds = ["script", "module", "config"]
    out: Dict[str, str] = {}
    for number in range(files):
        package = f"pkg{number % 40:02d}/sub{number % 7}"
        if number % max(1, files // lightning_files) == 0 and lightning_files > 0:
            lightning_files -= 1
            kind = kinds[number % 3]
            name = f"{_name(rng)}_{number}"
            if kind == "script":
                out[f"{package}/train_{name}.py"] = _training_script(rng, name)
            elif kind == "module":
                out[f"{package}/model_{name}.py"] = _lightning_module(rng, name)
            else:
                out[f"configs/{name}.yaml"] = _cli_config(rng)
            continue
        out[f"{package}/{_name(rng)}_{number}.py"] = _plain_module(rng)
    for number in range(20):  # YAML that is not Lightning's
        out[f".github/workflows/job{number}.yml"] = (
            f"name: job{number}\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
            f"    steps:\n      - uses: actions/checkout@v4\n      - run: make test-{number}\n"
        )
    _write(root, out)
    _stamp(root, stamp)
    return root


# -- (d) a YAML-only config tree --------------------------------------------------------------


def yaml_tree(variants: int = 120, seed: int = 1) -> Path:
    root = CORPUS / "yaml_only"
    stamp = f"{GENERATOR_VERSION} {variants} {seed}"
    if _fresh(root, stamp):
        return root
    shutil.rmtree(root, ignore_errors=True)
    _project(root)
    rng = random.Random(seed)
    out: Dict[str, str] = {
        "conf/train.yaml": textwrap.dedent("""\
            defaults:
              - _self_
              - trainer: default
              - model: model_0
              - callbacks: default
              - logger: csv
              - experiment: null

            seed: 42
            task_name: train
            """),
        "conf/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 10\n"
        "accelerator: cpu\ndevices: 1\ncheck_val_every_n_epoch: 1\n",
        "conf/trainer/gpu.yaml": "defaults:\n  - default\naccelerator: gpu\ndevices: 1\n",
        "conf/trainer/ddp.yaml": "defaults:\n  - default\nstrategy: ddp\naccelerator: gpu\ndevices: 4\n"
        "sync_batchnorm: true\n",
        "conf/trainer/debug.yaml": "defaults:\n  - default\nfast_dev_run: true\n",
        "conf/callbacks/default.yaml": textwrap.dedent("""\
            model_checkpoint:
              _target_: lightning.pytorch.callbacks.ModelCheckpoint
              monitor: val/loss
              mode: min
              save_last: true
            early_stopping:
              _target_: lightning.pytorch.callbacks.EarlyStopping
              monitor: val/loss
              patience: 10
            """),
        "conf/logger/csv.yaml": "csv:\n  _target_: lightning.pytorch.loggers.CSVLogger\n  save_dir: logs\n",
    }
    for number in range(variants):
        out[f"conf/model/model_{number}.yaml"] = (
            f"_target_: src.models.Model{number}\nlr: {rng.choice(['0.001', '0.0003'])}\n"
            f"hidden: {rng.choice([64, 128, 256])}\n"
        )
        out[f"conf/experiment/exp_{number}.yaml"] = textwrap.dedent(f"""\
            # @package _global_
            defaults:
              - override /trainer: {rng.choice(["gpu", "ddp", "default"])}
              - override /model: model_{number}

            trainer:
              max_epochs: {rng.choice([5, 20, 100])}
              max_steps: {rng.choice([-1, 1000, 200000])}
              precision: {rng.choice(["16-mixed", "bf16-mixed", "32-true", "16"])}
            callbacks:
              model_checkpoint:
                every_n_train_steps: {rng.choice([0, 100, 1000])}
            """)
        out[f"configs/cli_{number}.yaml"] = _cli_config(rng)
    for number in range(variants // 2):
        out[f".github/workflows/ci_{number}.yml"] = (
            f"name: ci{number}\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
            f"    steps:\n      - uses: actions/checkout@v4\n      - run: pip install -e .\n"
        )
        out[f"deploy/compose_{number}.yaml"] = (
            f'services:\n  web{number}:\n    image: nginx:1.{number}\n    ports:\n      - "80{number:02d}:80"\n'
        )
    _write(root, out)
    _stamp(root, stamp)
    return root


def count_files(root: Path) -> Dict[str, int]:
    counts = {"py": 0, "yaml": 0}
    for _, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") or d == ".github"]
        for name in names:
            if name.endswith(".py"):
                counts["py"] += 1
            elif name.endswith((".yaml", ".yml")):
                counts["yaml"] += 1
    return counts
