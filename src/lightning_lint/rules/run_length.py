"""LL0xx: how long training runs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.schedule import batches_needed, epochs_needed
from lightning_lint.model.spec import CallbackSpec, TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import fast_dev_run_on, int_of
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext


class MissingStopCondition(Rule):
    """
    ## What it does
    Flags a Trainer that sets none of `max_epochs`, `max_steps` and `max_time`.

    ## Why is this bad?
    Without a stop condition Lightning does not train forever: at the start of `fit` it
    warns "`max_epochs` was not set. Setting it to 1000 epochs." and trains for 1000
    epochs. That warning scrolls past in a long log, and 1000 epochs is rarely what
    anyone meant.

    ## What Lightning does
    `_parse_loop_limits` (run when `fit` starts) sets `max_epochs=1000` when neither
    `max_epochs`, `max_steps` nor a `Timer`/`max_time` is given.

    ## Example
    ```python
    trainer = Trainer(accelerator="gpu", devices=1)
    trainer.fit(model)
    ```

    ## Which Trainers it judges
    Only Trainers that train: a `fit` reaches the instance (through names, branches and
    helpers of the file), or, when nothing shows what it is for, the configuration itself
    shows training (a limit, a ModelCheckpoint/EarlyStopping callback, a training-loop
    argument). Trainers built for `test`, `predict`, `Tuner`, or handed to a model
    (`model.set_trainer(trainer)`) for inference or export are not judged.

    ## How to fix
    Say how long to train: `max_epochs=...`, `max_steps=...` or `max_time="00:12:00:00"`.
    To train without an epoch limit on purpose, write `max_epochs=-1`.
    """

    code = "LL001"
    name = "missing-stop-condition"
    severity = Severity.WARNING
    summary = "No max_epochs, max_steps or max_time: Lightning silently trains for 1000 epochs."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=10)\n",
        "from lightning import Trainer\nTrainer(max_steps=5000)\n",
        "from lightning import Trainer\nTrainer(max_time='00:12:00:00')\n",
        "from lightning import Trainer\nTrainer(max_epochs=-1)\n",
        example("from lightning import Trainer\nTrainer(fast_dev_run=True)\n", note="fast_dev_run sets its own limits"),
        example(
            "from lightning import Trainer\ndef main(args):\n    Trainer(max_epochs=args.epochs)\n",
            note="unknown value",
        ),
        example("from lightning import Trainer\ndef main(cfg):\n    Trainer(**cfg)\n", note="**kwargs may set it"),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import Timer\n"
            "Trainer(callbacks=[Timer(duration='00:01:00:00')])\n",
            note="a Timer bounds the run",
        ),
        example("import lightning as L\ntrainer = L.Trainer()\ntrainer.test(model)\n", note="not used to train"),
        example(
            "import lightning as L\ntrainer = L.Trainer(devices=1, accelerator='gpu')\nmodel.set_trainer(trainer)\n",
            note="handed to a model for inference",
        ),
        example(
            "import lightning as L\ntrainer = L.Trainer(max_epochs=3)\ntrainer.fit(model)\n"
            "trainer = L.Trainer(devices=1)\ntrainer.test(model)\n",
            note="the second Trainer only tests",
        ),
        example("import lightning as L\nL.Trainer(accelerator='gpu')\n", note="nothing shows that it trains"),
        example("trainer:\n  max_epochs: ${oc.env:EPOCHS,10}\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\ntrainer = Trainer(accelerator='gpu')\ntrainer.fit(model)\n",
            message="1000 epochs",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "trainer = Trainer(callbacks=[ModelCheckpoint(monitor='val_loss')])\n",
            message="assuming this Trainer trains: it uses `ModelCheckpoint`",
        ),
        "import pytorch_lightning as pl\npl.Trainer(max_epochs=None)\n",
        "from lightning.pytorch import Trainer as T\nT(max_steps=-1)\n",
        example(
            "fit:\n  trainer:\n    accelerator: gpu\n    devices: 2\n  model:\n    class_path: my.Model\n",
            path="config.yaml",
        ),
        example(
            "trainer:\n  accelerator: gpu\nmodel:\n  class_path: my.Model\noptimizer:\n  class_path: torch.optim.Adam\n",
            path="config.yaml",
            note="an optimizer section is read only by fit",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training or fast_dev_run_on(spec):
            return
        max_epochs, max_steps, max_time = spec.get("max_epochs"), spec.get("max_steps"), spec.get("max_time")
        if not (max_epochs.decidable and max_steps.decidable and max_time.decidable):
            return
        if max_epochs.data is not None or max_steps.data != -1 or max_time.data is not None:
            return
        if spec.callbacks_of("Timer"):
            return
        assumption = (
            f" (assuming no Timer is among the callbacks not seen: {spec.callbacks_open})"
            if spec.callbacks_open
            else ""
        )
        assumption += spec.training_assumption()
        yield self.report(
            spec,
            "no stop condition: neither `max_epochs`, `max_steps` nor `max_time` is set, so Lightning "
            f"trains for 1000 epochs{assumption}",
            help="set `max_epochs`, `max_steps` or `max_time`; `max_epochs=-1` trains without an epoch limit "
            "on purpose",
        )


class CompetingStopLimits(Rule):
    """
    ## What it does
    Flags a Trainer that bounds training with both `max_steps` and `max_epochs` when the
    number of batches per epoch is not known, and says exactly which limit needs what.

    ## Why is this bad?
    Training stops at whichever limit comes first. With `max_steps=1000000` and
    `max_epochs=10`, `max_steps` is only reached if one epoch has at least 100000
    optimizer steps; otherwise `max_epochs` ends the run early and the learning-rate
    schedule planned over `max_steps` never completes. This is the "training always stops
    at step 26706" surprise.

    ## What Lightning does
    `FitLoop.done` ends the fit when `global_step >= max_steps` or when `max_epochs`
    epochs have run, whichever happens first, without a warning.

    ## How to fix
    Use one limit (`max_epochs=-1` with `max_steps`, or drop `max_steps`), or tell
    lightning-lint the dataset's batch count in `[tool.lightning-lint.facts]` (or run
    `lightning-lint confirm`) so that LL002 can decide.

    ## Options
    An epoch limit meant as "no limit" (NeMo's `max_epochs: 9999`) needs only a few
    batches per epoch for `max_steps` to win; the rule stays quiet when fewer than
    `min-batches-per-epoch` batches (default 16) would do:

    ```toml
    [tool.lightning-lint.rules.LL003]
    min-batches-per-epoch = 16
    ```
    """

    code = "LL003"
    name = "competing-stop-limits"
    severity = Severity.INFO
    needs = "S"
    summary = "Both max_steps and max_epochs bound training and it is unknown which stops it first."
    OPTIONS = {"min-batches-per-epoch": (int, 16)}
    VALID = [
        "from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=-1)\n",
        "from lightning import Trainer\nTrainer(max_steps=1000)\n",
        example(
            "from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=2, limit_train_batches=100)\n",
            note="batches known: LL002 decides",
        ),
        example("from lightning import Trainer\ndef f(a):\n    Trainer(max_steps=a, max_epochs=2)\n"),
        example(
            "trainer:\n  max_epochs: 9999\n  max_steps: 20000\nexp_manager: {}\nmodel:\n  train_ds: {}\n",
            path="conf/megatron_gpt_finetuning_config.yaml",
            note="an epoch limit meant as none: 3 batches per epoch suffice",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_steps=1000000, max_epochs=10)\n",
            message="at least 100000 optimizer steps",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=3, accumulate_grad_batches=4)\n",
            message="at least 1333 training batches per epoch",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training:
            return
        schedule = ctx.schedule(spec)
        if schedule.fast_dev_run or schedule.batches is not None:
            return
        max_steps, max_epochs, accumulate = schedule.max_steps, schedule.max_epochs, schedule.accumulate
        if not (isinstance(max_steps, int) and isinstance(max_epochs, int) and isinstance(accumulate, int)):
            return
        if max_steps <= 0 or max_epochs <= 0 or accumulate <= 0:
            return
        steps = -(-max_steps // max_epochs)
        batches = batches_needed(steps, accumulate)
        if batches < ctx.options(self.code)["min-batches-per-epoch"]:
            return  # any real dataset has that many: max_steps is reached (max_epochs: 9999 style)
        per_batch = "" if accumulate == 1 else f" with {spec.show('accumulate_grad_batches')}"
        yield self.report(
            spec.args["max_steps"],
            f"`{spec.show('max_steps')}` is reached only if one epoch has at least {steps} optimizer steps, i.e. "
            f"at least {batches} training batches per epoch{per_batch}; otherwise `{spec.show('max_epochs')}` "
            "ends training first",
            help="keep one limit (`max_epochs=-1` to let `max_steps` decide), or state the batches per epoch in "
            "[tool.lightning-lint.facts] / run `lightning-lint confirm` so the exact stop can be computed",
        )


class NoTraining(Rule):
    """
    ## What it does
    Flags `max_epochs=0`, `max_steps=0` or `limit_train_batches=0` in a Trainer that
    trains.

    ## Why is this bad?
    `fit` returns immediately without a single optimizer step and without a warning.
    `limit_train_batches=0` is a legitimate way to skip training when the Trainer only
    validates or tests, so it is flagged only where `fit` is called.

    ## What Lightning does
    `FitLoop.done` is true before the first epoch; with no training batches it logs
    "`Trainer.fit` stopped: No training batches." at INFO level only.

    ## How to fix
    Set the limit you meant, or call `trainer.validate(...)` / `trainer.test(...)` if
    you did not mean to train.
    """

    code = "LL005"
    name = "no-training"
    severity = Severity.WARNING
    summary = "max_epochs=0, max_steps=0 or limit_train_batches=0 in a Trainer that calls fit: nothing is trained."
    VALID = [
        "from lightning import Trainer\nt = Trainer(limit_train_batches=0)\nt.test(model)\n",
        "from lightning import Trainer\nt = Trainer(limit_train_batches=0)\n",
        "from lightning import Trainer\nt = Trainer(max_epochs=1)\nt.fit(model)\n",
        "from lightning import Trainer\nt = Trainer(max_epochs=0)\nt.validate(model)\n",
    ]
    INVALID = [
        example("from lightning import Trainer\nt = Trainer(max_epochs=0)\nt.fit(model)\n", message="`max_epochs=0`"),
        "from lightning import Trainer\nt = Trainer(max_steps=0)\n",
        "from lightning import Trainer\nt = Trainer(limit_train_batches=0.0)\nt.fit(model)\n",
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training or fast_dev_run_on(spec):
            return
        for name in ("max_epochs", "max_steps"):
            value = spec.args.get(name)
            if value is not None and value.is_int() and value.data == 0:
                yield self.report(
                    value,
                    f"`{spec.show(name)}`: `fit` returns at once without training",
                    help="set the number of epochs or steps you mean to train",
                )
        limit = spec.args.get("limit_train_batches")
        if spec.fits and limit is not None and limit.is_number() and limit.data == 0:
            yield self.report(
                limit,
                f"`{spec.show('limit_train_batches')}` in a Trainer that calls `fit`: no batch is trained",
                help="remove it, or call `validate`/`test` instead of `fit`",
            )


class InvalidLoopLimit(Rule):
    """
    ## What it does
    Flags `max_epochs` or `max_steps` below -1, and `max_steps=None`.

    ## Why is this bad?
    The Trainer cannot be built: `max_epochs=-2` raises "`max_epochs` must be a
    non-negative integer or -1", `max_steps=-5` raises the same for `max_steps`, and
    `max_steps=None` (the default of early 1.x releases, still found in old configs) raises
    `TypeError: '<' not supported between instances of 'NoneType' and 'int'` (from 1.7 on:
    the message names the target release).

    ## How to fix
    Use `-1` for "no limit". The fix rewrites `max_steps=None` to `max_steps=-1`, which
    means the same as the 1.x default.

    ## Fix safety
    Safe: `-1` is what `None` meant before Lightning 2.0.
    """

    code = "LL006"
    name = "invalid-loop-limit"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "max_epochs or max_steps below -1, or max_steps=None: the Trainer raises."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=-1, max_steps=-1)\n",
        "from lightning import Trainer\nTrainer(max_epochs=None, max_steps=100)\n",
        "trainer:\n  max_epochs: 3\n  max_steps: -1\n",
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(max_epochs=-2)\n", message="`max_epochs=-2`"),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=3, max_steps=None)\n",
            fixed="from lightning import Trainer\nTrainer(max_epochs=3, max_steps=-1)\n",
        ),
        example(
            "trainer:\n  max_epochs: 3\n  max_steps: null\n",
            path="config.yaml",
            fixed="trainer:\n  max_epochs: 3\n  max_steps: -1\n",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for name in ("max_epochs", "max_steps"):
            value = spec.args.get(name)
            if value is None:
                continue
            if value.is_int() and value.data < -1:
                yield self.report(
                    value,
                    f"`{spec.show(name)}` is not accepted: `{name}` must be a non-negative integer or -1 (no limit)",
                    help=f"use `{name}=-1` for no limit",
                )
            elif name == "max_steps" and value.is_none() and ctx.target.at_least("1.7.0"):
                yield self.report(
                    value,
                    f"`{spec.show(name)}` raises `TypeError` in Lightning {ctx.target}: 'no limit' is -1",
                    fix=replace_value(value, -1, spec.flavor, "Replace `None` with `-1`", Applicability.SAFE),
                    help="use `max_steps=-1`",
                )


class MaxStepsUnreachable(Rule):
    """
    ## What it does
    Flags a `max_steps` that training never reaches because `max_epochs` ends the run
    first: `max_steps > max_epochs × optimizer steps per epoch`. It needs the number of
    batches per epoch: an int `limit_train_batches`/`overfit_batches`, the facts stated
    in `[tool.lightning-lint.facts]`, or the ones `lightning-lint confirm --save-facts`
    measured.

    ## Why is this bad?
    This is the "training always stops at step 26706" surprise: one epoch has 26706
    optimizer steps, `max_epochs=1`, and the `max_steps=1000000` that the learning-rate
    schedule was planned for is never reached. Lightning stops without a warning (it
    only logs "`max_epochs=1` reached" at INFO level).

    ## What Lightning does
    `FitLoop.done` stops at whichever limit is reached first. An epoch has
    `ceil(batches / accumulate_grad_batches)` optimizer steps (a partial accumulation
    window at the end of an epoch still steps).

    ## Example
    ```python
    Trainer(max_epochs=2, max_steps=1000, limit_train_batches=100, accumulate_grad_batches=4)
    # 100 batches / 4 = 25 steps per epoch: training stops at step 50
    ```

    ## How to fix
    Raise `max_epochs` to the value the message gives, or set `max_epochs=-1` so that
    `max_steps` alone decides, or lower `max_steps` to what the epochs allow.
    """

    code = "LL002"
    name = "max-steps-unreachable"
    severity = Severity.WARNING
    needs = "D"
    summary = "max_steps is never reached: max_epochs ends training first (the 'always stops at step 26706' case)."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=2, max_steps=50, limit_train_batches=100, "
        "accumulate_grad_batches=4)\n",
        "from lightning import Trainer\nTrainer(max_epochs=-1, max_steps=1000, limit_train_batches=100)\n",
        example(
            "from lightning import Trainer\nTrainer(max_epochs=2, max_steps=1000)\n",
            note="batches per epoch unknown: LL003's job",
        ),
        example(
            "from lightning import Trainer\ndef f(n):\n    Trainer(max_epochs=n, max_steps=1000, limit_train_batches=10)\n",
            note="unknown max_epochs",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=2, max_steps=1000, limit_train_batches=0.5)\n",
            note="a fraction of an unknown dataset",
        ),
        example(
            "from lightning import Trainer\nt = Trainer(max_epochs=1, max_steps=1000, limit_train_batches=10)\n"
            "t.test(model)\n",
            note="not a training run",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=3, max_steps=1000000)\n",
            files={"pyproject.toml": '[tool.lightning-lint.facts."train.py"]\ntrain-batches-per-epoch = 400000\n'},
            note="3 x 400000 steps reach max_steps",
        ),
        example(
            "trainer:\n  max_epochs: 2\n  max_steps: ${oc.env:STEPS}\n  limit_train_batches: 10\n", path="fit.yaml"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=2, max_steps=1000, limit_train_batches=100, "
            "accumulate_grad_batches=4)\n",
            message="training stops at step 50",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=1, max_steps=1000000)\n",
            files={"pyproject.toml": '[tool.lightning-lint.facts."train.py"]\ntrain-batches-per-epoch = 26706\n'},
            message="training stops at step 26706 (max_epochs=1 x 26706 steps per epoch); "
            "max_steps=1000000 needs max_epochs >= 38, or max_epochs=-1",
        ),
        example(
            "from lightning import Trainer\nTrainer(max_epochs=10, max_steps=100000)\n",
            files={
                "pyproject.toml": '[tool.lightning-lint.facts."train.py"]\ndataset-size = 50000\n'
                "batch-size = 64\nworld-size = 4\n"
            },
            message="at step 1960",
        ),
        example(
            "fit:\n  trainer:\n    max_epochs: 3\n    max_steps: 500\n    limit_train_batches: 20\n",
            path="fit.yaml",
            message="stops at step 60",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training or fast_dev_run_on(spec):
            return
        s = ctx.schedule(spec)
        if s.stopped_by != "max_epochs" or not isinstance(s.max_steps, int) or s.max_steps <= 0:
            return
        if s.max_epochs is None or s.steps_per_epoch is None or s.steps_per_epoch <= 0:
            return
        if s.total_steps is None or s.total_steps >= s.max_steps:
            return
        needed = epochs_needed(s.max_steps, s.steps_per_epoch)
        spe = f"{s.steps_per_epoch} steps per epoch"
        if s.accumulate and s.accumulate > 1:
            spe += f" = ceil({s.batches} batches / accumulate_grad_batches={s.accumulate})"
        caveat = "" if s.batches_exact else f", or earlier if the dataset has fewer than {s.batches} batches"
        message = (
            f"training stops at step {int(s.total_steps)} (max_epochs={s.epoch_limit} x {spe}){caveat}; "
            f"max_steps={s.max_steps} needs max_epochs >= {needed}, or max_epochs=-1"
        )
        yield self.report(
            spec.args.get("max_steps") or spec,
            message + spec.training_assumption(),
            help=f"batches per epoch: {s.describe_batches()}",
            related=[v.anchor for v in (spec.args.get("max_epochs"),) if v is not None and v.anchor],
            properties={
                "stop_step": int(s.total_steps),
                "steps_per_epoch": s.steps_per_epoch,
                "max_epochs_needed": needed,
            },
        )


class MinExceedsMax(Rule):
    """
    ## What it does
    Flags `min_epochs > max_epochs`, `min_steps > max_steps`, and a `min_steps` beyond
    the steps that `max_epochs` allows (when the batches per epoch are known).

    ## Why is this bad?
    The minimum is silently ignored. `min_epochs`/`min_steps` only veto a *requested*
    stop (EarlyStopping, a Timer); they never extend training past `max_epochs` or
    `max_steps`. A run configured with `min_epochs=5, max_epochs=2` trains 2 epochs.

    ## What Lightning does
    `FitLoop.done` checks `max_steps` and `max_epochs` before it consults
    `_can_stop_early`, the only place the minimums are read. No warning is emitted.

    ## Example
    ```python
    Trainer(min_epochs=5, max_epochs=2)
    ```

    ## How to fix
    Make the maximum at least the minimum, or drop the minimum.
    """

    code = "LL004"
    name = "min-exceeds-max"
    severity = Severity.WARNING
    needs = "S/D"
    summary = "min_epochs > max_epochs or min_steps > max_steps: Lightning silently ignores the minimum."
    VALID = [
        "from lightning import Trainer\nTrainer(min_epochs=2, max_epochs=5)\n",
        "from lightning import Trainer\nTrainer(min_epochs=5, max_epochs=-1)\n",
        "from lightning import Trainer\nTrainer(min_steps=100, max_steps=-1, max_epochs=10)\n",
        example("from lightning import Trainer\ndef f(n):\n    Trainer(min_epochs=5, max_epochs=n)\n", note="unknown"),
        example(
            "from lightning import Trainer\nTrainer(min_steps=100, max_epochs=2)\n", note="steps per epoch unknown"
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(min_epochs=5, max_epochs=2)\n", message="`min_epochs=5` exceeds"
        ),
        example("from lightning import Trainer\nTrainer(min_steps=1000, max_steps=500)\n", message="`min_steps=1000`"),
        example(
            "from lightning import Trainer\nTrainer(min_steps=100, max_epochs=2, limit_train_batches=13)\n",
            message="at most 26 steps",
        ),
        example("trainer:\n  min_epochs: 10\n  max_epochs: 3\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if fast_dev_run_on(spec):
            return
        for low, high in (("min_epochs", "max_epochs"), ("min_steps", "max_steps")):
            lo, hi = int_of(spec.get(low)), int_of(spec.get(high))
            if lo is not None and hi is not None and hi >= 0 and lo > hi and low in spec.args:
                yield self.report(
                    spec.args[low],
                    f"`{spec.show(low)}` exceeds `{spec.show(high)}`: training stops at "
                    f"{high} and the minimum is silently ignored",
                    help=f"raise `{high}` to at least {lo}, or drop `{low}`",
                )
                return
        min_steps = int_of(spec.get("min_steps"))
        if min_steps is None or "min_steps" not in spec.args:
            return
        s = ctx.schedule(spec)
        if s.stopped_by == "max_epochs" and isinstance(s.total_steps, int) and min_steps > s.total_steps:
            bound = "" if s.batches_exact else "at most "
            yield self.report(
                spec.args["min_steps"],
                f"`{spec.show('min_steps')}` is more than `max_epochs={s.epoch_limit}` allows "
                f"({bound}{s.total_steps} steps): the minimum is silently ignored",
                help=f"batches per epoch: {s.describe_batches()}",
            )


class UnboundedTraining(Rule):
    """
    ## What it does
    Flags `max_epochs=-1` with no `max_steps`, no `max_time` and no `EarlyStopping`:
    nothing ends the run. Opt-in, because endless training until someone stops it is a
    legitimate choice for some jobs.

    ## Why is this bad?
    The job runs until it is killed or the budget is gone.

    ## What Lightning does
    `-1` means "no limit" (`_is_max_limit_reached` ignores it); with no other limit
    `FitLoop.done` is never true.

    ## Example
    ```python
    Trainer(max_epochs=-1)
    ```

    ## How to fix
    Add `max_steps`, `max_time`, or an `EarlyStopping` callback.
    """

    code = "LL007"
    name = "unbounded-training"
    severity = Severity.INFO
    default_enabled = False
    summary = "max_epochs=-1 with no max_steps, max_time or EarlyStopping: nothing ends training."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=-1, max_steps=10000)\n",
        "from lightning import Trainer\nTrainer(max_epochs=-1, max_time='01:00:00:00')\n",
        "from lightning import Trainer\nfrom lightning.pytorch.callbacks import EarlyStopping\n"
        "Trainer(max_epochs=-1, callbacks=[EarlyStopping('val_loss')])\n",
        example(
            "from lightning import Trainer\ndef f(cbs):\n    Trainer(max_epochs=-1, callbacks=cbs)\n",
            note="unknown callbacks may stop it",
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(max_epochs=-1)\n", message="nothing ends training"),
        example("fit:\n  trainer:\n    max_epochs: -1\n    max_steps: -1\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if not spec.assumed_training or fast_dev_run_on(spec) or spec.callbacks_open:
            return
        epochs, steps, time = spec.get("max_epochs"), spec.get("max_steps"), spec.get("max_time")
        if not (epochs.known and epochs.data == -1 and steps.decidable and time.decidable):
            return
        if steps.data not in (-1,) or time.data is not None:
            return
        if spec.callbacks_of("EarlyStopping") or spec.callbacks_of("Timer"):
            return
        yield self.report(
            epochs,
            f"`{spec.show('max_epochs')}` and no `max_steps`, `max_time` or `EarlyStopping`: nothing ends training",
            help="add `max_steps`, `max_time` or an EarlyStopping callback",
        )


_DURATION = re.compile(r"^\s*(\d+):(\d\d):(\d\d):(\d\d)\s*$")


class InvalidTimeFormat(Rule):
    """
    ## What it does
    Flags a `max_time` or `Timer(duration=...)` string that is not `DD:HH:MM:SS` (hours,
    minutes and seconds with exactly two digits), and a time-based `val_check_interval`
    string that is not four `:`-separated integers.

    ## Why is this bad?
    The Trainer cannot be built. `max_time="12:00:00"` (meant as 12 hours) raises
    "`Timer(duration='12:00:00')` is not a valid duration. Expected a string in the
    format DD:HH:MM:SS."

    ## What Lightning does
    `Timer.__init__` matches `(\\d+):(\\d\\d):(\\d\\d):(\\d\\d)`; `_init_debugging_flags`
    splits a `val_check_interval` string into four integer parts.

    ## Example
    ```python
    Trainer(max_time="12:00:00")
    ```

    ## How to fix
    Write days too: `max_time="00:12:00:00"`, or pass `timedelta(hours=12)` or
    `{"hours": 12}`.

    ## Fix safety
    A three-part `HH:MM:SS` string is rewritten as `00:HH:MM:SS` by an unsafe fix: it
    assumes you meant hours, minutes and seconds.
    """

    code = "LL008"
    name = "invalid-time-format"
    severity = Severity.ERROR
    fix_availability = "sometimes"
    summary = "max_time / Timer(duration) / time-based val_check_interval string not in DD:HH:MM:SS format."
    VALID = [
        "from lightning import Trainer\nTrainer(max_time='00:12:00:00')\n",
        "from lightning import Trainer\nTrainer(max_time={'hours': 12})\n",
        "from datetime import timedelta\nfrom lightning import Trainer\nTrainer(max_time=timedelta(hours=12))\n",
        "from lightning import Trainer\nTrainer(val_check_interval='00:01:00:00')\n",
        example("trainer:\n  max_time: ${oc.env:MAX_TIME}\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_time='12:00:00')\n",
            message="DD:HH:MM:SS",
            fixed="from lightning import Trainer\nTrainer(max_time='00:12:00:00')\n",
            unsafe=True,
        ),
        example("from lightning.pytorch.callbacks import Timer\nTimer(duration='1:2:3:4')\n"),
        example("from lightning import Trainer\nTrainer(val_check_interval='1:00:00')\n"),
        example("from lightning import Trainer\nTrainer(val_check_interval='00:01:xx:00')\n", message="not an integer"),
        example("trainer:\n  max_time: 1 day\n", path="config.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        yield from self._duration(spec.get("max_time"), f"`{spec.show('max_time')}`", spec.flavor)
        value = spec.get("val_check_interval")
        if value.is_str():
            parts = value.data.split(":")
            if len(parts) != 4:
                yield self.report(
                    value,
                    f"`{spec.show('val_check_interval')}` is not a valid time: Lightning expects "
                    "'DD:HH:MM:SS' (four parts)",
                )
            elif not all(p.strip().isdigit() for p in parts):
                yield self.report(
                    value, f"`{spec.show('val_check_interval')}` has a part that is not an integer; use 'DD:HH:MM:SS'"
                )

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind == "Timer":
            yield from self._duration(callback.get("duration"), "`Timer(duration=...)`", callback.flavor)

    def _duration(self, value: Value, label: str, flavor: str) -> Iterable[Diagnostic]:
        if not value.is_str() or _DURATION.match(value.data):
            return
        fix = None
        parts = value.data.strip().split(":")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            fixed = "00:" + ":".join(p.zfill(2) for p in parts)
            fix = replace_value(
                value, fixed, flavor, f"Read it as hours:minutes:seconds: {fixed!r}", Applicability.UNSAFE
            )
        yield self.report(
            value,
            f"{label} is not a valid duration: Lightning expects a string in the format "
            "DD:HH:MM:SS (two-digit hours, minutes and seconds)",
            fix=fix,
            help='or pass a timedelta or a dict such as {"hours": 12}',
        )
