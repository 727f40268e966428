"""LL304, LL312: argument values Lightning rejects."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable, Optional, Tuple

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.schedule import data_facts
from lightning_lint.model.spec import FLAVOR_LIGHTNING_CLI, CallbackSpec, TrainerSpec, Value, describe
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import number_of

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

# Arguments that take a fraction in [0.0, 1.0] or a whole number of batches (_determine_batch_limits).
_BATCH_LIMITS = (
    "limit_train_batches",
    "limit_val_batches",
    "limit_test_batches",
    "limit_predict_batches",
    "overfit_batches",
    "val_check_interval",
)
# Which of them fast_dev_run and overfit_batches replace before Lightning looks at them.
_REPLACED_BY_FAST_DEV_RUN = (
    "limit_train_batches",
    "limit_val_batches",
    "limit_test_batches",
    "limit_predict_batches",
    "val_check_interval",
)
_REPLACED_BY_OVERFIT = ("limit_train_batches", "limit_val_batches")
# Callback arguments whose constructor rejects other strings (ModelCheckpoint/EarlyStopping
# `mode` is LL103's).
_CALLBACK_CHOICES = (
    ("LearningRateMonitor", "logging_interval"),
    ("Timer", "interval"),
    ("BatchSizeFinder", "mode"),
    ("LearningRateFinder", "mode"),
)


def _is_real_number(value: Value) -> bool:
    return value.known and isinstance(value.data, (int, float)) and not isinstance(value.data, bool)


def _cli_coerces(value: Value, flavor: str) -> bool:
    """LightningCLI (jsonargparse) turns a quoted number such as '1.0' into the number the
    argument's type asks for, so a string there is not a type error."""
    if flavor != FLAVOR_LIGHTNING_CLI or not isinstance(value.data, str):
        return False
    try:
        float(value.data)
    except ValueError:
        return False
    return True


def _flag_state(spec: TrainerSpec, name: str) -> Optional[bool]:
    """Whether ``fast_dev_run`` / ``overfit_batches`` is on: True, False, or None (unknown)."""
    value = spec.get(name)
    if not value.decidable:
        return None
    if name == "fast_dev_run":
        return value.data not in (False, 0, None)
    return isinstance(value.data, (int, float)) and not isinstance(value.data, bool) and value.data > 0


def _choice_ok(owner: str, name: str, text: str, choices: Tuple[Any, ...]) -> bool:
    if (owner, name) in data.CASE_INSENSITIVE_CHOICES:
        text = text.lower()
    return text in choices


