"""LL1xx: checkpoints and resuming."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Tuple

from lightning_lint.model import fit_graph
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from lightning_lint.model.facts import RESUME_BEHAVIOUR
from lightning_lint.model.schedule import checkpoint_plan
from lightning_lint.model.spec import FLAVOR_PYTHON, Call, CallbackSpec, TrainerSpec, Value, describe
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import (
    checkpoints,
    default_checkpoint_active,
    fast_dev_run_on,
    int_of,
    is_validation_metric,
    str_of,
)
from lightning_lint.rules.fixes import insert_argument, removal_edit

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_PLAIN_LOADER_PROJECT = {
    "data.py": "from torch.utils.data import DataLoader\n"
    "def train_dataloader(ds):\n    return DataLoader(ds, batch_size=32, shuffle=True)\n",
}
_USES_DATA = "from lightning.pytorch.callbacks import ModelCheckpoint\nfrom data import train_dataloader\n"
_STATEFUL_LOADER_PROJECT = {
    "data.py": "from torchdata.stateful_dataloader import StatefulDataLoader\n"
    "def train_dataloader(ds):\n    return StatefulDataLoader(ds, batch_size=32, shuffle=True)\n",
}

_ENDLESS_STREAM_PROJECT = {
    "data.py": "import random\nfrom torch.utils.data import DataLoader, IterableDataset\n"
    "class RandomCameras(IterableDataset):\n    def __iter__(self):\n        while True:\n"
    "            yield random.random()\n"
    "def train_dataloader():\n    return DataLoader(RandomCameras(), batch_size=4)\n",
}
_FINITE_STREAM_PROJECT = {
    "data.py": "from torch.utils.data import DataLoader, IterableDataset\n"
    "class Lines(IterableDataset):\n    def __iter__(self):\n        with open('data.txt') as f:\n"
    "            yield from f\n"
    "def train_dataloader():\n    return DataLoader(Lines(), batch_size=4)\n",
}


def _mid_epoch_trigger(callback: CallbackSpec) -> Optional[Tuple[str, Value]]:
    """The argument that makes this ModelCheckpoint save mid-epoch, if one does."""
    steps = callback.get("every_n_train_steps")
    if int_of(steps) is not None and steps.data > 0:
        return "every_n_train_steps", steps
    interval = callback.get("train_time_interval")
    if interval.known and interval.data is not None:
        return "train_time_interval", interval
    return None


class MidEpochCheckpointNotResumable(Rule):
    """
    ## What it does
    Flags checkpoints taken in the middle of an epoch (`every_n_train_steps`,
    `train_time_interval`, or a checkpoint saved after intra-epoch validation) when the
    training DataLoader cannot resume mid-epoch: a plain `torch.utils.data.DataLoader`,
    not a loader that implements `state_dict` / `load_state_dict`. The loader is the one
    that Trainer's `fit` receives (passed to `fit`, or returned by the DataModule's or the
    model's `train_dataloader()`, followed across modules and base classes). When that
    cannot be followed, the loaders built in the file and in the project modules it
    imports decide, and the message says so; a loader of another script never does.

    ## Why is this bad?
    Resuming from such a checkpoint restores the loop counters ("5 batches of this epoch
    are done") but the plain DataLoader starts the epoch from its beginning. The resumed
    run trains the first batches of the epoch a second time and never sees the batches
    at its end; with `shuffle=True` it draws a different order as well. Lightning only
    warns at resume time, long after the checkpoints were written.

    What a resumed run sees depends on the training data (`explain` shows the kind; each
    is proven by a real mid-epoch resume in the tests):
    - a map-style dataset (`__getitem__`): the first batches of the epoch are trained
      again and the last ones skipped;
    - a finite `IterableDataset` (an `__iter__` that ends): the stream is re-read from its
      start, so the batches before the checkpoint are trained twice and nothing is
      skipped; Lightning prints no warning, as its check needs a known number of batches;
    - an endless stream (an `__iter__` with `while True:` and no `break`/`return`/`raise`,
      or `itertools.count`/`cycle`): there is no epoch to replay, and the rule is quiet;
    - a sampler or DataModule with `state_dict`/`load_state_dict` (the project saves the
      position itself): the rule is quiet and presumes the project is right (Lightning
      still warns "not resumable" for the plain DataLoader).
    A DataLoader whose dataset class is not found is taken as map-style.

    ## What Lightning does
    `_FitLoop.on_save_checkpoint` stores `state_dict()` of every training loader that is
    `_Stateful` (has `state_dict` and `load_state_dict`); a plain DataLoader stores
    nothing. On resume `_TrainingEpochLoop` warns "You're resuming from a checkpoint that
    ended before the epoch ended and your dataloader is not resumable".

    ## Example
    ```python
    ModelCheckpoint(every_n_train_steps=500)   # with DataLoader(dataset, shuffle=True)
    ```

    ## How to fix
    Use a loader that keeps its position (`torchdata.stateful_dataloader.StatefulDataLoader`
    is a drop-in replacement; litdata's `StreamingDataLoader` also works), or checkpoint at
    epoch ends (`every_n_epochs=1`).
    """

    code = "LL101"
    name = "mid-epoch-checkpoint-not-resumable"
    severity = Severity.WARNING
    needs = "S*"
    summary = "Mid-epoch checkpoints with a plain DataLoader: a resumed run replays the start of the epoch."
    VALID = [
        example(
            _USES_DATA + "ModelCheckpoint(every_n_train_steps=500)\n",
            files=_STATEFUL_LOADER_PROJECT,
            note="StatefulDataLoader keeps its position",
        ),
        example(
            _USES_DATA + "ModelCheckpoint(every_n_epochs=1)\n",
            files=_PLAIN_LOADER_PROJECT,
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_train_steps=500)\n",
            note="no loader found in the project: nothing to prove",
        ),
        example(
            "from loader import ResumableLoader\n" + _USES_DATA + "ModelCheckpoint(every_n_train_steps=500)\n",
            files={
                "loader.py": "class ResumableLoader:\n    def __iter__(self): ...\n"
                "    def state_dict(self): ...\n    def load_state_dict(self, s): ...\n",
                **_PLAIN_LOADER_PROJECT,
            },
            note="a custom stateful loader",
        ),
        example(
            _USES_DATA + "ModelCheckpoint(every_n_train_steps=500, save_weights_only=True)\n",
            files=_PLAIN_LOADER_PROJECT,
            note="weights-only checkpoints cannot be resumed from: Lightning refuses them in `fit(ckpt_path=...)`",
        ),
        example(
            _USES_DATA + "def f(n):\n    ModelCheckpoint(every_n_train_steps=n)\n",
            files=_PLAIN_LOADER_PROJECT,
            note="unknown",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_train_steps=500)\n",
            files=_PLAIN_LOADER_PROJECT,
            note="the only plain loader is in a module this script does not import (another entry point)",
        ),
        example(
            "import lightning as L\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "from torchdata.stateful_dataloader import StatefulDataLoader\nfrom data import train_dataloader\n"
            "trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500)])\n"
            "trainer.fit(Net(), StatefulDataLoader(ds, shuffle=True))\n",
            files=_PLAIN_LOADER_PROJECT,
            note="this Trainer's own training loader keeps its position",
        ),
        example(
            "import lightning as L\nfrom torch.utils.data import DataLoader\nclass Net(L.LightningModule):\n"
            "    def train_dataloader(self):\n        return DataLoader(ds, shuffle=True)\n"
            "trainer = L.Trainer(val_check_interval=100)\ntrainer.fit(Net())\n",
            note="the model has no validation loop: the checkpoint is saved at the end of each epoch",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_train_steps=500)\n",
            files=_ENDLESS_STREAM_PROJECT,
            note="an endless stream has no epoch to replay",
        ),
    ]
    INVALID = [
        example(
            _USES_DATA + "ModelCheckpoint(every_n_train_steps=500)\n",
            files=_PLAIN_LOADER_PROJECT,
            message="StatefulDataLoader",
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.ModelCheckpoint\n"
            "      init_args:\n        every_n_train_steps: 500\n",
            path="config.yaml",
            files=_PLAIN_LOADER_PROJECT,
            message="replays",
        ),
        example(
            "from datetime import timedelta\n"
            + _USES_DATA
            + "ModelCheckpoint(train_time_interval=timedelta(minutes=30))\n",
            files=_PLAIN_LOADER_PROJECT,
        ),
        example(
            "from lightning import Trainer\nfrom data import train_dataloader\n"
            "Trainer(max_epochs=3, val_check_interval=0.25)\n",
            files=_PLAIN_LOADER_PROJECT,
            message="after validation",
        ),
        example(
            "import lightning as L\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "from torch.utils.data import DataLoader\n"
            "train_loader = DataLoader(ds, shuffle=True)\n"
            "trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500)])\n"
            "trainer.fit(Net(), train_loader)\n",
            files=_STATEFUL_LOADER_PROJECT,
            message="passed to `fit`",
            note="this Trainer's own training loader is plain, whatever other loaders the project has",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nfrom data import train_dataloader\n"
            "ModelCheckpoint(every_n_train_steps=500)\n",
            files=_FINITE_STREAM_PROJECT,
            message="re-read from its start",
        ),
    ]

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind != "ModelCheckpoint":
            return
        trigger = _mid_epoch_trigger(callback)
        if trigger is None:
            return
        weights_only = callback.get("save_weights_only")
        if weights_only.known and weights_only.data is True:
            return  # no run resumes from it: Lightning refuses a checkpoint without optimizer states
        loader = _callback_loader(callback, ctx)
        problem = _resume_problem(ctx) if loader.resumable is False else None
        if problem is None:
            return
        name, value = trigger
        yield self.report(
            value,
            f"`{callback.label()}({name}={describe(value)})` saves in the middle of an epoch, "
            f"but the training DataLoader ({loader.cite}) cannot resume there{loader.note}: " + problem,
            help=_RESUME_FIX,
            related=loader.related,
        )

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        # checkpoints saved after validation that runs inside the epoch
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        if fast_dev_run_on(spec) or spec.callbacks_open:
            return
        s = ctx.schedule(spec)
        v = s.validation
        if v is None or v.enabled is False or v.mode not in ("fraction", "batches", "time"):
            return
        if (v.mode == "fraction" and v.interval == 1.0) or (v.mode == "batches" and v.interval == 1 and False):
            return
        if v.mode == "fraction" and v.interval >= 1.0:
            return
        savers = [
            cb
            for cb in checkpoints(spec)
            if _mid_epoch_trigger(cb) is None and checkpoint_plan(cb, s, v).on_train_epoch_end is False
        ]
        implicit = default_checkpoint_active(spec) and not checkpoints(spec)
        if not savers and not implicit:
            return
        if spec.fit_graph is not None and fit_graph.fit_validates(spec.fit_graph, ctx.facts) is False:
            return  # no validation loop: the checkpoint is saved at the end of the epoch
        loader = _trainer_loader(spec, ctx)
        problem = _resume_problem(ctx) if loader.resumable is False else None
        if problem is None:
            return
        value = spec.get("val_check_interval")
        at = value if value.anchor else spec
        yield self.report(
            at,
            f"`{spec.show('val_check_interval')}` validates inside the epoch and the "
            f"{'default ' if implicit else ''}ModelCheckpoint saves after validation, but the "
            f"training DataLoader ({loader.cite}) cannot resume mid-epoch{loader.note}: " + problem,
            help=_RESUME_FIX,
            related=loader.related,
        )


def _trainer_loader(spec: TrainerSpec, ctx: "RuleContext") -> fit_graph.TrainingLoader:
    """The loader this Trainer trains on: from its fit graph, else (saying so) from the
    loaders its file can reach."""
    return fit_graph.training_loader(
        spec.fit_graph,
        ctx.facts,
        str(ctx.path),
        ctx.extraction.facts.get("imports", ()),
        python=spec.flavor == FLAVOR_PYTHON,
    )


def _callback_loader(callback: CallbackSpec, ctx: "RuleContext") -> fit_graph.TrainingLoader:
    """The loader of the Trainers that use this callback; a callback seen on no Trainer
    is judged by the loaders its file can reach."""
    attached = [spec for spec in ctx.extraction.trainers if any(cb is callback for cb in spec.callbacks)]
    if attached and not any(spec.assumed_training for spec in attached):
        return fit_graph.TrainingLoader(None)  # only on Trainers that do not train
    verdicts = [_trainer_loader(spec, ctx) for spec in attached if spec.assumed_training]
    if not verdicts:
        return fit_graph.training_loader(
            None,
            ctx.facts,
            str(ctx.path),
            ctx.extraction.facts.get("imports", ()),
            python=callback.flavor == FLAVOR_PYTHON,
            missing="the callback is not seen on a Trainer",
        )
    if any(v.resumable for v in verdicts):
        return fit_graph.TrainingLoader(True)
    return next((v for v in verdicts if v.resumable is False), verdicts[0])


_RESUME_PROBLEM = (
    "a run resumed from such a checkpoint replays the first batches of the epoch and skips the rest "
    "(the loader restarts at the beginning while the loop counts the batches as done); use a "
    "StatefulDataLoader, or checkpoint at epoch ends"
)


def _resume_problem(ctx: "RuleContext") -> Optional[str]:
    """What a run resumed mid-epoch sees with the project's training data, or None when it
    is fine: a loader that keeps its position, an endless stream (no epoch to replay), or a
    sampler/DataModule that saves its position itself (presumed right). The caller has
    found the training loader plain (the fit graph); the kind of data is the project's."""
    data = ctx.facts.training_data()
    if data.kind in ("endless", "saved"):
        return None
    if data.kind == "finite":
        return (
            f"{data.detail}, and on a resume {RESUME_BEHAVIOUR['finite']}; use a StatefulDataLoader, "
            "or checkpoint at epoch ends"
        )
    return _RESUME_PROBLEM


_RESUME_FIX = (
    "use torchdata's `StatefulDataLoader` (a drop-in replacement that Lightning saves and restores), or "
    "checkpoint at epoch ends (`every_n_epochs=1`)"
)


class CheckpointTriggersExclusive(Rule):
    """
    ## What it does
    Flags a ModelCheckpoint with more than one of `every_n_train_steps`,
    `every_n_epochs` and `train_time_interval`.

    ## Why is this bad?
    The callback cannot be built: "Combination of parameters every_n_train_steps=...,
    every_n_epochs=... and train_time_interval=... should be mutually exclusive."

    ## What Lightning does
    `ModelCheckpoint.__validate_init_configuration` raises a MisconfigurationException.

    ## Example
    ```python
    ModelCheckpoint(every_n_train_steps=1000, every_n_epochs=1)
    ```

    ## How to fix
    Keep one trigger; use two ModelCheckpoint callbacks for two schedules.
    """

    code = "LL102"
    name = "checkpoint-triggers-exclusive"
    severity = Severity.ERROR
    summary = "More than one of every_n_train_steps, every_n_epochs, train_time_interval on one ModelCheckpoint."
    VALID = [
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_train_steps=100)\n",
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_train_steps=100, every_n_epochs=0)\n",
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\ndef f(n):\n"
            "    ModelCheckpoint(every_n_train_steps=100, every_n_epochs=n)\n",
            note="unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\n"
            "ModelCheckpoint(every_n_train_steps=1000, every_n_epochs=1)\n",
            message="mutually exclusive",
        ),
        example(
            "callbacks:\n  model_checkpoint:\n    _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
            "    every_n_epochs: 1\n    train_time_interval: 1h\n",
            path="configs/callbacks/default.yaml",
        ),
    ]

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind != "ModelCheckpoint":
            return
        active = []
        for name in ("every_n_train_steps", "every_n_epochs"):
            value = callback.get(name)
            if int_of(value) is not None and value.data >= 1:
                active.append((name, value))
        interval = callback.get("train_time_interval")
        if interval.known and interval.data is not None:
            active.append(("train_time_interval", interval))
        if len(active) > 1:
            names = ", ".join(f"`{n}`" for n, _ in active)
            yield self.report(
                active[1][1],
                f"{names} are mutually exclusive: Lightning refuses to build this ModelCheckpoint",
                related=[active[0][1].anchor],
                help="keep one trigger; add a second ModelCheckpoint for a second schedule",
            )


