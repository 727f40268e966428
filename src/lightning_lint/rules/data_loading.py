"""LL6xx: data loading (DataLoader constructions in the project's Python files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.spec import LoaderSpec, LoaderUse, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

# Loaders whose arguments are torch's DataLoader arguments, positions included
# (litdata's StreamingDataLoader takes most of them as keywords and is not checked).
TORCH_LOADERS = ("DataLoader", "StatefulDataLoader")
_RANDOM_SAMPLERS = ("torch.utils.data.RandomSampler", "torch.utils.data.sampler.RandomSampler")
_LIGHTNING_CLASSES = ("LightningModule", "LightningDataModule")

_MODULE = (
    "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\nimport lightning as L\n"
    "ds = TensorDataset(torch.randn(8, 4))\n"
)


def _lightning_owner(use: LoaderUse, ctx: "RuleContext") -> bool:
    """Whether a hook's class is a LightningModule or LightningDataModule: directly, or
    through a base class defined elsewhere in the project."""
    for cls in ctx.extraction.classes:
        if cls.name != use.owner:
            continue
        if cls.lightning_base in _LIGHTNING_CLASSES:
            return True
        bases = {base.rsplit(".", 1)[-1] for base in cls.bases}
        return bool(bases & ctx.facts.lightning_classes)
    return False


def eval_use(loader: LoaderSpec, ctx: "RuleContext") -> Optional[LoaderUse]:
    """The first place that provably gives this loader to a val/test/predict loop."""
    for use in loader.uses:
        if use.role != "train" and (use.owner is None or _lightning_owner(use, ctx)):
            return use
    return None


class ShuffledEvalLoader(Rule):
    """
    ## What it does
    Flags a DataLoader with `shuffle=True` (or a `RandomSampler`) that is given to a
    validation, test or predict loop: returned by `val_dataloader()`,
    `test_dataloader()` or `predict_dataloader()` of a LightningModule or
    LightningDataModule, or passed as `val_dataloaders=` to `fit` or `dataloaders=` to
    `validate`, `test` or `predict`. A loader whose use cannot be seen is left alone.

    ## Why is this bad?
    Shuffling evaluation data buys nothing and costs reproducibility. With
    `limit_val_batches` below all batches, every validation evaluates a different random
    subset, so the monitored metric (and the checkpoint it selects) moves with the draw.
    Per-batch outputs (logged images, `predict` results) come in a different order every
    run. And each pass over a shuffled loader draws a seed from torch's global random
    generator, so how often you validate changes the training shuffle and dropout that
    follow.

    ## What Lightning does
    It warns and goes on: "Your `val_dataloader`'s sampler has shuffling enabled, it is
    strongly recommended that you turn shuffling off for val/test dataloaders."
    (`PossibleUserWarning`).

    ## Example
    ```python
    class Data(L.LightningDataModule):
        def val_dataloader(self):
            return DataLoader(self.val_set, batch_size=64, shuffle=True)
    ```

    ## How to fix
    Drop `shuffle=True` (or the `RandomSampler`) from evaluation loaders.

    ## Fix safety
    The fix sets `shuffle=False`. It is unsafe, as it changes which batches a limited
    evaluation sees. It is not offered for a loader that is also used for training.
    """

    code = "LL601"
    name = "shuffled-eval-loader"
    fix_availability = "sometimes"
    summary = "A validation, test or predict DataLoader with shuffle=True."
    VALID = [
        _MODULE + "class M(L.LightningModule):\n    def val_dataloader(self):\n"
        "        return DataLoader(ds, batch_size=2)\n",
        _MODULE + "class M(L.LightningModule):\n    def train_dataloader(self):\n"
        "        return DataLoader(ds, shuffle=True)\n",
        example(
            _MODULE + "class Helper:\n    def val_dataloader(self):\n        return DataLoader(ds, shuffle=True)\n",
            note="not a Lightning class",
        ),
        example(
            _MODULE + "class M(L.LightningModule):\n    def __init__(self, shuffle):\n"
            "        super().__init__()\n        self.shuffle = shuffle\n"
            "    def val_dataloader(self):\n        return DataLoader(ds, shuffle=self.shuffle)\n",
            note="unknown value",
        ),
        example(
            _MODULE + "class M(L.LightningModule):\n    def val_dataloader(self, **kw):\n"
            "        return DataLoader(ds, **kw)\n",
            note="**kwargs",
        ),
        example(_MODULE + "val_loader = DataLoader(ds, shuffle=True)\n", note="named val but its use is not seen"),
        example(
            _MODULE + "class M(L.LightningModule):\n    def val_dataloader(self):\n"
            "        extra = DataLoader(ds, shuffle=True)\n        return DataLoader(ds)\n",
            note="built in the hook but not returned",
        ),
        example(
            _MODULE + "def run(trainer, model):\n"
            "    trainer.fit(model, train_dataloaders=DataLoader(ds, shuffle=True),\n"
            "                val_dataloaders=DataLoader(ds))\n"
        ),
        example(
            _MODULE + "class Data(L.LightningDataModule):\n    def setup(self, stage):\n"
            "        self.loaders = {'train': DataLoader(ds, shuffle=True), 'val': DataLoader(ds)}\n"
            "    def val_dataloader(self):\n        return self.loaders['val']\n",
            note="picked out of a dict by key: not followed",
        ),
        example(
            _MODULE + "def run(trainer, model):\n    loader = DataLoader(ds, shuffle=True)\n"
            "    trainer.fit(model, loader, loader)\n",
            note="positional arguments of something not known to be a Trainer",
        ),
        example(
            _MODULE + "loaders = {'train': DataLoader(ds, shuffle=True), 'val': DataLoader(ds)}\n"
            "trainer = L.Trainer(max_epochs=1)\n"
            "trainer.fit(M(), loaders['train'], loaders['val'])\n",
            note="the loaders picked out of a dict by key: the validation one does not shuffle",
        ),
        example(
            _MODULE + "loaders = {'val': DataLoader(ds, shuffle=True)}\nloaders['val'] = DataLoader(ds)\n"
            "trainer = L.Trainer(max_epochs=1)\ntrainer.validate(M(), dataloaders=loaders['val'])\n",
            note="the dict is changed after it is built: not followed",
        ),
    ]
    INVALID = [
        example(
            _MODULE + "class Data(L.LightningDataModule):\n    def val_dataloader(self):\n"
            "        return DataLoader(ds, batch_size=2, shuffle=True)\n",
            message="returned by `Data.val_dataloader()`",
            fixed=_MODULE + "class Data(L.LightningDataModule):\n    def val_dataloader(self):\n"
            "        return DataLoader(ds, batch_size=2, shuffle=False)\n",
            unsafe=True,
        ),
        example(
            _MODULE + "class Data(L.LightningDataModule):\n    def setup(self, stage):\n"
            "        self.test_loader = DataLoader(ds, 2, True)\n"
            "    def test_dataloader(self):\n        return self.test_loader\n",
            message="`test_dataloader`",
        ),
        example(
            _MODULE + "from torch.utils.data import RandomSampler\nclass M(L.LightningModule):\n"
            "    def predict_dataloader(self):\n"
            "        loader = DataLoader(ds, sampler=RandomSampler(ds))\n"
            "        return [loader]\n",
            message="RandomSampler",
        ),
        example(
            _MODULE + "train_loader = DataLoader(ds, shuffle=True)\ntrainer = L.Trainer(max_epochs=1)\n"
            "trainer.fit(M(), train_loader, train_loader)\n",
            message="passed to `trainer.fit",
            note="the training loader reused for validation: no fix",
        ),
        example(
            _MODULE + "def evaluate(trainer, model):\n"
            "    trainer.validate(model, dataloaders=DataLoader(ds, shuffle=True))\n"
        ),
        example(
            "from base import BaseData\nfrom torch.utils.data import DataLoader\n"
            "class Data(BaseData):\n    def val_dataloader(self):\n"
            "        return DataLoader(self.val_set, shuffle=True)\n",
            files={"base.py": "import lightning as L\nclass BaseData(L.LightningDataModule):\n    pass\n"},
            note="the Lightning base class is in another file",
        ),
        example(
            _MODULE + "loaders = {'train': DataLoader(ds, shuffle=True), 'val': DataLoader(ds, shuffle=True)}\n"
            "val_loader = loaders['val']\ntrainer = L.Trainer(max_epochs=1)\n"
            "trainer.fit(M(), loaders['train'], val_dataloaders=val_loader)\n",
            message="passed to `trainer.fit(val_dataloaders=...)`",
            note="a loader picked out of a dict by key, through a variable",
        ),
        example(
            _MODULE + "import sys\nsmall = len(sys.argv) > 1\n"
            "val_loader = DataLoader(ds, shuffle=True) if small else DataLoader(ds, batch_size=8, shuffle=True)\n"
            "trainer = L.Trainer(max_epochs=1)\ntrainer.fit(M(), val_dataloaders=val_loader)\n",
            message="shuffles",
            note="either branch of a conditional expression",
        ),
    ]

    def check_loader(self, loader: LoaderSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if loader.kind not in TORCH_LOADERS:
            return
        use = eval_use(loader, ctx)
        if use is None:
            return
        shuffle, sampler = loader.get("shuffle"), loader.get("sampler")
        fix = None
        if shuffle.known and shuffle.data is True:
            value, what = shuffle, "`shuffle=True`"
            if loader.role != "train" and all(u.role != "train" for u in loader.uses):
                fix = replace_value(shuffle, False, "python", "Set `shuffle=False`", Applicability.UNSAFE)
        elif sampler.is_call() and sampler.data.qualname in _RANDOM_SAMPLERS:
            value, what = sampler, "a `RandomSampler`"
        else:
            return
        stage = use.role
        yield self.report(
            value,
            f"this {loader.kind} is {use.how} and shuffles ({what}): Lightning warns that "
            f"the `{stage}_dataloader`'s sampler has shuffling enabled; a limited "
            f"`limit_{stage}_batches` then evaluates a different subset every time",
            fix=fix,
            related=[use.loc],
            help="evaluation loaders should not shuffle",
        )


def _torch_loader_int(value: Value) -> Optional[int]:
    if value.decidable and isinstance(value.data, int) and not isinstance(value.data, bool):
        return value.data
    return None


class PersistentWorkersWithoutWorkers(Rule):
    """
    ## What it does
    Flags `DataLoader(persistent_workers=True)` whose `num_workers` is 0 (written, or
    left at the default).

    ## Why is this bad?
    The loader cannot be built: torch raises `ValueError: persistent_workers option
    needs num_workers > 0`, at the moment the `*_dataloader()` hook runs, after the
    model and the Trainer have been set up.

    ## What Lightning does
    Nothing: the error comes from `torch.utils.data.DataLoader.__init__`.

    ## Example
    ```python
    DataLoader(dataset, batch_size=32, persistent_workers=True)
    ```

    ## How to fix
    Give the loader workers (`num_workers=4`), or drop `persistent_workers`.
    """

    code = "LL602"
    name = "persistent-workers-without-workers"
    severity = Severity.ERROR
    summary = "DataLoader(persistent_workers=True) with num_workers=0: torch raises ValueError."
    VALID = [
        _MODULE + "DataLoader(ds, num_workers=2, persistent_workers=True)\n",
        _MODULE + "DataLoader(ds, num_workers=0, persistent_workers=False)\n",
        example(
            _MODULE + "def make(n):\n    return DataLoader(ds, num_workers=n, persistent_workers=True)\n",
            note="unknown num_workers",
        ),
        example(
            _MODULE + "def make(**kw):\n    return DataLoader(ds, persistent_workers=True, **kw)\n",
            note="**kw may set num_workers",
        ),
        example(_MODULE + "def make(p):\n    return DataLoader(ds, persistent_workers=p)\n", note="unknown"),
    ]
    INVALID = [
        example(_MODULE + "DataLoader(ds, batch_size=2, persistent_workers=True)\n", message="(the default)"),
        example(
            _MODULE + "DataLoader(ds, 2, False, None, None, 0, persistent_workers=True)\n",
            note="num_workers given by position",
        ),
        example(
            "from torchdata.stateful_dataloader import StatefulDataLoader\n"
            "def make(ds):\n    return StatefulDataLoader(ds, num_workers=0, persistent_workers=True)\n"
        ),
    ]

    def check_loader(self, loader: LoaderSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if loader.kind not in TORCH_LOADERS:
            return
        persistent, workers = loader.get("persistent_workers"), loader.get("num_workers")
        if not (persistent.known and persistent.data is True) or _torch_loader_int(workers) != 0:
            return
        written = "" if workers.known else " (the default)"
        yield self.report(
            persistent,
            f"`persistent_workers=True` with `num_workers=0`{written}: torch raises "
            "`ValueError: persistent_workers option needs num_workers > 0` when the "
            "loader is built",
            related=[workers.anchor] if workers.known and workers.anchor else [],
            help="set `num_workers` to 1 or more, or drop `persistent_workers`",
        )


class FewWorkers(Rule):
    """
    ## What it does
    Flags a DataLoader with `num_workers` 0 (written, or left at the default) or 1.
    Opt-in: small in-memory datasets and debugging sessions are fine without workers.

    ## Why is this bad?
    With `num_workers=0` the main process loads and collates every batch between
    training steps, and the accelerator waits. One worker helps little.

    ## What Lightning does
    When the machine has more than two CPUs per device, it warns for each such loader:
    "The 'train_dataloader' does not have many workers which may be a bottleneck.
    Consider increasing the value of the `num_workers` argument` to
    `num_workers={n}` in the `DataLoader` to improve performance."
    (`PossibleUserWarning`).

    ## Example
    ```python
    DataLoader(dataset, batch_size=32, shuffle=True)
    ```

    ## How to fix
    Set `num_workers` (Lightning suggests CPUs per device minus one), usually with
    `persistent_workers=True`.
    """

    code = "LL603"
    name = "few-workers"
    severity = Severity.INFO
    default_enabled = False
    summary = "A DataLoader with num_workers < 2: batches are loaded in (or next to) the main process."
    VALID = [
        _MODULE + "DataLoader(ds, num_workers=4)\n",
        example(_MODULE + "import os\nDataLoader(ds, num_workers=os.cpu_count())\n", note="unknown"),
        example(_MODULE + "def make(**kw):\n    return DataLoader(ds, **kw)\n", note="**kw may set num_workers"),
    ]
    INVALID = [
        example(_MODULE + "DataLoader(ds, batch_size=2)\n", message="the main process"),
        example(_MODULE + "DataLoader(ds, num_workers=1)\n", message="a single worker"),
    ]

    def check_loader(self, loader: LoaderSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if loader.kind not in TORCH_LOADERS:
            return
        workers = loader.get("num_workers")
        count = _torch_loader_int(workers)
        if count is None or count >= 2:
            return
        if count == 0:
            shown = "`num_workers=0`" if workers.known else "no `num_workers` (0)"
            message = f"{shown}: every batch is loaded in the main process, between training steps"
        else:
            message = "`num_workers=1`: a single worker process loads every batch"
        yield self.report(
            workers if workers.known else loader,
            message + '; Lightning warns that the loader "does not have many workers which may be a bottleneck"',
            help="set `num_workers` to the CPUs per device minus one",
        )