class InvalidArgumentValue(Rule):
    """
    ## What it does
    Flags argument values that Lightning rejects when the Trainer or callback is built, or
    at the first training batch:

    - `limit_train/val/test/predict_batches`, `overfit_batches` and a numeric
      `val_check_interval` that are neither a fraction in [0.0, 1.0] nor a whole number
      of batches (`1.5`, `-1`);
    - `accumulate_grad_batches` that is not an int (the 1.x dict schedule `{0: 8, 4: 2}`);
    - `check_val_every_n_epoch` that is not an int (`1.0`), a negative or non-int
      `reload_dataloaders_every_n_epochs`, a negative `fast_dev_run`;
    - an unknown `profiler` name, a `gradient_clip_val` that is not a number, a
      `gradient_clip_algorithm` other than `norm`/`value`, `callbacks` given as a string;
    - callback choices: `LearningRateMonitor(logging_interval)` other than `step`/`epoch`,
      `Timer(interval)` other than `step`/`epoch`, `BatchSizeFinder(mode)`,
      `LearningRateFinder(mode)`, and an empty or non-positive
      `GradientAccumulationScheduler(scheduling)`.

    A string given as `plugins` is LL408's finding.

    ## Why is this bad?
    The run cannot start: `Trainer(limit_train_batches=1.5)` raises "You have passed
    invalid value 1.5 for limit_train_batches, it has to be in [0.0, 1.0] or an int."
    A dict `accumulate_grad_batches` is accepted by the constructor and crashes at the
    first batch with `TypeError: unsupported operand type(s) for %: 'int' and 'dict'`.

    ## What Lightning does
    `_init_debugging_flags` / `_determine_batch_limits`, `_DataConnector.on_trainer_init`,
    `Trainer.__init__` (gradient clipping), `_init_profiler` and the callbacks'
    constructors raise MisconfigurationException, TypeError or ValueError. Lightning
    skips the batch-limit check for arguments that `fast_dev_run` or `overfit_batches`
    replace, and so does this rule. In a LightningCLI config a quoted number (`'1.0'`) is
    converted to a number before Lightning sees it, so it is not flagged there.

    ## Example
    ```python
    Trainer(limit_train_batches=1.5, accumulate_grad_batches={0: 8, 4: 2}, profiler="cprofile")
    ```

    ## How to fix
    Use a fraction (`0.5`) or a batch count (`2`) for the limits, an int for
    `accumulate_grad_batches` (or the `GradientAccumulationScheduler` callback for a
    schedule), and one of the names the message lists.
    """

    code = "LL304"
    name = "invalid-argument-value"
    severity = Severity.ERROR
    summary = "A value Lightning rejects: limit_*_batches 1.5, a dict accumulate_grad_batches, profiler 'cprofile', ..."
    VALID = [
        "from lightning import Trainer\nTrainer(limit_train_batches=0.25, limit_val_batches=10, val_check_interval=0.5)\n",
        example("from lightning import Trainer\nTrainer(limit_train_batches=2.0)\n", note="2.0 means two batches"),
        example(
            "from lightning import Trainer\nTrainer(fast_dev_run=True, limit_train_batches=1.5)\n",
            note="fast_dev_run replaces the limit before Lightning checks it",
        ),
        example(
            "from lightning import Trainer\nTrainer(overfit_batches=2, limit_val_batches=1.5)\n",
            note="overfit_batches replaces limit_val_batches",
        ),
        "from lightning import Trainer\nTrainer(profiler='Simple', gradient_clip_algorithm='VALUE', gradient_clip_val=1)\n",
        "from lightning import Trainer\nTrainer(check_val_every_n_epoch=None, val_check_interval=1000)\n",
        "from lightning import Trainer\nTrainer(val_check_interval='00:01:00:00')\n",
        example(
            "from lightning import Trainer\ndef main(args):\n    Trainer(limit_train_batches=args.limit, "
            "accumulate_grad_batches=args.acc)\n",
            note="unknown values",
        ),
        example("from lightning import Trainer\ndef main(cfg):\n    Trainer(**cfg)\n", note="**kwargs"),
        example(
            "trainer:\n  limit_train_batches: ${data.fraction}\n  profiler: ${oc.env:PROFILER}\n",
            path="config.yaml",
            note="interpolations",
        ),
        example(
            "trainer:\n  gradient_clip_val: '1.0'\n  check_val_every_n_epoch: '2'\n",
            path="config.yaml",
            note="LightningCLI converts quoted numbers",
        ),
        "from lightning.pytorch.callbacks import LearningRateMonitor, Timer\n"
        "LearningRateMonitor(logging_interval='epoch')\nTimer(duration='00:01:00:00', interval='epoch')\n",
        "from lightning.pytorch.callbacks import GradientAccumulationScheduler\n"
        "GradientAccumulationScheduler(scheduling={0: 8, 4: 2})\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(limit_train_batches=1.5)\n",
            message="has to be in [0.0, 1.0] or an int",
        ),
        example("from lightning import Trainer\nTrainer(val_check_interval=-0.5)\n", message="val_check_interval"),
        example(
            "from lightning import Trainer\nTrainer(accumulate_grad_batches={0: 8, 4: 2})\n",
            message="GradientAccumulationScheduler",
        ),
        example(
            "from lightning import Trainer\nTrainer(check_val_every_n_epoch=1.0)\n", message="should be an integer"
        ),
        example("from lightning import Trainer\nTrainer(fast_dev_run=-1)\n", message=">= 0"),
        example("from lightning import Trainer\nTrainer(profiler='cprofile')\n", message="simple"),
        example("from lightning import Trainer\nTrainer(gradient_clip_val='0.5')\n", message="int or a float"),
        example("from lightning import Trainer\nTrainer(gradient_clip_algorithm='l2')\n", message="norm"),
        example("from lightning import Trainer\nTrainer(callbacks='ModelCheckpoint')\n", message="a string"),
        example("from lightning import Trainer\nTrainer(reload_dataloaders_every_n_epochs=-1)\n", message=">= 0"),
        example(
            "from lightning import Trainer\ndef main(debug):\n    Trainer(fast_dev_run=debug, limit_val_batches=3.5)\n",
            message="when fast_dev_run is off",
        ),
        example(
            "from lightning.pytorch.callbacks import LearningRateMonitor\nLearningRateMonitor(logging_interval='Step')\n",
            message="logging_interval",
        ),
        "from lightning.pytorch.callbacks import Timer\nTimer(interval='batch')\n",
        "from lightning.pytorch.callbacks import BatchSizeFinder\nBatchSizeFinder(mode='linear')\n",
        "from lightning.pytorch.callbacks import GradientAccumulationScheduler\n"
        "GradientAccumulationScheduler(scheduling={0: 0})\n",
        example("trainer:\n  limit_val_batches: 1.5\n  overfit_batches: -1\n", path="config.yaml"),
        example(
            "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 3\ngradient_clip_val: '1.0'\n",
            path="configs/trainer/default.yaml",
            note="Hydra passes the string on unchanged",
        ),
        example(
            "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.LearningRateMonitor\n"
            "      init_args:\n        logging_interval: batch\n",
            path="config.yaml",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not ctx.target.at_least("2.0.0"):
            return
        yield from self._batch_limits(spec)
        yield from self._types(spec)
        yield from self._choices(spec)

    # -- limit_*_batches, overfit_batches, val_check_interval ---------------------------
    def _batch_limits(self, spec: TrainerSpec) -> Iterable[Diagnostic]:
        fast, overfit = _flag_state(spec, "fast_dev_run"), _flag_state(spec, "overfit_batches")
        for name in _BATCH_LIMITS:
            value = spec.args.get(name)
            if value is None or not _is_real_number(value):
                continue
            number = value.data
            if 0 <= number <= 1 or (number > 1 and number % 1 == 0):
                continue
            conditions = []
            if name in _REPLACED_BY_FAST_DEV_RUN:
                if fast:
                    continue
                if fast is None:
                    conditions.append("fast_dev_run is off")
            if name in _REPLACED_BY_OVERFIT:
                if overfit:
                    continue
                if overfit is None:
                    conditions.append("overfit_batches is off")
            when = f" (when {' and '.join(conditions)})" if conditions else ""
            yield self.report(
                value,
                f'`{spec.show(name)}`: the Trainer raises "You have passed invalid value '
                f'{number} for {name}, it has to be in [0.0, 1.0] or an int"{when}',
                help="write a fraction such as 0.25, or a whole number of batches such as 10",
            )

    # -- types ----------------------------------------------------------------------------
    def _types(self, spec: TrainerSpec) -> Iterable[Diagnostic]:
        acc = spec.args.get("accumulate_grad_batches")
        if (
            acc is not None
            and acc.known
            and isinstance(acc.data, (dict, tuple, str))
            and not _cli_coerces(acc, spec.flavor)
        ):
            schedule = (
                " (the Lightning 1.x schedule; use the GradientAccumulationScheduler callback)" if acc.is_dict() else ""
            )
            yield self.report(
                acc,
                f"`{spec.show('accumulate_grad_batches')}` must be an int: a "
                f"{_kind(acc)} fails with TypeError at the first training batch{schedule}",
                help="to change accumulation by epoch use "
                "`callbacks=[GradientAccumulationScheduler(scheduling={epoch: factor})]`",
            )
        every = spec.args.get("check_val_every_n_epoch")
        if (
            every is not None
            and every.known
            and every.data is not None
            and not isinstance(every.data, int)
            and not every.is_call()
            and not _cli_coerces(every, spec.flavor)
        ):
            yield self.report(
                every,
                f"`{spec.show('check_val_every_n_epoch')}`: `check_val_every_n_epoch` should be "
                "an integer (or None); the Trainer raises MisconfigurationException",
                help="write a whole number of epochs, e.g. 1",
            )
        reload = spec.args.get("reload_dataloaders_every_n_epochs")
        if (
            reload is not None
            and reload.known
            and not reload.is_call()
            and not _cli_coerces(reload, spec.flavor)
            and (not isinstance(reload.data, int) or reload.data < 0)
        ):
            yield self.report(
                reload,
                f"`{spec.show('reload_dataloaders_every_n_epochs')}`: it should be an int >= 0; "
                "the Trainer raises MisconfigurationException",
                help="0 never reloads; n reloads the dataloaders every n epochs",
            )
        fast = spec.args.get("fast_dev_run")
        if fast is not None and fast.is_int() and fast.data < 0:
            yield self.report(
                fast,
                f"`{spec.show('fast_dev_run')}` is not a valid configuration: it should be >= 0",
                help="use True (one batch), a number of batches, or False",
            )
        clip = spec.args.get("gradient_clip_val")
        if (
            clip is not None
            and clip.known
            and isinstance(clip.data, (str, tuple, dict))
            and not _cli_coerces(clip, spec.flavor)
        ):
            yield self.report(
                clip,
                f"`{spec.show('gradient_clip_val')}`: `gradient_clip_val` should be an int or a "
                f"float, not a {_kind(clip)}; the Trainer raises TypeError",
                help="write the number without quotes",
            )
        callbacks = spec.args.get("callbacks")
        if callbacks is not None and callbacks.is_str():
            yield self.report(
                callbacks,
                f"`{spec.show('callbacks')}` is a string: the Trainer expects Callback "
                "objects and fails while it is being built",
                help="pass a list of callback objects (class_path / _target_ nodes in YAML)",
            )

    # -- string choices -------------------------------------------------------------------
    def _choices(self, spec: TrainerSpec) -> Iterable[Diagnostic]:
        for name in ("profiler", "gradient_clip_algorithm"):
            value = spec.args.get(name)
            if value is None or not value.is_str():
                continue
            choices = data.TRAINER_PARAMS[name].choices
            if _choice_ok("Trainer", name, value.data, choices):
                continue
            yield self.report(
                value,
                f"`{spec.show(name)}` is not one of {', '.join(map(str, choices))}: the "
                "Trainer raises MisconfigurationException",
                help=f"`{name}` accepts "
                + ", ".join(map(repr, choices))
                + (" or a Profiler object" if name == "profiler" else ""),
            )

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not ctx.target.at_least("2.0.0"):
            return
        info = data.CALLBACKS.get(callback.kind)
        if info is None:
            return
        for owner, name in _CALLBACK_CHOICES:
            if owner != callback.kind:
                continue
            param = info.params[name]
            value = callback.get(name)
            if not value.is_str() or _choice_ok(callback.kind, name, value.data, param.choices):
                continue
            allowed = ", ".join("None" if c is None else repr(c) for c in param.choices)
            yield self.report(
                value,
                f"`{callback.label()}({name}={describe(value)})`: `{name}` must be one of "
                f"{allowed}; the callback raises when it is built",
                help="choices are case-sensitive"
                if (callback.kind, name) not in data.CASE_INSENSITIVE_CHOICES
                else None,
            )
        if callback.kind == "GradientAccumulationScheduler":
            yield from self._accumulation_schedule(callback)

    def _accumulation_schedule(self, callback: CallbackSpec) -> Iterable[Diagnostic]:
        scheduling = callback.get("scheduling")
        if not scheduling.is_dict():
            return
        if not scheduling.data:
            yield self.report(
                scheduling,
                "`GradientAccumulationScheduler(scheduling={})`: an empty schedule raises TypeError",
                help="map epochs to accumulation factors, e.g. {0: 8, 4: 1}",
            )
            return
        for factor in scheduling.data.values():
            number = number_of(factor) if factor.known else None
            if number is None or (isinstance(number, int) and number >= 1):
                continue
            if isinstance(number, float) and number >= 1 and callback.flavor == FLAVOR_LIGHTNING_CLI:
                continue  # jsonargparse may convert it to the int the type asks for
            yield self.report(
                factor,
                f"accumulation factor {describe(factor)} in "
                "`GradientAccumulationScheduler(scheduling=...)`: factors must be ints greater "
                "than 0; the callback raises MisconfigurationException",
                help="1 means no accumulation",
            )


def _kind(value: Value) -> str:
    if value.is_dict():
        return "dict"
    if value.is_list():
        return "list"
    return "string"


class FractionRoundsToZero(Rule):
    """
    ## What it does
    Flags a float `limit_train_batches`, `limit_val_batches` or `overfit_batches` that
    selects zero batches of the dataset: `int(batches × fraction) == 0`. It needs the
    number of batches: `train-batches-per-epoch` (or `dataset-size` and `batch-size`) and
    `val-batches` in `[tool.lightning-lint.facts]`, or the facts `lightning-lint confirm
    --save-facts` measured. Without them it stays silent.

    ## Why is this bad?
    `fit` fails when it sets up the data: "You requested to check 0.01 of the
    `train_dataloader` but 0.01 * 50 < 1. Please increase the `limit_train_batches`
    argument." A fraction chosen on a large dataset breaks the run on a small one (a
    debug subset, a new validation split). A float `overfit_batches` applies to the
    validation set too, which is often much smaller than the training set.

    ## What Lightning does
    `_parse_num_batches` computes `int(len(dataloader) * fraction)` and raises
    MisconfigurationException when that is 0 for a positive fraction (for validation at
    the sanity check or the first validation run).

    ## Example
    ```toml
    [tool.lightning-lint.facts."train.py"]
    train-batches-per-epoch = 50
    ```
    ```python
    Trainer(limit_train_batches=0.01)   # 0.01 x 50 batches = 0.5: no batch
    ```

    ## How to fix
    Use a whole number of batches (`limit_train_batches=5`), or a fraction of at least
    `1 / batches`.
    """

    code = "LL312"
    name = "fraction-rounds-to-zero"
    severity = Severity.ERROR
    needs = "D"
    summary = "A float limit_*_batches / overfit_batches that selects zero batches of the dataset: fit raises."
    _FACTS = '[tool.lightning-lint.facts."train.py"]\ntrain-batches-per-epoch = 50\nval-batches = 4\n'
    VALID = [
        example("from lightning import Trainer\nTrainer(limit_train_batches=0.01)\n", note="batches unknown: silent"),
        example(
            "from lightning import Trainer\nTrainer(limit_train_batches=0.02, limit_val_batches=0.25)\n",
            files={"pyproject.toml": _FACTS},
            note="1 train batch, 1 val batch",
        ),
        example(
            "from lightning import Trainer\nTrainer(limit_train_batches=1, limit_val_batches=0.0)\n",
            files={"pyproject.toml": _FACTS},
            note="ints and 0.0 are not fractions of the data",
        ),
        example(
            "from lightning import Trainer\nTrainer(fast_dev_run=True, limit_train_batches=0.01)\n",
            files={"pyproject.toml": _FACTS},
            note="fast_dev_run replaces the limit",
        ),
        example(
            "from lightning import Trainer\ndef f(x):\n    Trainer(limit_train_batches=x)\n",
            files={"pyproject.toml": _FACTS},
            note="unknown value",
        ),
        example(
            "trainer:\n  limit_train_batches: ${oc.env:FRACTION}\n",
            path="config.yaml",
            files={"pyproject.toml": '[tool.lightning-lint.facts."config.yaml"]\ntrain-batches-per-epoch = 50\n'},
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(limit_train_batches=0.01)\n",
            files={"pyproject.toml": _FACTS},
            message="0.01 x 50 training batches < 1",
        ),
        example(
            "from lightning import Trainer\nTrainer(overfit_batches=0.1)\n",
            files={"pyproject.toml": _FACTS},
            message="validation batches",
        ),
        example(
            "from lightning import Trainer\nTrainer(limit_val_batches=0.2)\n",
            files={"pyproject.toml": _FACTS},
            message="limit_val_batches=0.25",
        ),
        example(
            "trainer:\n  limit_train_batches: 0.0001\n",
            path="config.yaml",
            files={
                "pyproject.toml": '[tool.lightning-lint.facts."config.yaml"]\ndataset-size = 1000\nbatch-size = 32\n'
            },
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not ctx.target.at_least("2.0.0"):
            return
        facts = data_facts(ctx)
        if facts.batches is None and facts.val_batches is None:
            return
        overfit = spec.get("overfit_batches")
        fast = _flag_state(spec, "fast_dev_run")
        overfitting = _flag_state(spec, "overfit_batches")
        if overfitting is None:
            return  # an unknown overfit_batches may replace both limits
        for stage, batches, source in (
            ("train", facts.batches, facts.source or "the facts"),
            ("val", facts.val_batches, f"val-batches={facts.val_batches}"),
        ):
            if batches is None or batches <= 0:
                continue
            if stage == "train" and not spec.assumed_training:
                continue
            if overfitting:
                value = overfit
            elif fast is not False:
                continue  # fast_dev_run sets an int limit (or may: unknown)
            else:
                value = spec.get(f"limit_{stage}_batches")
            if not (value.known and isinstance(value.data, float) and 0 < value.data < 1):
                continue
            if int(batches * value.data) > 0:
                continue
            name = value.key_path.rsplit(".", 1)[-1] if value.key_path else f"limit_{stage}_batches"
            what = "training" if stage == "train" else "validation"
            also = "; overfit_batches also limits validation" if overfitting and stage == "val" else ""
            yield self.report(
                value,
                f"`{spec.show(name, value)}` selects no batch: {value.data} x {batches} {what} "
                f"batches < 1 ({source}{also}); Lightning raises MisconfigurationException when "
                f"it loads the {what} data. Use at least `{name}={_at_least(batches)}`, or a "
                "whole number of batches",
                help="an int limit counts batches and never rounds to zero",
            )


def _at_least(batches: int) -> str:
    """The smallest fraction with two significant digits that selects one batch."""
    fraction = 1 / batches
    digits = 1 - math.floor(math.log10(fraction))
    scale = 10**digits
    rounded = math.ceil(round(fraction * scale, 9)) / scale
    while int(batches * rounded) < 1:
        rounded += 1 / scale
    return repr(round(rounded, digits))