class CheckpointArgumentsInvalid(Rule):
    """
    ## What it does
    Flags ModelCheckpoint arguments that Lightning rejects: `save_top_k` other than -1,
    0 or 1 without a `monitor`; `save_top_k < -1`; `mode` other than `min`/`max`;
    negative `every_n_train_steps` or `every_n_epochs`; `save_last="link"` with a
    remote `dirpath`.

    ## Why is this bad?
    The callback raises when it is built (or, for `save_last="link"`, when fit starts).
    `save_top_k=3` without `monitor` has no quantity to rank checkpoints by.

    ## What Lightning does
    `ModelCheckpoint.__validate_init_configuration` and `__init_monitor_mode` raise
    MisconfigurationException; `setup` raises ValueError for a remote `link`.

    ## Example
    ```python
    ModelCheckpoint(save_top_k=3)
    ```

    ## How to fix
    Add `monitor="val_loss"` (and `mode`), or use `save_top_k=-1` to keep every checkpoint.
    """

    code = "LL103"
    name = "checkpoint-arguments-invalid"
    severity = Severity.ERROR
    summary = "ModelCheckpoint arguments Lightning rejects: save_top_k without monitor, bad mode, negative intervals."
    VALID = [
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_top_k=3, monitor='val_loss')\n",
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_top_k=-1)\n",
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(mode='max', monitor='acc')\n",
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\ndef f(m):\n"
            "    ModelCheckpoint(save_top_k=3, monitor=m)\n",
            note="unknown monitor",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\ndef f(**kw):\n"
            "    ModelCheckpoint(save_top_k=3, **kw)\n",
            note="**kwargs may set monitor",
        ),
    ]
    INVALID = [
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_top_k=3)\n",
            message="No quantity",
        ),
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_top_k=-2, monitor='loss')\n",
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(monitor='acc', mode='maximize')\n",
            message="`mode`",
        ),
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(every_n_epochs=-1)\n",
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_last='link', dirpath='s3://b/ckpt')\n",
        example(
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n        save_top_k: 5\n",
            path="config.yaml",
        ),
    ]

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind != "ModelCheckpoint":
            return
        label = callback.label()
        top_k, monitor = callback.get("save_top_k"), callback.get("monitor")
        k = int_of(top_k)
        if k is not None and k < -1:
            yield self.report(top_k, f"`{label}(save_top_k={k})`: Lightning requires save_top_k >= -1")
        elif k is not None and k not in (-1, 0, 1) and monitor.decidable and monitor.data is None:
            yield self.report(
                top_k,
                f"`{label}(save_top_k={k}, monitor=None)` is not a valid configuration: No quantity for top_k to track",
                help="set `monitor` (and `mode`), or `save_top_k=-1` to keep every checkpoint",
            )
        mode = callback.get("mode")
        if mode.known and isinstance(mode.data, str) and mode.data not in ("min", "max"):
            yield self.report(mode, f"`mode` can be min, max but got {mode.data!r}")
        for name in ("every_n_train_steps", "every_n_epochs"):
            value = callback.get(name)
            if int_of(value) is not None and value.data < 0:
                yield self.report(value, f"`{label}({name}={value.data})`: must be >= 0")
        save_last, dirpath = callback.get("save_last"), callback.get("dirpath")
        if save_last.known and save_last.data == "link" and isinstance(str_of(dirpath), str) and "://" in dirpath.data:
            yield self.report(
                save_last, f"`save_last='link'` is only supported for local file paths, got `dirpath={dirpath.data}`"
            )


