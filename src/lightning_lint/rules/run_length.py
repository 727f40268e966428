"""LL0xx: how long training runs."""

from __future__ import annotations

from typing import Iterable

from lightning_lint.linter.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.linter.model import TrainerSpec
from lightning_lint.linter.schedule import batches_needed
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.fixes import replace_value


def _fast_dev_run_on(spec: TrainerSpec) -> bool:
    value = spec.get("fast_dev_run")
    return value.known and value.data not in (False, 0, None)


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
    ```

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
        example("from lightning import Trainer\ndef main(args):\n    Trainer(max_epochs=args.epochs)\n",
                note="unknown value"),
        example("from lightning import Trainer\ndef main(cfg):\n    Trainer(**cfg)\n", note="**kwargs may set it"),
        example("from lightning import Trainer\nfrom lightning.pytorch.callbacks import Timer\n"
                "Trainer(callbacks=[Timer(duration='00:01:00:00')])\n", note="a Timer bounds the run"),
        example("import lightning as L\ntrainer = L.Trainer()\ntrainer.test(model)\n", note="not used to train"),
        example("trainer:\n  max_epochs: ${oc.env:EPOCHS,10}\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example("from lightning import Trainer\ntrainer = Trainer(accelerator='gpu')\n", message="1000 epochs"),
        "import pytorch_lightning as pl\npl.Trainer(max_epochs=None)\n",
        "from lightning.pytorch import Trainer as T\nT(max_steps=-1)\n",
        example("fit:\n  trainer:\n    accelerator: gpu\n    devices: 2\n  model:\n    class_path: my.Model\n",
                path="config.yaml"),
        example("trainer:\n  accelerator: gpu\nmodel:\n  class_path: my.Model\noptimizer:\n  class_path: torch.optim.Adam\n",
                path="config.yaml", note="an optimizer section is read only by fit"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx) -> Iterable[Diagnostic]:
        if not spec.assumed_training or _fast_dev_run_on(spec):
            return
        max_epochs, max_steps, max_time = spec.get("max_epochs"), spec.get("max_steps"), spec.get("max_time")
        if not (max_epochs.decidable and max_steps.decidable and max_time.decidable):
            return
        if max_epochs.data is not None or max_steps.data != -1 or max_time.data is not None:
            return
        if spec.callbacks_of("Timer"):
            return
        assumption = f" (assuming {spec.callbacks_open} adds no Timer)" if spec.callbacks_open else ""
        assumption += spec.training_assumption()
        yield self.report(
            spec,
            "no stop condition: neither `max_epochs`, `max_steps` nor `max_time` is set, so Lightning "
            f"trains for 1000 epochs{assumption}",
            help="set `max_epochs`, `max_steps` or `max_time`; `max_epochs=-1` trains without an epoch limit "
                 "on purpose")


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
    """

    code = "LL003"
    name = "competing-stop-limits"
    severity = Severity.INFO
    needs = "S"
    summary = "Both max_steps and max_epochs bound training and it is unknown which stops it first."
    VALID = [
        "from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=-1)\n",
        "from lightning import Trainer\nTrainer(max_steps=1000)\n",
        example("from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=2, limit_train_batches=100)\n",
                note="batches known: LL002 decides"),
        example("from lightning import Trainer\ndef f(a):\n    Trainer(max_steps=a, max_epochs=2)\n"),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(max_steps=1000000, max_epochs=10)\n",
                message="at least 100000 optimizer steps"),
        example("from lightning import Trainer\nTrainer(max_steps=1000, max_epochs=3, accumulate_grad_batches=4)\n",
                message="at least 1333 training batches per epoch"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx) -> Iterable[Diagnostic]:
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
        per_batch = "" if accumulate == 1 else f" with {spec.show('accumulate_grad_batches')}"
        yield self.report(
            spec.args["max_steps"],
            f"`{spec.show('max_steps')}` is reached only if one epoch has at least {steps} optimizer steps, i.e. "
            f"at least {batches} training batches per epoch{per_batch}; otherwise `{spec.show('max_epochs')}` "
            "ends training first",
            help="keep one limit (`max_epochs=-1` to let `max_steps` decide), or state the batches per epoch in "
                 "[tool.lightning-lint.facts] / run `lightning-lint confirm` so the exact stop can be computed")


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

    def check_trainer(self, spec: TrainerSpec, ctx) -> Iterable[Diagnostic]:
        if not spec.assumed_training or _fast_dev_run_on(spec):
            return
        for name in ("max_epochs", "max_steps"):
            value = spec.args.get(name)
            if value is not None and value.is_int() and value.data == 0:
                yield self.report(value, f"`{spec.show(name)}`: `fit` returns at once without training",
                                  help="set the number of epochs or steps you mean to train")
        limit = spec.args.get("limit_train_batches")
        if spec.fits and limit is not None and limit.is_number() and limit.data == 0:
            yield self.report(limit, f"`{spec.show('limit_train_batches')}` in a Trainer that calls `fit`: "
                                     "no batch is trained",
                              help="remove it, or call `validate`/`test` instead of `fit`")


class InvalidLoopLimit(Rule):
    """
    ## What it does
    Flags `max_epochs` or `max_steps` below -1, and `max_steps=None`.

    ## Why is this bad?
    The Trainer cannot be built: `max_epochs=-2` raises "`max_epochs` must be a
    non-negative integer or -1", `max_steps=-5` raises the same for `max_steps`, and
    `max_steps=None` (the Lightning 1.x default, still found in old configs) raises
    `TypeError: '<' not supported between instances of 'NoneType' and 'int'`.

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
        example("from lightning import Trainer\nTrainer(max_epochs=3, max_steps=None)\n",
                fixed="from lightning import Trainer\nTrainer(max_epochs=3, max_steps=-1)\n"),
        example("trainer:\n  max_epochs: 3\n  max_steps: null\n", path="config.yaml",
                fixed="trainer:\n  max_epochs: 3\n  max_steps: -1\n"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx) -> Iterable[Diagnostic]:
        for name in ("max_epochs", "max_steps"):
            value = spec.args.get(name)
            if value is None:
                continue
            if value.is_int() and value.data < -1:
                yield self.report(value, f"`{spec.show(name)}` is not accepted: `{name}` must be a non-negative "
                                         "integer or -1 (no limit)",
                                  help=f"use `{name}=-1` for no limit")
            elif name == "max_steps" and value.is_none():
                yield self.report(
                    value, f"`{spec.show(name)}` raises `TypeError` in Lightning 2: 'no limit' is now -1",
                    fix=replace_value(value, -1, spec.flavor, "Replace `None` with `-1`", Applicability.SAFE),
                    help="use `max_steps=-1`")
