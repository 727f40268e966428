"""LL2xx: validation, early stopping, logging."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Set, Tuple

from lightning_lint.model import fit_graph
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.spec import Call, CallbackSpec, Loc, TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import fast_dev_run_on, int_of, is_validation_metric, number_of, str_of
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_MODULE_LOGGING = {
    "model.py": "import lightning as L\nclass Net(L.LightningModule):\n"
    "    def validation_step(self, batch, i):\n        self.log('val/loss', 0.0)\n"
    "        self.log_dict({'val/acc': 1.0})\n",
}

_BASE_LOGGING = {
    "base.py": "import lightning as L\nclass Base(L.LightningModule):\n"
    "    def validation_step(self, batch, i):\n        self.log('val_loss', 0.0)\n",
    "child.py": "from base import Base\nclass Child(Base):\n    def training_step(self, batch, i):\n"
    "        self.log('train_loss', 0.0)\n",
}
_FIT_CHILD = (
    "import lightning as L\nfrom lightning.pytorch.callbacks import EarlyStopping\nfrom child import Child\n"
    "trainer = L.Trainer(callbacks=[EarlyStopping(monitor={monitor!r})])\ntrainer.fit(Child())\n"
)


class ValCheckIntervalExceedsEpoch(Rule):
    """
    ## What it does
    Flags an int `val_check_interval` larger than the training batches of an epoch while
    `check_val_every_n_epoch` is set (the default). It needs the batches per epoch, or an
    int `limit_train_batches` smaller than the interval.

    ## Why is this bad?
    `fit` fails at start: "`val_check_interval` (N) must be less than or equal to the
    number of the training batches (M)." With an int interval the counter restarts every
    epoch, so an interval longer than an epoch could never be reached.

    ## What Lightning does
    `_FitLoop.setup_data` raises ValueError when `val_check_interval > num_training_batches`
    and `check_val_every_n_epoch is not None`.

    ## Example
    ```python
    Trainer(val_check_interval=1000, limit_train_batches=500)
    ```

    ## How to fix
    Count across epochs with `check_val_every_n_epoch=None`, or lower the interval.
    """

    code = "LL201"
    name = "val-check-interval-exceeds-epoch"
    severity = Severity.ERROR
    needs = "D"
    summary = "int val_check_interval larger than the training batches per epoch: fit raises at start."
    VALID = [
        "from lightning import Trainer\nTrainer(val_check_interval=100, limit_train_batches=500)\n",
        "from lightning import Trainer\nTrainer(val_check_interval=1000, limit_train_batches=500, "
        "check_val_every_n_epoch=None)\n",
        "from lightning import Trainer\nTrainer(val_check_interval=1000, limit_train_batches=500, limit_val_batches=0)\n",
        example("from lightning import Trainer\nTrainer(val_check_interval=1000)\n", note="batches unknown"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(val_check_interval=1000, limit_train_batches=500)\n",
            message="500 training batches",
        ),
        example(
            "trainer:\n  val_check_interval: 2000\n",
            path="config.yaml",
            files={"pyproject.toml": '[tool.lightning-lint.facts."config.yaml"]\ntrain-batches-per-epoch = 1500\n'},
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        if fast_dev_run_on(spec):
            return
        s = ctx.schedule(spec)
        v = s.validation
        if v is None or v.mode != "batches" or v.every_n_epochs is None or v.enabled is False or s.batches is None:
            return
        if isinstance(v.interval, int) and v.interval > s.batches:
            bound = "" if s.batches_exact else "at most "
            yield self.report(
                spec.get("val_check_interval"),
                f"`{spec.show('val_check_interval')}` is more than the {bound}{s.batches} training "
                f"batches per epoch ({s.batches_source}): fit raises ValueError at start",
                help="set `check_val_every_n_epoch=None` to count batches across epochs, or lower the interval",
            )


class FloatValCheckIntervalWithoutEpoch(Rule):
    """
    ## What it does
    Flags a float `val_check_interval` with `check_val_every_n_epoch=None`.

    ## Why is this bad?
    The Trainer cannot be built: "`val_check_interval` should be an integer or a
    time-based duration ... when `check_val_every_n_epoch=None`." A fraction of an epoch
    means nothing when validation is counted across epochs.

    ## What Lightning does
    `_DataConnector.on_trainer_init` raises a MisconfigurationException.

    ## Example
    ```python
    Trainer(val_check_interval=0.5, check_val_every_n_epoch=None)
    ```

    ## How to fix
    Give the interval in batches (an int), or keep `check_val_every_n_epoch`.
    """

    code = "LL202"
    name = "float-val-check-interval-without-epoch"
    severity = Severity.ERROR
    summary = "float val_check_interval with check_val_every_n_epoch=None: the Trainer raises."
    VALID = [
        "from lightning import Trainer\nTrainer(val_check_interval=1000, check_val_every_n_epoch=None)\n",
        "from lightning import Trainer\nTrainer(val_check_interval=0.5)\n",
        "from lightning import Trainer\nTrainer(check_val_every_n_epoch=None)\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(val_check_interval=0.5, check_val_every_n_epoch=None)\n",
            message="integer",
        ),
        example("trainer:\n  val_check_interval: 0.25\n  check_val_every_n_epoch: null\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        vci, every = spec.get("val_check_interval"), spec.get("check_val_every_n_epoch")
        if vci.is_float() and every.known and every.data is None and "check_val_every_n_epoch" in spec.args:
            yield self.report(
                vci,
                f"`{spec.show('val_check_interval')}` with `{spec.show('check_val_every_n_epoch')}`:"
                " val_check_interval should be an integer or a time-based duration when "
                "check_val_every_n_epoch=None",
                related=[every.anchor],
                help="give the interval in batches (an int), or keep check_val_every_n_epoch",
            )


class ZeroInterval(Rule):
    """
    ## What it does
    Flags `val_check_interval=0` (an int), `check_val_every_n_epoch=0` and
    `accumulate_grad_batches=0`.

    ## Why is this bad?
    Lightning does not check these values; training crashes with
    `ZeroDivisionError: integer modulo by zero` when the loop first uses them.

    ## What Lightning does
    The loops compute `batch_idx % val_check_interval`,
    `(epoch + 1) % check_val_every_n_epoch` and `batches % accumulate_grad_batches`.
    With `limit_val_batches=0` validation is off and the two validation intervals are
    never used: no crash, and no finding.

    ## Example
    ```python
    Trainer(check_val_every_n_epoch=0)
    ```

    ## How to fix
    To disable validation use `limit_val_batches=0`; to disable accumulation use
    `accumulate_grad_batches=1`.

    ## Fix safety
    `accumulate_grad_batches=0` -> `1` is safe (0 crashes; 1 means no accumulation). The
    other two have no fix: what the interval should be is yours to say.
    """

    code = "LL203"
    name = "zero-interval"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "val_check_interval=0, check_val_every_n_epoch=0 or accumulate_grad_batches=0: ZeroDivisionError."
    VALID = [
        "from lightning import Trainer\nTrainer(val_check_interval=1, check_val_every_n_epoch=1, accumulate_grad_batches=1)\n",
        example("from lightning import Trainer\nTrainer(val_check_interval=0.0)\n", note="a float: LL204"),
        example(
            "from lightning import Trainer\nTrainer(limit_val_batches=0, val_check_interval=0)\n",
            note="validation is off: the interval is never used",
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(check_val_every_n_epoch=0)\n", message="ZeroDivisionError"),
        example(
            "from lightning import Trainer\nTrainer(accumulate_grad_batches=0)\n",
            fixed="from lightning import Trainer\nTrainer(accumulate_grad_batches=1)\n",
        ),
        example("trainer:\n  val_check_interval: 0\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for name, advice in (
            ("val_check_interval", "use `limit_val_batches=0` to disable validation"),
            ("check_val_every_n_epoch", "use `limit_val_batches=0` to disable validation"),
            ("accumulate_grad_batches", "1 means no accumulation"),
        ):
            value = spec.args.get(name)
            if value is None or not value.is_int() or value.data != 0:
                continue
            limit = spec.get("limit_val_batches")
            if name != "accumulate_grad_batches" and limit.decidable and limit.is_number() and limit.data == 0:
                continue  # validation is off: the interval is never used (NeMo's tests write both)
            fix = (
                replace_value(value, 1, spec.flavor, "Replace with 1 (no accumulation)")
                if name == "accumulate_grad_batches"
                else None
            )
            yield self.report(
                value,
                f"`{spec.show(name)}`: training crashes with ZeroDivisionError (integer modulo by zero)",
                fix=fix,
                help=advice,
            )


class ValidationEveryBatch(Rule):
    """
    ## What it does
    Flags `val_check_interval=0.0`.

    ## Why is this bad?
    It reads like "never validate" but means the opposite: validation after every
    training batch, which can multiply the run time.

    ## What Lightning does
    `val_check_batch = max(1, int(num_training_batches * 0.0)) = 1`.

    ## Example
    ```python
    Trainer(val_check_interval=0.0)
    ```

    ## How to fix
    To disable validation use `limit_val_batches=0`.
    """

    code = "LL204"
    name = "validation-every-batch"
    severity = Severity.WARNING
    summary = "val_check_interval=0.0 validates after every training batch (not 'never')."
    VALID = [
        "from lightning import Trainer\nTrainer(val_check_interval=0.25)\n",
        "from lightning import Trainer\nTrainer(limit_val_batches=0)\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(val_check_interval=0.0)\n", message="after every training batch"
        ),
        example("trainer:\n  val_check_interval: 0.0\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        value = spec.args.get("val_check_interval")
        if value is not None and value.is_float() and value.data == 0.0:
            yield self.report(
                value,
                f"`{spec.show('val_check_interval')}` validates after every training batch, not never",
                help="use `limit_val_batches=0` to disable validation",
            )


class ValidationNeverRuns(Rule):
    """
    ## What it does
    Flags `check_val_every_n_epoch` larger than `max_epochs` (validation never runs), or
    not dividing it (the last epochs are never validated, and the default checkpoint,
    which saves after validation, never saves them).

    ## Why is this bad?
    The final model is never evaluated during training; metrics and checkpoints stop
    epochs before the end.

    ## What Lightning does
    Validation runs in epoch `e` (0-based) only when `(e + 1) % check_val_every_n_epoch == 0`.

    ## Example
    ```python
    Trainer(max_epochs=10, check_val_every_n_epoch=3)   # epochs 3, 6, 9 only
    ```

    ## How to fix
    Choose `check_val_every_n_epoch` dividing `max_epochs`.
    """

    code = "LL205"
    name = "validation-never-runs"
    severity = Severity.WARNING
    summary = "check_val_every_n_epoch > max_epochs, or not dividing it: the last epochs are never validated."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=10, check_val_every_n_epoch=5)\n",
        "from lightning import Trainer\nTrainer(max_epochs=10, check_val_every_n_epoch=3, limit_val_batches=0)\n",
        "from lightning import Trainer\nTrainer(max_steps=1000, check_val_every_n_epoch=3)\n",
        example("from lightning import Trainer\ndef f(n):\n    Trainer(max_epochs=n, check_val_every_n_epoch=3)\n"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=10, check_val_every_n_epoch=3)\n",
            message="the last 1 epoch",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=3, check_val_every_n_epoch=5)\n", message="never runs"
        ),
        example("trainer:\n  max_epochs: 100\n  check_val_every_n_epoch: 30\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec) or not spec.assumed_training:
            return
        s = ctx.schedule(spec)
        v = s.validation
        n, epochs = int_of(spec.get("check_val_every_n_epoch")), s.epochs_run
        if v is None or v.enabled is False or n is None or n <= 1 or not epochs or epochs < 1:
            return
        value = spec.get("check_val_every_n_epoch")
        if n > epochs:
            yield self.report(
                value,
                f"`{spec.show('check_val_every_n_epoch')}` with {epochs} epochs: validation never "
                "runs (and a checkpoint that saves after validation never saves)",
                help=f"use a value <= {epochs} that divides it",
            )
        elif epochs % n:
            last = (epochs // n) * n
            yield self.report(
                value,
                f"`{spec.show('check_val_every_n_epoch')}` does not divide the {epochs} epochs: "
                f"the last {epochs - last} epoch{'s are' if epochs - last != 1 else ' is'} never "
                f"validated (last validation after epoch {last})",
                help="choose a value that divides max_epochs",
            )


def _monitors(spec: TrainerSpec) -> List[CallbackSpec]:
    return [cb for cb in spec.callbacks if cb.kind in ("EarlyStopping", "ModelCheckpoint")]


class MonitorWithoutValidation(Rule):
    """
    ## What it does
    Flags an EarlyStopping or ModelCheckpoint that monitors a validation metric on a
    Trainer with validation disabled (`limit_val_batches=0`).

    ## Why is this bad?
    The metric is never logged. EarlyStopping raises "Early stopping conditioned on
    metric `val_loss` which is not available"; ModelCheckpoint raises or warns that it
    could not find the monitored key.

    ## What Lightning does
    `EarlyStopping._validate_condition_metric` raises RuntimeError (strict=True);
    `ModelCheckpoint._save_topk_checkpoint` raises MisconfigurationException.

    ## Example
    ```python
    Trainer(limit_val_batches=0, callbacks=[EarlyStopping("val_loss")])
    ```

    ## How to fix
    Monitor a training metric, or enable validation.
    """

    code = "LL206"
    name = "monitor-without-validation"
    severity = Severity.ERROR
    needs = "S*"
    summary = "A callback monitors a validation metric while validation is disabled (limit_val_batches=0)."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(callbacks=[EarlyStopping('val_loss')])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(limit_val_batches=0, callbacks=[EarlyStopping('train_loss')])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\ndef f(n):\n"
            "    Trainer(limit_val_batches=n, callbacks=[EarlyStopping('val_loss')])\n"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(limit_val_batches=0, callbacks=[EarlyStopping('val_loss')])\n",
            message="never logged",
        ),
        example(
            "trainer:\n  limit_val_batches: 0.0\n  callbacks:\n    - class_path: ModelCheckpoint\n"
            "      init_args:\n        monitor: val/acc\n",
            path="config.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        limit = spec.get("limit_val_batches")
        if number_of(limit) != 0:
            return
        for cb in _monitors(spec):
            monitor = cb.get("monitor")
            name = str_of(monitor)
            if name and is_validation_metric(name):
                yield self.report(
                    monitor,
                    f"`{cb.label()}` monitors {name!r}, a validation metric, but "
                    f"`{spec.show('limit_val_batches')}` disables validation: it is never "
                    "logged and the callback fails",
                    related=[limit.anchor],
                    help="monitor a training metric, or enable validation",
                )


_BUILTIN_METRICS = {"epoch", "step"}


_PLATEAU_MODULE = (
    "import lightning as L\nimport torch\n\nclass Net(L.LightningModule):\n"
    "    def validation_step(self, batch, i):\n        self.log('{logged}', 0.0)\n\n"
    "    def configure_optimizers(self):\n        opt = torch.optim.SGD(self.parameters(), lr=0.1)\n"
    "        s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\n"
    '        return {{"optimizer": opt, "lr_scheduler": {{"scheduler": s, "monitor": "val_loss"}}}}\n'
)
_PLATEAU_TRAIN = "from lightning import Trainer\nfrom model import Net\nTrainer(max_epochs=3).fit(Net())\n"


class MonitoredMetricNeverLogged(Rule):
    """
    ## What it does
    Flags a `monitor` (EarlyStopping, ModelCheckpoint, or a `ReduceLROnPlateau`'s
    `"monitor"` in the scheduler dict that `configure_optimizers` returns, or in a
    LightningCLI `lr_scheduler:` section) that no `self.log(...)` /
    `self.log_dict(...)` can produce. When the Trainer's `fit` is seen, it reads the
    fitted LightningModule and its base classes (in any module of the project), plus
    what classes that are not LightningModules (callbacks) log; otherwise every logging
    call in the project. It only decides when those calls use literal names (a dynamic
    name, such as an f-string or a metrics collection, turns it off) and offers the
    closest logged name. A scheduler's monitor is judged only against the fitted model
    (its class hierarchy and the project's callbacks, all with literal names).

    ## Why is this bad?
    Typos and renames (`val_loss` vs `val/loss`) are the classic: EarlyStopping raises
    after the first validation ("Early stopping conditioned on metric `val_loss` which
    is not available"), ModelCheckpoint raises or silently never ranks checkpoints.
    A ReduceLROnPlateau raises at its first update (the end of the first epoch):
    "ReduceLROnPlateau conditioned on metric val_loss which is not available"; with
    `"strict": False` Lightning warns and never steps it.

    ## What Lightning does
    The callbacks look the key up in `trainer.callback_metrics`, which holds exactly the
    names passed to `self.log`.

    ## Example
    ```python
    EarlyStopping(monitor="val_loss")   # the model logs "val/loss"
    ```

    ## How to fix
    Use the logged name.

    ## Fix safety
    Replacing the monitor with the closest logged name is unsafe: the closest name may
    not be the metric you meant.
    """

    code = "LL207"
    name = "monitored-metric-never-logged"
    severity = Severity.WARNING
    needs = "S*"
    fix_availability = "sometimes"
    summary = "A monitored metric that no self.log call in the project produces; suggests the closest logged name."
    VALID = [
        example(
            "from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val/loss')\n",
            files=_MODULE_LOGGING,
        ),
        example(_PLATEAU_TRAIN, files={"model.py": _PLATEAU_MODULE.format(logged="val_loss")}),
        example(
            _PLATEAU_TRAIN,
            files={"model.py": _PLATEAU_MODULE.format(logged="val_loss").replace("'val_loss'", "f'val_{i}'")},
            note="a dynamic name",
        ),
        example(
            "from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val_loss')\n",
            note="no LightningModule found",
        ),
        example(
            "from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val_loss')\n",
            files={
                "model.py": "import lightning as L\nclass Net(L.LightningModule):\n"
                "    def validation_step(self, batch, i):\n"
                "        self.log(f'val_{self.name}', 0.0)\n"
            },
            note="a dynamic name",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(monitor='val/acc_epoch')\n",
            files=_MODULE_LOGGING,
            note="on_epoch logging adds _epoch",
        ),
        example(
            "from lightning.pytorch.callbacks import ModelCheckpoint\nModelCheckpoint(monitor='step', mode='max')\n",
            files=_MODULE_LOGGING,
            note="logged by Lightning itself",
        ),
        example(
            _FIT_CHILD.format(monitor="val_loss"),
            files=_BASE_LOGGING,
            note="logged by the fitted model's parent class, in another module",
        ),
    ]
    INVALID = [
        example(
            _PLATEAU_TRAIN,
            files={"model.py": _PLATEAU_MODULE.format(logged="val/loss")},
            message="conditioned on metric val_loss which is not available",
            note="a ReduceLROnPlateau's monitor",
        ),
        example(
            "from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val_loss')\n",
            files=_MODULE_LOGGING,
            message="did you mean 'val/loss'",
            fixed="from lightning.pytorch.callbacks import EarlyStopping\nEarlyStopping(monitor='val/loss')\n",
            unsafe=True,
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: ModelCheckpoint\n      init_args:\n"
            "        monitor: val_accuracy\n",
            path="config.yaml",
            files=_MODULE_LOGGING,
        ),
        example(
            _FIT_CHILD.format(monitor="val_acc"),
            files={
                **_BASE_LOGGING,
                "other.py": "import lightning as L\nclass Other(L.LightningModule):\n"
                "    def validation_step(self, batch, i):\n        self.log('val_acc', 1.0)\n"
                "        self.log(f'val_{i}', 1.0)\n",
            },
            message="the fitted model (`Child`",
            note="another entry point's model logs it (and logs dynamic names): not this one",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        """A ReduceLROnPlateau's monitor against what the fitted model logs."""
        from lightning_lint.rules.lr_schedule import fitted_schedulers

        if not spec.assumed_training:
            return
        schedulers, assumption = fitted_schedulers(spec, ctx)
        plateaus = [s for s in schedulers if s.kind == "ReduceLROnPlateau" and s.monitor]
        if assumption or not plateaus:
            return
        found = _logged_by_fitted_model(spec, ctx)
        if found is None:
            return
        metrics, who = found
        for scheduler in plateaus:
            name = str(scheduler.monitor)
            if _is_logged(name, metrics):
                continue
            close = difflib.get_close_matches(name, sorted(metrics), n=1, cutoff=0.6)
            suggestion = f"; did you mean {close[0]!r}?" if close else ""
            where = scheduler.monitor_loc or scheduler.config_loc or scheduler.loc
            if scheduler.injected:  # a Hydra scheduler node: at the node (one place in the composition)
                where = scheduler.loc
            here = where.path == ctx.extraction.path or bool(scheduler.injected)
            strict = "strict" in [key for key, _ in scheduler.config_keys]
            outcome = (
                'with "strict" set, Lightning may only warn and never step it'
                if strict
                else f'fit raises "ReduceLROnPlateau conditioned on metric {name} which is not available" '
                "at the scheduler's first update"
            )
            yield self.report(
                where if here else spec,
                (
                    "the `lr_scheduler:` ReduceLROnPlateau"
                    if scheduler.form == "cli"
                    else f"the ReduceLROnPlateau of `{scheduler.owner or 'the fitted model'}`"
                )
                + f" monitors {name!r}, "
                f"which {who}: {outcome}{suggestion}",
                related=[scheduler.monitor_loc] if scheduler.injected else ([] if here else [where]),
                help="logged names: " + ", ".join(sorted(metrics)[:12]),
            )

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind not in ("EarlyStopping", "ModelCheckpoint"):
            return
        monitor = callback.get("monitor")
        name = str_of(monitor)
        if not name or not monitor.known:
            return
        found = _logged_for(callback, ctx)
        if found is None:
            return
        metrics, who = found
        logged = set(metrics)
        base = name
        for suffix in ("_epoch", "_step"):
            if name.endswith(suffix):
                base = name[: -len(suffix)]
        if name in logged or base in logged or name in _BUILTIN_METRICS:
            return
        close = difflib.get_close_matches(name, sorted(logged), n=1, cutoff=0.6)
        suggestion = f"; did you mean {close[0]!r}?" if close else ""
        where = metrics[close[0]] if close else None
        fix = (
            replace_value(monitor, close[0], callback.flavor, f"Monitor {close[0]!r}", Applicability.UNSAFE)
            if close
            else None
        )
        yield self.report(
            monitor,
            f"`{callback.label()}` monitors {name!r}, which {who}{suggestion}",
            fix=fix,
            related=[where] if where else (),
            help="logged names: " + ", ".join(sorted(logged)[:12]),
        )


def _is_logged(name: str, logged: Dict[str, Loc]) -> bool:
    base = name
    for suffix in ("_epoch", "_step"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
    return name in logged or base in logged or name in _BUILTIN_METRICS


def _logged_by_fitted_model(spec: TrainerSpec, ctx: "RuleContext") -> Optional[Tuple[Dict[str, Loc], str]]:
    """What the model this Trainer fits can log (its class hierarchy and the project's
    callbacks), and who that is in words; None unless every name is literal and known."""
    graph = spec.fit_graph
    if graph is None or graph.model_class is None or graph.unresolved_reason:
        return None
    logged, why = fit_graph.logged_metrics_of(graph.model_class, ctx.facts, graph.loc.path, graph.model_loc)
    if why or not logged:
        return None
    classes = {
        c.name for c in fit_graph.hierarchy(graph.model_class, ctx.facts, graph.loc.path, graph.model_loc).classes
    }
    outside, dynamic = fit_graph.logged_outside_models(ctx.facts, classes)
    if dynamic is not None:
        return None
    metrics = dict(logged)
    for metric, loc in outside.items():
        metrics.setdefault(metric, loc)
    who = f"the fitted model (`{graph.model_class.rsplit('.', 1)[-1]}`, with its base classes) never logs"
    return metrics, who + (", nor does a callback of the project" if outside else "")


def _logged_for(callback: CallbackSpec, ctx: "RuleContext") -> Optional[Tuple[Dict[str, Loc], str]]:
    """The metric names that can reach this callback, and who logs them in words: the
    class hierarchy of the model its Trainer fits when that can be followed, else every
    ``self.log`` of the project (saying why). None when nothing can be said."""
    hierarchies: Dict[str, Loc] = {}
    models: List[str] = []
    classes: Set[str] = set()
    reason = None
    for spec in ctx.extraction.trainers:
        graph = spec.fit_graph
        if graph is None or not any(cb is callback for cb in spec.callbacks):
            continue
        if graph.model_class is None:
            reason = reason or graph.unresolved_reason or "the model given to `fit` is not known"
            continue
        logged, why = fit_graph.logged_metrics_of(graph.model_class, ctx.facts, graph.loc.path, graph.model_loc)
        if why or not logged:
            reason = reason or why or f"`{graph.model_class.rsplit('.', 1)[-1]}` logs nothing with `self.log`"
            continue
        models.append(f"`{graph.model_class.rsplit('.', 1)[-1]}`")
        classes.update(
            c.name for c in fit_graph.hierarchy(graph.model_class, ctx.facts, graph.loc.path, graph.model_loc).classes
        )
        for metric, loc in logged.items():
            hierarchies.setdefault(metric, loc)
    if models and reason is None:
        # callbacks and helpers may log into any model: what they log counts, and a
        # name they compute at run time leaves nothing to prove
        outside, dynamic = fit_graph.logged_outside_models(ctx.facts, classes)
        if dynamic is None:
            for metric, loc in outside.items():
                hierarchies.setdefault(metric, loc)
            who = f"the fitted model ({', '.join(sorted(set(models)))}, with its base classes) never logs"
            return hierarchies, who + (", nor does a callback of the project" if outside else "")
        reason = f"a class that is not a LightningModule logs a name computed at run time ({fit_graph.where(dynamic)})"
    facts = ctx.facts
    if not facts.lightning_modules or facts.dynamic_logging is not None or not facts.logged_metrics:
        return None
    note = f" (the fitted model cannot be followed: {reason})" if reason else ""
    return facts.logged_metrics, f"no `self.log` in the project logs{note}"


class EarlyStoppingCannotTrigger(Rule):
    """
    ## What it does
    Flags an EarlyStopping whose `patience` is so large that it can never end training
    before `max_epochs` does: `(patience + 1) × epochs between checks ≥ max_epochs`.

    ## Why is this bad?
    Patience counts *checks*, not epochs. With `check_val_every_n_epoch=10` and
    `patience=3`, stopping needs at least 40 epochs. When that exceeds `max_epochs` the
    callback only costs time.

    ## What Lightning does
    EarlyStopping checks once per validation (or training epoch end) and stops after
    `patience` checks without improvement.

    ## Example
    ```python
    Trainer(max_epochs=20, check_val_every_n_epoch=5, callbacks=[EarlyStopping("val_loss", patience=3)])
    ```

    ## How to fix
    Lower `patience`, validate more often, or raise `max_epochs`.
    """

    code = "LL208"
    name = "early-stopping-cannot-trigger"
    severity = Severity.WARNING
    needs = "S*"
    summary = "EarlyStopping patience x validation interval >= max_epochs: it can never stop training early."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(max_epochs=100, callbacks=[EarlyStopping('val_loss', patience=5)])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(max_epochs=10, val_check_interval=0.25, callbacks=[EarlyStopping('val_loss', patience=12)])\n",
            note="four checks per epoch",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\ndef f(p):\n"
            "    Trainer(max_epochs=10, callbacks=[EarlyStopping('val_loss', patience=p)])\n"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(max_epochs=20, check_val_every_n_epoch=5, callbacks=[EarlyStopping('val_loss', patience=3)])\n",
            message="at least 20 epochs",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(max_epochs=10, callbacks=[EarlyStopping('val_loss', patience=20)])\n"
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec) or not spec.assumed_training:
            return
        s = ctx.schedule(spec)
        # the epochs run are at most the epoch limit, so the limit proves it as well
        v = s.validation
        epochs = s.epochs_run or (s.epoch_limit if isinstance(s.epoch_limit, int) and s.epoch_limit > 0 else None)
        if v is None or not epochs or epochs <= 0:
            return
        for cb in spec.callbacks_of("EarlyStopping"):
            patience, on_train = int_of(cb.get("patience")), cb.get("check_on_train_epoch_end")
            if patience is None or not on_train.decidable:
                continue
            if on_train.data is True:
                every = 1
            elif v.mode == "fraction" and v.interval == 1.0 and v.every_n_epochs:
                every = v.every_n_epochs
            else:
                continue
            needed = (patience + 1) * every
            if needed >= epochs:
                yield self.report(
                    cb.get("patience") if cb.get("patience").anchor else cb,
                    f"`{cb.label()}(patience={patience})` checks every {every} epoch"
                    f"{'s' if every != 1 else ''}: stopping needs at least {needed} epochs, and "
                    f"training ends after {'at most ' if s.epochs_run is None else ''}{epochs}; "
                    "early stopping can never shorten it",
                    help="lower patience, validate more often, or raise max_epochs",
                )


def _time_based(value: Value) -> bool:
    data = value.data
    return isinstance(data, (str, dict)) or (isinstance(data, Call) and data.short_name == "timedelta")


class EarlyStoppingTimeBasedValidation(Rule):
    """
    ## What it does
    Flags EarlyStopping with `check_on_train_epoch_end` unset on a Trainer whose
    `val_check_interval` is time-based (`"DD:HH:MM:SS"`, a dict or a timedelta).

    ## Why is this bad?
    `fit` crashes at start with `AttributeError: 'Trainer' object has no attribute
    'val_check_interval'` (Lightning 2.6 never sets the attribute in the time-based
    branch, and EarlyStopping reads it).

    ## What Lightning does
    `EarlyStopping.setup` resolves `check_on_train_epoch_end` from
    `trainer.val_check_interval`.

    ## Example
    ```python
    Trainer(val_check_interval="00:01:00:00", callbacks=[EarlyStopping("val_loss")])
    ```

    ## How to fix
    Pass `check_on_train_epoch_end=False` to EarlyStopping.

    ## Fix safety
    Adding `check_on_train_epoch_end=False` is safe: with time-based validation the
    checks happen after validation anyway.
    """

    code = "LL209"
    name = "early-stopping-time-based-validation"
    severity = Severity.ERROR
    needs = "S*"
    fix_availability = "sometimes"
    summary = "EarlyStopping without check_on_train_epoch_end and a time-based val_check_interval: AttributeError."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(val_check_interval='00:01:00:00', callbacks=[EarlyStopping('val_loss', check_on_train_epoch_end=False)])\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(val_check_interval=0.5, callbacks=[EarlyStopping('val_loss')])\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(val_check_interval='00:01:00:00', callbacks=[EarlyStopping('val_loss')])\n",
            message="AttributeError",
            fixed="from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
            "Trainer(val_check_interval='00:01:00:00', callbacks=[EarlyStopping('val_loss', "
            "check_on_train_epoch_end=False)])\n",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        from lightning_lint.rules.fixes import insert_argument

        vci = spec.get("val_check_interval")
        if not vci.known or not _time_based(vci):
            return
        for cb in spec.callbacks_of("EarlyStopping"):
            flag = cb.get("check_on_train_epoch_end")
            if flag.decidable and flag.data is None:
                fix = (
                    insert_argument(
                        cb.loc,
                        cb.args,
                        "check_on_train_epoch_end",
                        False,
                        cb.flavor,
                        ctx.source,
                        "Check after validation",
                    )
                    if not cb.open_reason
                    else None
                )
                yield self.report(
                    cb,
                    f"`{cb.label()}` without `check_on_train_epoch_end` and a time-based "
                    f"`{spec.show('val_check_interval')}`: fit fails with AttributeError ('Trainer' "
                    "object has no attribute 'val_check_interval')",
                    fix=fix,
                    help="pass `check_on_train_epoch_end=False`",
                )


class LogIntervalExceedsEpoch(Rule):
    """
    ## What it does
    Flags `log_every_n_steps` larger than the training batches of an epoch (when they are
    known), and negative values.

    ## Why is this bad?
    Short epochs never reach the logging interval, so training metrics are logged rarely
    or never; Lightning warns "The number of training batches (N) is smaller than the
    logging interval". Negative values are accepted silently and log nothing.

    ## What Lightning does
    Metrics are logged when `(optimizer steps + 1) % log_every_n_steps == 0`;
    `_FitLoop.setup_data` warns when the batches per epoch are fewer than the interval.

    ## Example
    ```python
    Trainer(limit_train_batches=20)   # log_every_n_steps defaults to 50
    ```

    ## How to fix
    Set `log_every_n_steps` to at most the batches per epoch.
    """

    code = "LL210"
    name = "log-interval-exceeds-epoch"
    severity = Severity.WARNING
    needs = "D"
    summary = "log_every_n_steps larger than the batches per epoch (or negative): training metrics are rarely logged."
    VALID = [
        "from lightning import Trainer\nTrainer(limit_train_batches=100, log_every_n_steps=10)\n",
        "from lightning import Trainer\nTrainer(limit_train_batches=20, logger=False)\n",
        example("from lightning import Trainer\nTrainer(log_every_n_steps=500)\n", note="batches unknown"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(limit_train_batches=20, max_epochs=3)\n",
            message="smaller than the logging interval",
        ),
        example("from lightning import Trainer\nTrainer(log_every_n_steps=-1)\n", message="negative"),
        example(
            "trainer:\n  log_every_n_steps: 100\n",
            path="config.yaml",
            files={"pyproject.toml": '[tool.lightning-lint.facts."config.yaml"]\ntrain-batches-per-epoch = 40\n'},
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        if fast_dev_run_on(spec):
            return
        value = spec.get("log_every_n_steps")
        n = 50 if value.decidable and value.data is None else int_of(value)
        if n is not None and n < 0 and value.known:
            yield self.report(
                value,
                f"`{spec.show('log_every_n_steps')}` is negative: Lightning accepts it and never logs training metrics",
                help="use a positive interval, or 0 to disable",
            )
            return
        logger = spec.get("logger")
        if not logger.decidable or logger.data is False or (logger.is_list() and not logger.data):
            return
        s = ctx.schedule(spec)
        if n is None or n <= 0 or s.batches is None:  # an upper bound of the batches suffices
            return
        if s.batches < n:
            at = value if value.anchor else spec.args.get("limit_train_batches") or spec
            yield self.report(
                at,
                f"the number of training batches ({s.batches}, {s.batches_source}) is smaller than "
                f"the logging interval `log_every_n_steps={n}`: training metrics are logged "
                "rarely or never",
                help=f"set log_every_n_steps <= {s.batches}",
            )


class LoggerRequired(Rule):
    """
    ## What it does
    Flags LearningRateMonitor or DeviceStatsMonitor on a Trainer without a logger:
    `logger=False`, `barebones=True`, or a Hydra config whose `logger:` group is empty.

    ## Why is this bad?
    Training fails at start: "Cannot use `LearningRateMonitor` callback with `Trainer`
    that has no logger."

    ## What Lightning does
    The callbacks raise MisconfigurationException in `on_train_start` / `setup`.

    ## Example
    ```python
    Trainer(logger=False, callbacks=[LearningRateMonitor()])
    ```

    ## How to fix
    Configure a logger, or remove the callback.
    """

    code = "LL211"
    name = "logger-required"
    severity = Severity.ERROR
    needs = "S*"
    summary = "LearningRateMonitor / DeviceStatsMonitor on a Trainer without a logger."
    VALID = [
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import LearningRateMonitor\n"
        "Trainer(callbacks=[LearningRateMonitor()])\n",
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import LearningRateMonitor\ndef f(l):\n"
            "    Trainer(logger=l, callbacks=[LearningRateMonitor()])\n"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import LearningRateMonitor\n"
            "Trainer(logger=False, callbacks=[LearningRateMonitor()])\n",
            message="no logger",
        ),
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import DeviceStatsMonitor\n"
        "Trainer(barebones=True, callbacks=[DeviceStatsMonitor()]).fit(model)\n",
        example(
            "trainer:\n  _target_: lightning.pytorch.trainer.Trainer\n  max_epochs: 3\n"
            "callbacks:\n  lr_monitor:\n    _target_: lightning.pytorch.callbacks.LearningRateMonitor\n"
            "logger: null\n",
            path="configs/train.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:  # judged only on Trainers that train
            return
        logger, barebones = spec.get("logger"), spec.get("barebones")
        reason = None
        if logger.known and (logger.data is False or (logger.is_list() and not logger.data)):
            reason = f"`{spec.show('logger')}`"
        elif barebones.known and barebones.data is True:
            reason = f"`{spec.show('barebones')}`"
        if reason is None:
            return
        for cb in spec.callbacks:
            if cb.kind in ("LearningRateMonitor", "DeviceStatsMonitor"):
                yield self.report(
                    cb,
                    f"Cannot use `{cb.label()}` callback with a Trainer that has no logger "
                    f"({reason}): training fails at start",
                    help="configure a logger, or remove the callback",
                )


class LoggerType(Rule):
    """
    ## What it does
    Flags `logger` given as a string (`logger: tensorboard` in YAML).

    ## Why is this bad?
    Lightning treats a string as an iterable of loggers, one per character, and crashes
    on the first log call, far from the config line that caused it.

    ## What Lightning does
    `_LoggerConnector.configure_logger` does `list(logger)` for any iterable.

    ## Example
    ```yaml
    trainer:
      logger: tensorboard
    ```

    ## How to fix
    Give a logger object (`class_path: lightning.pytorch.loggers.TensorBoardLogger`),
    `true` for the default logger, or `false`.
    """

    code = "LL212"
    name = "logger-type"
    severity = Severity.ERROR
    summary = "logger given as a string: Lightning iterates over its characters."
    VALID = [
        "from lightning import Trainer\nTrainer(logger=True)\n",
        example(
            "trainer:\n  logger:\n    class_path: lightning.pytorch.loggers.TensorBoardLogger\n", path="config.yaml"
        ),
        example("trainer:\n  logger: ${logger}\n", path="config.yaml"),
    ]
    INVALID = [
        example("trainer:\n  logger: tensorboard\n", path="config.yaml", message="string"),
        "from lightning import Trainer\nTrainer(logger='wandb')\n",
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        logger = spec.args.get("logger")
        if logger is not None and logger.is_str():
            yield self.report(
                logger,
                f"`{spec.show('logger')}` is a string: Lightning treats it as a list of loggers "
                "(one per character) and fails when it first logs",
                help="give a logger (class_path / _target_), true for the default, or false",
            )