class CheckpointingDisabledWithCallback(Rule):
    """
    ## What it does
    Flags `enable_checkpointing=False` with a ModelCheckpoint in `callbacks`,
    `enable_progress_bar=False` with a progress bar callback, and two progress bars.

    ## Why is this bad?
    The Trainer cannot be built: "Trainer was configured with `enable_checkpointing=False`
    but found `ModelCheckpoint` in callbacks list."

    ## What Lightning does
    `_CallbackConnector._configure_checkpoint_callbacks` and
    `_configure_progress_bar` raise MisconfigurationException.

    ## Example
    ```python
    Trainer(enable_checkpointing=False, callbacks=[ModelCheckpoint()])
    ```

    ## How to fix
    Remove the flag or the callback.
    """

    code = "LL104"
    name = "checkpointing-disabled-with-callback"
    severity = Severity.ERROR
    needs = "S*"
    summary = (
        "enable_checkpointing=False with a ModelCheckpoint, enable_progress_bar=False with a progress bar, two bars."
    )
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(callbacks=[ModelCheckpoint()])\n",
        "from lightning import Trainer\nTrainer(enable_checkpointing=False)\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "def f(flag):\n    Trainer(enable_checkpointing=flag, callbacks=[ModelCheckpoint()])\n",
            note="unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(enable_checkpointing=False, callbacks=[ModelCheckpoint()])\n",
            message="enable_checkpointing",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import RichProgressBar\n"
            "Trainer(enable_progress_bar=False, callbacks=[RichProgressBar()])\n"
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import RichProgressBar, TQDMProgressBar\n"
            "Trainer(callbacks=[RichProgressBar(), TQDMProgressBar()])\n",
            message="multiple progress bar",
        ),
        example(
            "trainer:\n  enable_checkpointing: false\n  callbacks:\n    - class_path: ModelCheckpoint\n",
            path="config.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        from lightning_lint.model.lightning_api import PROGRESS_BARS

        enable = spec.get("enable_checkpointing")
        if enable.known and enable.data is False:
            for cb in spec.callbacks:
                if cb.kind == "ModelCheckpoint" and not cb.conditional:
                    yield self.report(
                        cb,
                        f"Trainer was configured with `{spec.show('enable_checkpointing')}` but "
                        f"found `{cb.label()}` in callbacks list",
                        related=[enable.anchor],
                    )
        bars = [cb for cb in spec.callbacks if cb.kind in PROGRESS_BARS and not cb.conditional]
        bar_flag = spec.get("enable_progress_bar")
        if bar_flag.known and bar_flag.data is False:
            for cb in bars:
                yield self.report(
                    cb,
                    f"Trainer was configured with `{spec.show('enable_progress_bar')}` but found "
                    f"`{cb.label()}` in callbacks list",
                    related=[bar_flag.anchor],
                )
        if len(bars) > 1:
            yield self.report(
                bars[1],
                "You added multiple progress bar callbacks to the Trainer, but only one progress bar is supported",
                related=[bars[0].loc],
            )


def _state_key(callback: CallbackSpec) -> Optional[Tuple[Any, ...]]:
    names = (
        ("monitor", "mode", "every_n_train_steps", "every_n_epochs", "train_time_interval")
        if callback.kind == "ModelCheckpoint"
        else ("monitor", "mode")
    )
    key = []
    for name in names:
        value = callback.get(name)
        if not value.decidable or isinstance(value.data, (Call, dict, tuple)):
            return None
        key.append(value.data)
    return (callback.kind, *key)


class DuplicateStatefulCallback(Rule):
    """
    ## What it does
    Flags two ModelCheckpoints with the same monitor, mode and trigger, or two
    EarlyStoppings with the same monitor and mode, on one Trainer.

    ## Why is this bad?
    The Trainer refuses them: "Found more than one stateful callback of type
    `ModelCheckpoint`. ... The `callback.state_key` must be unique among all callbacks in
    the Trainer." Their states would overwrite each other in the checkpoint.

    ## What Lightning does
    `_CallbackConnector._validate_callbacks_list` raises a RuntimeError.

    ## Example
    ```python
    callbacks=[ModelCheckpoint(monitor="val_loss"), ModelCheckpoint(monitor="val_loss", dirpath="b/")]
    ```

    ## How to fix
    Remove the duplicate, or make them differ in monitor, mode or trigger.
    """

    code = "LL105"
    name = "duplicate-stateful-callback"
    severity = Severity.ERROR
    needs = "S*"
    summary = "Two ModelCheckpoints (or EarlyStoppings) with the same state key on one Trainer."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint as MC\n"
        "Trainer(callbacks=[MC(monitor='val_loss'), MC(monitor='val_acc', mode='max')])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint as MC\n"
        "Trainer(callbacks=[MC(every_n_epochs=1), MC(every_n_train_steps=100)])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint as MC\n"
            "def f(m):\n    Trainer(callbacks=[MC(monitor=m), MC(monitor='val_loss')])\n",
            note="unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint as MC\n"
            "Trainer(callbacks=[MC(monitor='val_loss'), MC(monitor='val_loss', dirpath='b/')])\n",
            message="more than one stateful callback",
        ),
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping as ES\n"
        "Trainer(callbacks=[ES('val_loss', patience=3), ES('val_loss', patience=10)])\n",
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        seen: Dict[Tuple[Any, ...], CallbackSpec] = {}
        for cb in spec.callbacks:
            if cb.kind not in ("ModelCheckpoint", "EarlyStopping") or cb.conditional:
                continue
            key = _state_key(cb)
            if key is None:
                continue
            if key in seen:
                yield self.report(
                    cb,
                    f"Found more than one stateful callback of type `{cb.kind}` with the same "
                    "state key (monitor, mode and trigger): Lightning refuses this Trainer",
                    related=[seen[key].loc],
                    help="remove the duplicate or make the two differ",
                )
            else:
                seen[key] = cb


