"""LL407: Trainer flags that contradict `barebones=True`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Tuple

from lightning_lint.model import lightning_api as data
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.spec import TrainerSpec, describe
from lightning_lint.rules.base import Rule, example

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

# Trainer.__init__'s barebones checks (trainer.py:328-382), in Lightning's order:
# argument, when it conflicts, and what barebones turns off.
_CONFLICTS: Tuple[Tuple[str, Callable[[Any], bool], str], ...] = (
    ("enable_checkpointing", bool, "Checkpointing can impact raw speed"),
    ("logger", lambda v: v is not None and v is not False, "Logging can impact raw speed"),
    ("enable_progress_bar", bool, "The progress bar can impact raw speed"),
    ("log_every_n_steps", lambda v: v is not None and v != 0, "Logging can impact raw speed"),
    ("enable_model_summary", bool, "Model summary can impact raw speed"),
    ("num_sanity_val_steps", lambda v: v is not None and v != 0, "Sanity checking can impact raw speed"),
    ("fast_dev_run", lambda v: v is not False and v != 0, "Development run is not meant for raw speed evaluation"),
    ("detect_anomaly", bool, "Anomaly detection can impact raw speed"),
    ("profiler", lambda v: v is not None, "Profiling can impact raw speed"),
)


class BarebonesConflict(Rule):
    """
    ## What it does
    Flags `barebones=True` together with a feature that barebones mode switches off: a
    logger, `enable_checkpointing`, `enable_progress_bar` or `enable_model_summary` set
    to true, a `log_every_n_steps` or `num_sanity_val_steps` other than 0, `fast_dev_run`,
    `detect_anomaly`, a profiler, or a ModelCheckpoint or progress bar callback.

    ## Why is this bad?
    The Trainer cannot be built: "`Trainer(barebones=True, logger=True)` was passed.
    Logging can impact raw speed so it is disabled in barebones mode." A ModelCheckpoint
    or progress bar callback fails the same way ("Trainer was configured with
    `enable_checkpointing=False` but found `ModelCheckpoint` in callbacks list"), because
    barebones turns checkpointing and the progress bar off. Even an empty logger list
    counts as a logger: the lightning-hydra-template passes `logger=[]` when its
    `logger:` group is null.

    ## What Lightning does
    `Trainer.__init__` checks each flag when `barebones=True` and raises ValueError;
    `_CallbackConnector` raises MisconfigurationException for the callbacks.

    ## Example
    ```python
    Trainer(barebones=True, logger=TensorBoardLogger("logs"))
    ```

    ## How to fix
    Remove the flag or callback, or drop `barebones=True`: barebones mode is for
    measuring the Trainer's own overhead, not for real training runs.
    """

    code = "LL407"
    name = "barebones-conflict"
    severity = Severity.ERROR
    needs = "S"
    summary = "barebones=True with a logger, checkpointing, progress bar, summary, profiler, fast_dev_run, ..."
    VALID = [
        "from lightning import Trainer\nTrainer(barebones=True, max_epochs=1)\n",
        "from lightning import Trainer\nTrainer(barebones=True, logger=False, enable_checkpointing=False, "
        "log_every_n_steps=0, num_sanity_val_steps=0, fast_dev_run=False)\n",
        "from lightning import Trainer\nTrainer(logger=True, enable_progress_bar=True)\n",
        example(
            "from lightning import Trainer\ndef main(args):\n    Trainer(barebones=args.bare, logger=True)\n",
            note="unknown barebones",
        ),
        example(
            "from lightning import Trainer\ndef main(lg):\n    Trainer(barebones=True, logger=lg)\n",
            note="unknown logger",
        ),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelSummary\n"
            "Trainer(barebones=True, callbacks=[ModelSummary()])\n",
            note="a summary callback is allowed",
        ),
        example("trainer:\n  barebones: true\n  logger: ${logger}\n", path="config.yaml", note="interpolation"),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(barebones=True, logger=True)\n",
            message="Logging can impact raw speed",
        ),
        example(
            "from lightning import Trainer\nTrainer(barebones=True, profiler='simple', detect_anomaly=True)\n",
            message="profiler",
        ),
        example("from lightning import Trainer\nTrainer(barebones=True, num_sanity_val_steps=2)\n"),
        example(
            "from lightning import Trainer\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
            "Trainer(barebones=True, callbacks=[ModelCheckpoint(monitor='val_loss')])\n",
            message="ModelCheckpoint",
        ),
        example("trainer:\n  barebones: true\n  enable_model_summary: true\n", path="config.yaml"),
        example(
            "trainer:\n  _target_: lightning.pytorch.trainer.Trainer\n  barebones: true\nlogger: null\n",
            path="configs/train.yaml",
            message="empty logger list",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        barebones = spec.args.get("barebones")
        if barebones is None or not (barebones.known and barebones.data is True) or not ctx.target.at_least("2.0.0"):
            return
        shown = spec.show("barebones")
        for name, conflicts, reason in _CONFLICTS:
            value = spec.args.get(name)
            if value is None or not value.known or not conflicts(value.data):
                continue
            empty = " (an empty logger list is not `False`)" if name == "logger" and value.data == () else ""
            yield self.report(
                value,
                f"`{_show(spec, name)}` with `{shown}`{empty}: {reason} so it is disabled in "
                "barebones mode; the Trainer raises ValueError",
                related=[barebones.anchor],
                help=f"remove `{name}`, or drop barebones=True",
            )
        for callback in spec.callbacks:
            if callback.conditional:
                continue
            if callback.kind == "ModelCheckpoint":
                turned_off = "enable_checkpointing=False"
            elif callback.kind in data.PROGRESS_BARS:
                turned_off = "enable_progress_bar=False"
            else:
                continue
            yield self.report(
                callback,
                f"`{callback.label()}` with `{shown}`: barebones mode sets `{turned_off}`, "
                f"and the Trainer raises because it found `{callback.label()}` in the "
                "callbacks list",
                related=[barebones.anchor],
                help="remove the callback, or drop barebones=True",
            )


def _show(spec: TrainerSpec, name: str) -> str:
    """How the argument is written; a Hydra template's top-level ``logger:`` group is shown
    under its own key, not under ``trainer.``."""
    value = spec.args[name]
    if spec.key_prefix and value.key_path and not value.key_path.startswith(spec.key_prefix):
        return f"{value.key_path}: {describe(value)}"
    return spec.show(name)
