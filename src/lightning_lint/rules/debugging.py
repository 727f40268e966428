"""LL5xx: debugging settings left on.

These settings are right while debugging and wrong in a real run. Files that match
``debug-paths`` (debug configs and scripts, tests) and Trainers built in a debugging
branch (``if args.debug:``, a ``test_*`` function) are exempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.spec import TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import debug_context, fast_dev_run_on, number_of
from lightning_lint.rules.fixes import replace_value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_DEBUG_PROJECT_NOTE = "a debug config: the path matches `debug-paths`"
_HYDRA_TRAINER_GROUP = {
    "configs/train.yaml": "defaults:\n  - trainer: default\n",
    "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 10\n",
}


def _batches(count: int, kind: str = "") -> str:
    return f"{count} {kind}{'batch' if count == 1 else 'batches'}"


class FastDevRunEnabled(Rule):
    """
    ## What it does
    Flags a truthy `fast_dev_run` (`True` or a positive number of batches) outside
    debugging code: paths matching `debug-paths` (by default a `debug` folder, files
    named `*debug*`, and tests) and Trainers built under `if args.debug:` or in a
    `test_*` function are exempt.

    ## Why is this bad?
    `fast_dev_run` is a smoke test, not a run. Left on in a training config, the job
    "finishes" after one batch, writes no checkpoint and logs nothing, and nothing in the
    config's `max_epochs` or `max_steps` hints at why.

    ## What Lightning does
    For `n = int(fast_dev_run)`, `_init_debugging_flags` sets `limit_train_batches`,
    `limit_val_batches`, `limit_test_batches` and `limit_predict_batches` to `n`,
    `max_steps` to `n`, `max_epochs` to 1, `num_sanity_val_steps` to 0, replaces every
    logger with a `DummyLogger`, and logs only "Running in `fast_dev_run` mode ...
    Logging and checkpointing is suppressed." `ModelCheckpoint` never saves and
    `EarlyStopping` never checks.

    ## Example
    ```yaml
    # configs/train.yaml
    trainer:
      max_epochs: 100
      fast_dev_run: true
    ```

    ## How to fix
    Remove `fast_dev_run`, or move it to a debug config (`configs/debug/fdr.yaml`) or
    pass it on the command line (`trainer.fast_dev_run=true`).

    ## Fix safety
    The fix sets `fast_dev_run` to `False`. It is unsafe: it turns a one-batch smoke
    test into a full run.
    """

    code = "LL501"
    name = "fast-dev-run-enabled"
    fix_availability = "always"
    summary = "fast_dev_run left on: it overrides every limit and disables logging and checkpoints."
    VALID = [
        "from lightning import Trainer\nTrainer(max_epochs=10)\n",
        "from lightning import Trainer\nTrainer(fast_dev_run=False, max_epochs=10)\n",
        example(
            "from lightning import Trainer\ndef main(args):\n    Trainer(fast_dev_run=args.fast_dev_run)\n",
            note="unknown value",
        ),
        example(
            "from lightning import Trainer\ndef main(args):\n    if args.debug:\n"
            "        return Trainer(fast_dev_run=True)\n    return Trainer(max_epochs=10)\n",
            note="a debugging branch",
        ),
        example(
            "from lightning import Trainer\ndef test_training_runs():\n    Trainer(fast_dev_run=True)\n",
            path="smoke.py",
            note="a test function",
        ),
        example(
            "from lightning import Trainer\nTrainer(fast_dev_run=True)\n",
            path="tests/test_model.py",
            note="a test file",
        ),
        example(
            "from lightning import Trainer\nTrainer(fast_dev_run=True)\n",
            path="scripts/debug_run.py",
            note="a debug script",
        ),
        example(
            "# @package _global_\ndefaults:\n  - default\ntrainer:\n  fast_dev_run: true\n",
            path="configs/debug/fdr.yaml",
            files={"configs/debug/default.yaml": "trainer:\n  max_epochs: 1\n"},
            note=_DEBUG_PROJECT_NOTE,
        ),
        example(
            "defaults:\n  - default\nfast_dev_run: true\n",
            path="configs/trainer/debug.yaml",
            files=_HYDRA_TRAINER_GROUP,
            note="a Hydra trainer option for debugging",
        ),
        example("trainer:\n  fast_dev_run: false\n  max_epochs: 10\n", path="config.yaml"),
        example("trainer:\n  fast_dev_run: ${oc.env:FAST_DEV_RUN}\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=100, fast_dev_run=True)\n",
            message="runs 1 batch",
            fixed="from lightning import Trainer\nTrainer(max_epochs=100, fast_dev_run=False)\n",
            unsafe=True,
        ),
        example(
            "from lightning import Trainer\nif __name__ == '__main__':\n    Trainer(fast_dev_run=5)\n",
            message="5 batches",
        ),
        example(
            "trainer:\n  max_epochs: 100\n  fast_dev_run: true\n",
            path="configs/fit.yaml",
            message="no checkpoint",
            fixed="trainer:\n  max_epochs: 100\n  fast_dev_run: false\n",
            unsafe=True,
        ),
        example(
            "defaults:\n  - default\nfast_dev_run: true\n",
            path="configs/trainer/quick.yaml",
            files=_HYDRA_TRAINER_GROUP,
            note="a Hydra trainer option not named debug",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        value = spec.get("fast_dev_run")
        if not (value.known and isinstance(value.data, int) and value.data > 0):
            return  # False, 0, unknown; a negative or non-int value is LL304's
        if debug_context(spec, ctx, value):
            return
        runs = _batches(int(value.data))
        yield self.report(
            value,
            f"`{spec.show('fast_dev_run')}` runs {runs} of each loop and stops: "
            "`max_epochs`, `max_steps` and `limit_*_batches` are overridden, loggers are "
            "replaced by a dummy and no checkpoint is saved",
            fix=replace_value(value, False, spec.flavor, "Set `fast_dev_run` to False", Applicability.UNSAFE),
            help="remove it, or move it to a debug config or the command line",
        )


class OverfitBatchesEnabled(Rule):
    """
    ## What it does
    Flags `overfit_batches` greater than 0 outside debugging code (see LL501 for what
    counts as debugging code).

    ## Why is this bad?
    `overfit_batches` is a debugging aid: it checks that the model can memorise a few
    batches. Left on, every epoch trains on the same first batches, in the same order,
    and validation looks at only as many batches, whatever `limit_train_batches` and
    `limit_val_batches` say. The run looks healthy (the training loss falls nicely)
    while it never sees most of the data.

    ## What Lightning does
    `_init_debugging_flags` sets `limit_train_batches` and `limit_val_batches` to the
    `overfit_batches` value. When fitting, `_resolve_overfit_batches` replaces a shuffling
    sampler with a `SequentialSampler` ("You requested to overfit but enabled train
    dataloader shuffling. We are turning off the train dataloader shuffling for you."),
    so the same batches come every epoch. Validation uses its own loader, limited to the
    same number of batches.

    ## Example
    ```python
    Trainer(max_epochs=100, overfit_batches=10)
    ```

    ## How to fix
    Remove `overfit_batches`, or move it to a debug config.

    ## Fix safety
    The fix sets `overfit_batches` to `0.0`, the default. It is unsafe: the run then
    trains on the whole dataset.
    """

    code = "LL502"
    name = "overfit-batches-enabled"
    fix_availability = "always"
    summary = "overfit_batches > 0 left on: training repeats the same few batches, unshuffled."
    VALID = [
        "from lightning import Trainer\nTrainer(overfit_batches=0, max_epochs=10)\n",
        "from lightning import Trainer\nTrainer(overfit_batches=0.0, max_epochs=10)\n",
        example("from lightning import Trainer\ndef main(n):\n    Trainer(overfit_batches=n)\n", note="unknown"),
        example(
            "from lightning import Trainer\ndef main(cfg):\n    if cfg.overfit:\n        Trainer(overfit_batches=3)\n",
            note="a debugging branch",
        ),
        example(
            "# @package _global_\ntrainer:\n  max_epochs: 20\n  overfit_batches: 3\n",
            path="configs/debug/overfit.yaml",
            note=_DEBUG_PROJECT_NOTE,
        ),
        example("trainer:\n  overfit_batches: 0.0\n", path="config.yaml"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=100, overfit_batches=10)\n",
            message="the same first 10 batches",
            fixed="from lightning import Trainer\nTrainer(max_epochs=100, overfit_batches=0.0)\n",
            unsafe=True,
        ),
        example("from lightning import Trainer\nTrainer(overfit_batches=0.01)\n", message="the first 1%"),
        example("trainer:\n  overfit_batches: 3\n", path="configs/fit.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        value = spec.get("overfit_batches")
        amount = number_of(value) if value.known else None
        if amount is None or amount <= 0 or (isinstance(amount, float) and amount > 1.0):
            return  # a float above 1.0 is LL304's
        if debug_context(spec, ctx, value):
            return
        if isinstance(amount, int):
            batches = f"the same first {_batches(amount)}"
            val = _batches(amount, "validation ")
        else:
            batches = f"the first {amount:.0%} of the training batches"
            val = f"{amount:.0%} of the validation batches"
        yield self.report(
            value,
            f"`{spec.show('overfit_batches')}` trains every epoch on {batches}, "
            f"unshuffled, and validates on {val}: `limit_train_batches` and "
            "`limit_val_batches` are overridden",
            fix=replace_value(value, 0.0, spec.flavor, "Set `overfit_batches` to 0.0", Applicability.UNSAFE),
            help="remove it, or move it to a debug config",
        )


_PROFILERS = ("simple", "advanced", "pytorch", "xla")


class DebugFlagEnabled(Rule):
    """
    ## What it does
    Flags other debugging settings outside debugging code: `detect_anomaly=True`, a
    profiler, and a `limit_train_batches` fraction below 1.0 in a training config.
    Opt-in: each of these can be a deliberate choice in a real run.

    ## Why is this bad?
    `detect_anomaly` runs every backward pass under `torch.autograd.detect_anomaly`,
    several times slower. A profiler adds overhead and writes reports nobody reads.
    `limit_train_batches=0.1` trains each epoch on a tenth of the data.

    ## What Lightning does
    With `detect_anomaly=True` Lightning logs "You have turned on
    `Trainer(detect_anomaly=True)`. This will significantly slow down compute speed and
    is recommended only for model debugging." and runs the whole stage under
    `torch.autograd.set_detect_anomaly(True)`. A fractional `limit_train_batches` keeps
    `int(batches * fraction)` batches per epoch.

    ## Example
    ```yaml
    trainer:
      detect_anomaly: true
      profiler: simple
    ```

    ## How to fix
    Remove the setting, or move it to a debug config.
    """

    code = "LL503"
    name = "debug-flag-enabled"
    severity = Severity.INFO
    default_enabled = False
    summary = "detect_anomaly=True, a profiler, or limit_train_batches < 1.0 in a training config."
    VALID = [
        "from lightning import Trainer\nTrainer(detect_anomaly=False, profiler=None, limit_train_batches=1.0)\n",
        "from lightning import Trainer\nTrainer(limit_train_batches=200)\n",
        example(
            "from lightning import Trainer\ndef main(cfg):\n    if cfg.profile:\n        Trainer(profiler='simple')\n",
            note="a profiling branch",
        ),
        example(
            "from lightning import Trainer\nt = Trainer(limit_train_batches=0.5)\nt.test(model)\n",
            note="a Trainer that only tests",
        ),
        example(
            "# @package _global_\ntrainer:\n  detect_anomaly: true\n  profiler: simple\n",
            path="configs/debug/profiler.yaml",
            note=_DEBUG_PROJECT_NOTE,
        ),
    ]
    INVALID = [
        example("from lightning import Trainer\nTrainer(detect_anomaly=True)\n", message="slower"),
        example("from lightning import Trainer\nTrainer(profiler='simple')\n", message="profiler"),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.profilers import PyTorchProfiler\n"
            "Trainer(profiler=PyTorchProfiler())\n"
        ),
        example("from lightning import Trainer\nTrainer(limit_train_batches=0.1)\n", message="10%"),
        example("trainer:\n  detect_anomaly: true\n", path="configs/fit.yaml"),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        found = []
        anomaly = spec.get("detect_anomaly")
        if anomaly.known and anomaly.data is True:
            found.append(
                (
                    anomaly,
                    f"`{spec.show('detect_anomaly')}` checks every backward pass for NaN and is "
                    "several times slower; Lightning recommends it only for debugging",
                )
            )
        profiler = spec.get("profiler")
        if self._profiles(profiler):
            found.append(
                (profiler, f"`{spec.show('profiler')}` profiles every step: it slows training and writes a report")
            )
        limit = spec.get("limit_train_batches")
        if limit.is_float() and 0.0 < limit.data < 1.0 and spec.assumed_training and not fast_dev_run_on(spec):
            overfit = number_of(spec.get("overfit_batches"))
            if overfit is not None and overfit <= 0:
                found.append(
                    (
                        limit,
                        f"`{spec.show('limit_train_batches')}` trains each epoch on only "
                        f"{limit.data:.0%} of the training batches{spec.training_assumption()}",
                    )
                )
        for value, message in found:
            if not debug_context(spec, ctx, value):
                yield self.report(value, message, help="remove it, or move it to a debug config")

    @staticmethod
    def _profiles(value: Value) -> bool:
        if value.is_str():
            return value.data.lower() in _PROFILERS
        if value.is_call():
            name: str = value.data.short_name
            return name.endswith("Profiler") and name != "PassThroughProfiler"
        return False