class CheckpointNeverSaved(Rule):
    """
    ## What it does
    Flags checkpoints that are never written: `every_n_train_steps` larger than the
    optimizer steps of the whole fit (needs the batches per epoch), and
    `check_val_every_n_epoch > max_epochs`, where the default ModelCheckpoint saves after
    validation, which never runs.

    ## Why is this bad?
    The run finishes without the checkpoint anyone expected, silently. Only `last.ckpt`
    is written at the end, and only with `save_last=True`.

    ## What Lightning does
    Step-triggered saves happen when `global_step % every_n_train_steps == 0`; with
    `check_val_every_n_epoch != 1` the epoch-triggered save resolves to
    `on_validation_end` (`_should_save_on_train_epoch_end` is False).

    ## Example
    ```python
    Trainer(max_epochs=3, check_val_every_n_epoch=5)
    ```

    ## How to fix
    Lower the interval, or raise `max_epochs`.
    """

    code = "LL106"
    name = "checkpoint-never-saved"
    severity = Severity.WARNING
    needs = "S/D"
    summary = "A ModelCheckpoint that never saves: every_n_train_steps beyond the fit, or validation that never runs."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=10, check_val_every_n_epoch=5)\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(max_epochs=2, limit_train_batches=100, callbacks=[ModelCheckpoint(every_n_train_steps=50)])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(max_epochs=2, callbacks=[ModelCheckpoint(every_n_train_steps=5000)])\n",
            note="steps per epoch unknown",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=3, check_val_every_n_epoch=5, "
            "enable_checkpointing=False)\n",
            note="no checkpoint expected",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=3, check_val_every_n_epoch=5)\n",
            message="no checkpoint is written",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(max_epochs=2, limit_train_batches=100, callbacks=[ModelCheckpoint(every_n_train_steps=500)])\n",
            message="200 optimizer steps",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec) or not spec.assumed_training:
            return
        s = ctx.schedule(spec)
        for cb in checkpoints(spec):
            plan = checkpoint_plan(cb, s, s.validation)
            if (
                plan.trigger == "steps"
                and isinstance(s.total_steps, int)
                and plan.every > s.total_steps
                and s.stopped_by == "max_epochs"
            ):
                at_most = "" if s.batches_exact else "at most "
                yield self.report(
                    cb.get("every_n_train_steps"),
                    f"`{cb.label()}(every_n_train_steps={plan.every})` never saves: the whole fit has "
                    f"{at_most}{s.total_steps} optimizer steps ({s.describe_batches()} batches per epoch)",
                    help="lower every_n_train_steps, or use every_n_epochs",
                )
        every, epochs = spec.get("check_val_every_n_epoch"), s.epoch_limit
        n = int_of(every)
        if (
            n is None
            or not isinstance(epochs, int)
            or epochs <= 0
            or n <= epochs
            or s.validation is None
            or s.validation.enabled is False
        ):
            return
        savers = [cb for cb in checkpoints(spec) if checkpoint_plan(cb, s, s.validation).on_train_epoch_end is False]
        if default_checkpoint_active(spec):
            label = "the default ModelCheckpoint"
        elif savers:
            label = f"`{savers[0].label()}`"
        else:
            return
        yield self.report(
            every,
            f"`{spec.show('check_val_every_n_epoch')}` with `max_epochs={epochs}`: validation never "
            f"runs, and {label} saves after validation, so no checkpoint is written",
            help=f"use check_val_every_n_epoch <= {epochs}",
        )


class StepCheckpointMonitorsValidation(Rule):
    """
    ## What it does
    Flags a ModelCheckpoint that saves every N training steps (or every time interval)
    while monitoring a validation metric, with `save_on_train_epoch_end` unset, on a
    Trainer that validates once per epoch.

    ## Why is this bad?
    Before the first validation the monitored metric does not exist, so the step saves
    are deferred to the end of validation; but with one validation per epoch the
    callback resolves to saving at train-epoch end, where deferred saves are never
    made. Every checkpoint of the first epoch is silently dropped; with `max_epochs=1`
    no checkpoint is written at all.

    ## What Lightning does
    `ModelCheckpoint.on_train_batch_end` sets `_defer_save_until_validation` when the key
    is missing; `on_validation_end` only saves when `_should_save_on_train_epoch_end` is
    False.

    ## Example
    ```python
    ModelCheckpoint(every_n_train_steps=500, monitor="val_loss")
    ```

    ## How to fix
    Pass `save_on_train_epoch_end=False`, so deferred saves happen after validation.

    ## Fix safety
    Adding `save_on_train_epoch_end=False` is safe: it only moves the deferred saves to
    the end of validation, which is when the monitored metric exists.
    """

    code = "LL107"
    name = "step-checkpoint-monitors-validation"
    severity = Severity.WARNING
    needs = "S*"
    fix_availability = "sometimes"
    summary = "every_n_train_steps with a validation monitor: the first epoch's checkpoints are silently dropped."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor='val_loss', "
        "save_on_train_epoch_end=False)])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor='train_loss')])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(val_check_interval=0.5, callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor='val_loss')])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\ndef f(m):\n"
            "    Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor=m)])\n",
            note="unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor='val_loss')])\n",
            message="first epoch",
            fixed="from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=500, monitor='val_loss', "
            "save_on_train_epoch_end=False)])\n",
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n"
            "        monitor: val/loss\n        every_n_train_steps: 1000\n",
            path="config.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        if fast_dev_run_on(spec):
            return
        s = ctx.schedule(spec)
        for cb in checkpoints(spec):
            trigger = _mid_epoch_trigger(cb)
            monitor = str_of(cb.get("monitor"))
            if trigger is None or monitor is None or not is_validation_metric(monitor):
                continue
            explicit = cb.get("save_on_train_epoch_end")
            if not explicit.decidable or explicit.data is not None:
                continue
            v = s.validation
            if v is None or v.mode != "fraction" or v.interval != 1.0 or v.every_n_epochs != 1 or v.enabled is False:
                continue
            fix = (
                insert_argument(
                    cb.loc,
                    cb.args,
                    "save_on_train_epoch_end",
                    False,
                    cb.flavor,
                    ctx.source,
                    "Save deferred checkpoints after validation",
                )
                if not cb.open_reason
                else None
            )
            yield self.report(
                trigger[1],
                f"`{cb.label()}({trigger[0]}=..., monitor={monitor!r})` without "
                "`save_on_train_epoch_end=False`: the monitored metric only exists after "
                "validation, and the deferred saves of the first epoch are silently dropped",
                fix=fix,
                help="pass `save_on_train_epoch_end=False`",
            )


class StaleLastCheckpoint(Rule):
    """
    ## What it does
    Flags `save_last=True` on a ModelCheckpoint whose trigger does not fire at the end of
    training: `every_n_epochs` that does not divide `max_epochs`, `every_n_train_steps`
    that does not divide the total steps (when they are known), or saving after
    validation that the last epochs do not run.

    ## Why is this bad?
    `last.ckpt` is rewritten only when the trigger saves. It then holds an earlier
    state, not the final weights, and a run resumed from it repeats the tail of training.

    ## What Lightning does
    `ModelCheckpoint._save_last_checkpoint` runs in the same hook as a triggered save;
    at `on_train_end` it writes `last.ckpt` only if nothing was ever saved.

    ## Example
    ```python
    Trainer(max_epochs=3, callbacks=[ModelCheckpoint(every_n_epochs=2, save_last=True)])
    # last.ckpt holds epoch 2 of 3
    ```

    ## How to fix
    Make the interval divide the run length, or save every epoch.
    """

    code = "LL108"
    name = "stale-last-checkpoint"
    severity = Severity.WARNING
    needs = "S/D"
    summary = "save_last=True but the trigger does not fire at the end of training: last.ckpt is not the final state."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(max_epochs=4, callbacks=[ModelCheckpoint(every_n_epochs=2, save_last=True)])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "Trainer(max_epochs=3, callbacks=[ModelCheckpoint(every_n_epochs=2)])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(max_epochs=3, callbacks=[ModelCheckpoint(every_n_train_steps=100, save_last=True)])\n",
            note="total steps unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(max_epochs=3, callbacks=[ModelCheckpoint(every_n_epochs=2, save_last=True)])\n",
            message="epoch 2 of 3",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(max_epochs=1, callbacks=[ModelCheckpoint(every_n_train_steps=100, save_last=True)])\n",
            files={"pyproject.toml": '[tool.lightning-lint.facts."train.py"]\ntrain-batches-per-epoch = 250\n'},
            message="step 200 of 250",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec) or not spec.assumed_training:
            return
        s = ctx.schedule(spec)
        for cb in checkpoints(spec):
            save_last = cb.get("save_last")
            if not (save_last.known and save_last.data is True):
                continue
            plan = checkpoint_plan(cb, s, s.validation)
            if plan.final_saved is not False or not plan.saves:
                continue  # never saved: last.ckpt is written at the end of training
            if plan.trigger == "steps":
                if not s.batches_exact:
                    continue
                where = f"step {plan.last_save_step} of {s.total_steps}"
            elif plan.trigger == "epochs" and s.epochs_run:
                last_epoch = (s.epochs_run // plan.every) * plan.every if plan.on_train_epoch_end else None
                if last_epoch is None:
                    continue
                where = f"epoch {last_epoch} of {s.epochs_run}"
            else:
                continue
            yield self.report(
                save_last,
                f"`save_last=True`, but `{cb.label()}` saves {plan.describe()}: last.ckpt "
                f"holds {where}, not the final weights",
                help="make the interval divide the run length, or save every epoch",
            )


class ResumePathUnavailable(Rule):
    """
    ## What it does
    Flags `fit(ckpt_path="last")` when no ModelCheckpoint of the Trainer has
    `save_last=True` (training silently starts from scratch), and `ckpt_path="best"`
    when checkpointing is disabled or `fast_dev_run` is on (an error).

    ## Why is this bad?
    `"last"` finds no `last.ckpt`, warns once, and trains from the beginning: the
    "resumed" run repeats everything. `"best"` raises a ValueError.

    ## What Lightning does
    `_CheckpointConnector._parse_ckpt_path` looks for `last*.ckpt`; with none it warns
    "there is no last checkpoint available. No checkpoint will be loaded." For `"best"`
    it raises when no ModelCheckpoint is configured or under `fast_dev_run`.

    ## Example
    ```python
    trainer = Trainer(callbacks=[ModelCheckpoint(every_n_epochs=1)])
    trainer.fit(model, ckpt_path="last")
    ```

    ## How to fix
    Add `save_last=True` to the ModelCheckpoint.
    """

    code = "LL109"
    name = "resume-path-unavailable"
    severity = Severity.WARNING
    needs = "S*"
    summary = "fit(ckpt_path='last') with no save_last anywhere, or ckpt_path='best' without checkpoints."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "t = Trainer(callbacks=[ModelCheckpoint(save_last=True)])\nt.fit(model, ckpt_path='last')\n",
        "from lightning import Trainer\nt = Trainer()\nt.fit(model, ckpt_path='best')\n",
        example(
            "from lightning import Trainer\ndef f(cbs):\n    t = Trainer(callbacks=cbs)\n"
            "    t.fit(model, ckpt_path='last')\n",
            note="unknown callbacks",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import OnExceptionCheckpoint\n"
            "t = Trainer(callbacks=[OnExceptionCheckpoint('.')])\nt.fit(model, ckpt_path='last')\n"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "t = Trainer(callbacks=[ModelCheckpoint(every_n_epochs=1)])\nt.fit(model, ckpt_path='last')\n",
            message="starts from scratch",
        ),
        example(
            "from lightning import Trainer\nt = Trainer(enable_checkpointing=False)\nt.fit(model, ckpt_path='best')\n"
        ),
        example(
            "from lightning import Trainer\nt = Trainer(fast_dev_run=True)\nt.test(model, ckpt_path='best')\n",
            message="fast_dev_run",
        ),
        example("fit:\n  trainer:\n    max_epochs: 3\n  ckpt_path: last\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        runs = [(run.method, run.args.get("ckpt_path")) for run in spec.runs]
        extra = spec.extras.get("ckpt_path")
        if extra is not None:
            runs.append(("fit", extra))
        for method, path in runs:
            if path is None or not path.is_str():
                continue
            if path.data == "last" and method == "fit":
                yield from self._last(spec, path)
            elif path.data == "best":
                yield from self._best(spec, path, method)

    def _last(self, spec: TrainerSpec, path: Value) -> Iterable[Diagnostic]:
        if spec.callbacks_open or any(cb.kind == "OnExceptionCheckpoint" for cb in spec.callbacks):
            return
        values = [cb.get("save_last") for cb in checkpoints(spec)]
        if not all(v.decidable for v in values) or any(v.data for v in values):
            return
        enable = spec.get("enable_checkpointing")
        if not enable.decidable:
            return
        yield self.report(
            path,
            '`ckpt_path="last"` but no ModelCheckpoint has `save_last=True`: no last.ckpt '
            "exists, Lightning warns once and training starts from scratch",
            help="add `save_last=True` to the ModelCheckpoint",
        )

    def _best(self, spec: TrainerSpec, path: Value, method: str) -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec):
            yield self.report(
                path,
                f'`.{method}(ckpt_path="best")` with fast_dev_run: no checkpoint is ever saved, '
                "Lightning raises ValueError",
            )
            return
        if default_checkpoint_active(spec) is False and not checkpoints(spec):
            yield self.report(
                path,
                f'`.{method}(ckpt_path="best")` is set but `ModelCheckpoint` is not configured '
                "(checkpointing is disabled): Lightning raises ValueError",
            )


class CheckpointTimeIntervalType(Rule):
    """
    ## What it does
    Flags a ModelCheckpoint `train_time_interval` that is not a `datetime.timedelta`: a
    string or a number written in a Hydra/OmegaConf config or in Python. In a
    LightningCLI config, flags the `DD:HH:MM:SS` spelling, which jsonargparse reads as
    hours:minutes:seconds.

    ## Why is this bad?
    The constructor accepts anything, and the first training batch crashes with
    `AttributeError: 'str' object has no attribute 'total_seconds'` (after the data is
    loaded and the model is set up). In LightningCLI, `"00:00:30:00"` becomes 30
    seconds, not 30 minutes.

    ## What Lightning does
    `ModelCheckpoint.on_train_batch_end` calls `train_time_interval.total_seconds()`.

    ## Example
    ```yaml
    model_checkpoint:
      _target_: lightning.pytorch.callbacks.ModelCheckpoint
      train_time_interval: "00:30:00"
    ```

    ## How to fix
    Build a timedelta: in Hydra, `_target_: datetime.timedelta` with `minutes: 30`; in
    Python, `timedelta(minutes=30)`.
    """

    code = "LL110"
    name = "checkpoint-time-interval-type"
    severity = Severity.ERROR
    summary = "ModelCheckpoint train_time_interval that is not a timedelta (a YAML string or a number)."
    VALID = [
        "from datetime import timedelta\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "ModelCheckpoint(train_time_interval=timedelta(minutes=30))\n",
        example(
            "callbacks:\n  ckpt:\n    _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
            "    train_time_interval:\n      _target_: datetime.timedelta\n      minutes: 30\n",
            path="configs/callbacks/default.yaml",
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n"
            "        train_time_interval: '0:30:00'\n",
            path="config.yaml",
            note="jsonargparse builds a timedelta",
        ),
    ]
    INVALID = [
        example(
            "callbacks:\n  ckpt:\n    _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
            "    train_time_interval: '00:30:00'\n",
            path="configs/callbacks/default.yaml",
            message="total_seconds",
        ),
        example("from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(train_time_interval=1800)\n"),
        example(
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n"
            "        train_time_interval: '00:00:30:00'\n",
            path="config.yaml",
            message="30 seconds",
        ),
    ]

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind != "ModelCheckpoint":
            return
        value = callback.get("train_time_interval")
        if not value.known or value.data is None or isinstance(value.data, Call):
            return
        from lightning_lint.model.spec import FLAVOR_LIGHTNING_CLI

        if callback.flavor == FLAVOR_LIGHTNING_CLI:
            if value.is_str() and value.data.count(":") == 3:
                yield self.report(
                    value,
                    f"`train_time_interval: {value.data}` looks like DD:HH:MM:SS, but "
                    "jsonargparse reads timedelta strings as hours:minutes:seconds "
                    f'(`"00:00:30:00"` is 30 seconds)',
                    help='write `"H:MM:SS"` (e.g. `"0:30:00"`) or `"1 day, 0:00:00"`',
                )
            return
        if isinstance(value.data, (str, int, float)) and not isinstance(value.data, bool):
            yield self.report(
                value,
                f"`train_time_interval` is {describe(value)}, not a timedelta: the first training "
                "batch fails with AttributeError ('... has no attribute total_seconds')",
                help="pass a datetime.timedelta (in Hydra: `_target_: datetime.timedelta`)",
            )


class LastCheckpointFollowsTopK(Rule):
    """
    ## What it does
    Flags `save_last=True` on a ModelCheckpoint that has a `monitor` and a finite
    `save_top_k` (1 by default, anything but -1), when the target Lightning is 2.6.0 or
    newer.

    ## Why is this bad?
    Since Lightning 2.6.0 such a checkpoint writes `last.ckpt` only when it saves a top-k
    checkpoint at the same step, that is when the monitored metric improves. `last.ckpt`
    then follows the best checkpoint rather than the final state: after the metric stops
    improving it stays behind, and a run resumed from `ckpt_path="last"` silently goes
    back to the last improvement and trains those epochs again. Verified on 2.6.6: five
    epochs with the monitored loss worsening after the first leave `last.ckpt` at epoch
    0 (on 2.4.0 it held epoch 4).

    ## What Lightning does
    `ModelCheckpoint.on_train_epoch_end` / `on_validation_end` call
    `_save_last_checkpoint` only `if self._last_global_step_saved == trainer.global_step`
    (a checkpoint was saved at this step) or `save_last == "link"`; `on_train_end` writes
    `last.ckpt` only if none was ever written (Lightning PR #21244). Pins below 2.6.0
    save `last.ckpt` at every trigger, so the rule is quiet there.

    ## Example
    ```python
    ModelCheckpoint(monitor="val_loss", save_top_k=1, save_last=True)
    ```

    ## How to fix
    Keep the monitored checkpoint for the best weights, drop its `save_last`, and add a
    second, monitor-free `ModelCheckpoint(save_last=True, save_top_k=0)` whose `last.ckpt`
    is the final state (verified on 2.6.6). With `save_top_k=0` that callback writes
    `last.ckpt` when training ends (or on an exception), not at each epoch; `save_top_k=-1`
    on the monitored one (every checkpoint kept) also keeps `last.ckpt` current.

    ## Fix safety
    Unsafe: the second callback is added to the same `callbacks=[...]` list (with the
    first one's `dirpath` when it has one); the new callback's state joins the
    checkpoints, and tooling that expects one ModelCheckpoint may need a look.
    """

    code = "LL111"
    name = "last-checkpoint-follows-top-k"
    severity = Severity.WARNING
    needs = "S"
    fix_availability = "sometimes"
    summary = (
        "Lightning >= 2.6: last.ckpt of a monitored top-k ModelCheckpoint is written only when the metric improves."
    )
    VALID = [
        "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(save_last=True)\n",
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\n"
            "ModelCheckpoint(monitor='val_loss', save_top_k=-1, save_last=True)\n",
            note="every checkpoint is kept: last.ckpt is written at every trigger",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\n"
            "ModelCheckpoint(monitor='val_loss', save_last=True)\n",
            files={"requirements.txt": "lightning==2.5.6\n"},
            note="before 2.6.0 last.ckpt is saved at every trigger",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\ndef f(k):\n"
            "    ModelCheckpoint(monitor='val_loss', save_top_k=k, save_last=True)\n",
            note="save_top_k unknown",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\n"
            "callbacks = [ModelCheckpoint(monitor='val_loss'), ModelCheckpoint(save_last=True, save_top_k=0)]\n",
            note="the fixed form",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "trainer = Trainer(callbacks=[ModelCheckpoint(monitor='val_loss', save_last=True)])\n",
            message="only when a top-k checkpoint",
            unsafe=True,
            fixed="from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "trainer = Trainer(callbacks=[ModelCheckpoint(monitor='val_loss'), "
            "ModelCheckpoint(save_last=True, save_top_k=0)])\n",
        ),
        example(
            "import pytorch_lightning as pl\ncallbacks = [\n"
            "    pl.callbacks.ModelCheckpoint(dirpath='ckpts', monitor='val/acc', mode='max', save_last=True),\n]\n",
            unsafe=True,
            fixed="import pytorch_lightning as pl\ncallbacks = [\n"
            "    pl.callbacks.ModelCheckpoint(dirpath='ckpts', monitor='val/acc', mode='max'), "
            "pl.callbacks.ModelCheckpoint(save_last=True, save_top_k=0, dirpath='ckpts'),\n]\n",
        ),
        example(
            "model_checkpoint:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
            "  monitor: val/acc\n  mode: max\n  save_last: true\n",
            path="configs/callbacks/model_checkpoint.yaml",
            files={"requirements.txt": "lightning>=2.6\n"},
            message="resume from",
        ),
    ]

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return self._check(callback, ctx)

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        # callbacks composed from other files (Hydra defaults) reach the rule through the Trainer
        for callback in checkpoints(spec):
            yield from self._check(callback, ctx)

    def _check(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not last_follows_top_k(callback, ctx.target):
            return
        save_last, monitor = callback.get("save_last"), callback.get("monitor")
        if save_last.anchor is None:
            return
        k = int_of(callback.get("save_top_k"))
        yield self.report(
            save_last,
            f"`{callback.label()}(monitor={monitor.data!r}, save_top_k={k}, save_last=True)`: since Lightning "
            "2.6.0 last.ckpt is written only when a top-k checkpoint is saved at the same step (when "
            f"`{monitor.data}` improves), so it follows the best checkpoint rather than the final state; "
            'a resume from `ckpt_path="last"` silently goes back to the last improvement'
            + (
                f" (assuming Lightning {ctx.target}, the newest known: no version pin found)"
                if "newest" in ctx.target.source
                else ""
            ),
            fix=_second_checkpoint_fix(callback, save_last, ctx),
            help="drop `save_last` here and add a second, monitor-free "
            "`ModelCheckpoint(save_last=True, save_top_k=0)` whose last.ckpt is the final state",
        )


def last_follows_top_k(callback: CallbackSpec, target: Any) -> bool:
    """Whether this ModelCheckpoint's ``last.ckpt`` is written only when a top-k
    checkpoint is (Lightning >= 2.6.0, ``save_last=True``, a monitor, a finite top-k):
    it then follows the best checkpoint rather than the final state. ``target`` is the
    target version (``TargetVersion``)."""
    if callback.kind != "ModelCheckpoint" or not target.at_least("2.6.0"):
        return False
    save_last, monitor = callback.get("save_last"), callback.get("monitor")
    if not (save_last.known and save_last.data is True and monitor.is_str() and monitor.data):
        return False
    k = int_of(callback.get("save_top_k"))
    return k is not None and k >= 1  # -1 saves at every trigger; 0 writes last.ckpt when training ends


def _second_checkpoint_fix(callback: CallbackSpec, save_last: Value, ctx: "RuleContext") -> Optional[Fix]:
    """Drop ``save_last`` and add ``ModelCheckpoint(save_last=True, save_top_k=0)`` beside
    the callback, when it is an element of a list literal written in this file."""
    if callback.flavor != "python" or callback.loc.path != ctx.source.path or save_last.loc is None:
        return None
    text = ctx.source.text
    start = ctx.source.offset(callback.loc.span.start_line, callback.loc.span.start_col)
    end = ctx.source.offset(callback.loc.span.end_line, callback.loc.span.end_col)
    if _enclosing_bracket(text, start) != "[":
        return None
    after = end
    while after < len(text) and text[after] in " \t\r\n":
        after += 1
    if after >= len(text) or text[after] not in ",]":
        return None
    callee = text[start:end].split("(", 1)[0].strip()
    if not callee.endswith("ModelCheckpoint"):
        return None
    extra = ""
    dirpath = callback.args.get("dirpath")
    if dirpath is not None and dirpath.value_loc is not None:
        extra = f", dirpath={ctx.source.text_of(dirpath.value_loc.span)}"
    elif callback.open_reason:
        return None
    remove = removal_edit(save_last, ctx.source)
    if remove is None:
        return None
    insert = Edit(ctx.source.span_of_offsets(end, end), f", {callee}(save_last=True, save_top_k=0{extra})")
    return Fix("Add a monitor-free ModelCheckpoint for last.ckpt", Applicability.UNSAFE, (remove, insert))


def _enclosing_bracket(text: str, offset: int) -> Optional[str]:
    """The unmatched opening bracket before ``offset`` (strings are not parsed: a bracket
    inside a string literal may mislead, which at worst drops the fix)."""
    depth = 0
    for index in range(offset - 1, max(-1, offset - 20000), -1):
        char = text[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                return char
            depth -= 1
    return None
