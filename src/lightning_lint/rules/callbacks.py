"""LL410: StochasticWeightAveraging settings that fail or never take effect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.spec import FLAVOR_LIGHTNING_CLI, CallbackSpec, TrainerSpec, Value, describe
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.hardware_conflicts import strategy_kind

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_SWA = "StochasticWeightAveraging"
_IMPORT = "from lightning import Trainer\nfrom lightning.pytorch.callbacks import StochasticWeightAveraging as SWA\n"


def _real(value: Value) -> Optional[float]:
    if value.decidable and isinstance(value.data, (int, float)) and not isinstance(value.data, bool):
        return value.data
    return None


class SwaConfig(Rule):
    """
    ## What it does
    Flags `StochasticWeightAveraging` settings that Lightning rejects or that make SWA a
    no-op:

    - `swa_epoch_start` that is not an int >= 1 or a float in [0, 1];
    - `swa_lrs` that is not a positive float or a list of positive floats (an int such
      as `1` is rejected in Python and Hydra configs; LightningCLI converts it);
    - a float `swa_epoch_start` (the default is `0.8`) while epochs are unbounded:
      `max_epochs=-1`, or only `max_steps` / `max_time` limit training;
    - an FSDP or DeepSpeed strategy;
    - an int `swa_epoch_start` larger than `max_epochs` (a warning: SWA never starts).

    ## Why is this bad?
    The constructor raises ("swa_epoch_start should be a >0 integer or a float between 0
    and 1", "The `swa_lrs` should a positive float, or a list of positive floats"), `fit`
    fails at start ("SWA with `swa_epoch_start` as a float is not supported when
    `max_epochs=-1`"; "SWA does not currently support sharded models"), or training ends
    before SWA starts and the model is never averaged, silently.

    ## What Lightning does
    The float `swa_epoch_start` is turned into `int(max_epochs * swa_epoch_start)` in
    `on_fit_start`, which needs a finite `max_epochs`. SWA averages from epoch
    `swa_epoch_start - 1` (0-based) to the last epoch; with `swa_epoch_start ==
    max_epochs` it averages in the last epoch only, with more it never runs.

    ## Example
    ```python
    Trainer(max_steps=100_000, callbacks=[StochasticWeightAveraging(swa_lrs=1e-2)])
    ```

    ## How to fix
    Give `swa_epoch_start` as an epoch number when training is bounded by steps or time,
    write learning rates as floats (`1.0`, not `1`), start SWA before the last epoch, and
    use a non-sharded strategy (DDP) with SWA.
    """

    code = "LL410"
    name = "swa-config"
    severity = Severity.ERROR
    needs = "S*"
    summary = "StochasticWeightAveraging: float start with unbounded epochs, int swa_lrs, start after max_epochs, FSDP."
    VALID = [
        _IMPORT + "Trainer(max_epochs=10, callbacks=[SWA(swa_lrs=1e-2)])\n",
        _IMPORT + "Trainer(max_steps=1000, callbacks=[SWA(swa_lrs=[0.01, 0.001], swa_epoch_start=5)])\n",
        _IMPORT + "Trainer(max_epochs=10, callbacks=[SWA(swa_lrs=0.05, swa_epoch_start=10)])\n",
        example(_IMPORT + "Trainer(callbacks=[SWA(swa_lrs=0.01)])\n", note="no limit: Lightning's 1000 epochs"),
        example(
            _IMPORT + "def main(cfg):\n    Trainer(**cfg, callbacks=[SWA(swa_lrs=0.01)])\n",
            note="**cfg may set max_epochs",
        ),
        example(_IMPORT + "def main(lr, start):\n    SWA(swa_lrs=lr, swa_epoch_start=start)\n", note="unknown values"),
        example(_IMPORT + "Trainer(strategy='ddp', max_epochs=5, callbacks=[SWA(swa_lrs=0.01)])\n"),
        example(
            "trainer:\n  max_epochs: 10\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.StochasticWeightAveraging\n"
            "      init_args:\n        swa_lrs: 1\n",
            path="config.yaml",
            note="LightningCLI reads 1 as 1.0",
        ),
        example(
            "swa:\n  _target_: lightning.pytorch.callbacks.StochasticWeightAveraging\n  swa_lrs: ${lr}\n"
            "  swa_epoch_start: ${start}\n",
            path="configs/callbacks/swa.yaml",
            note="interpolations",
        ),
    ]
    INVALID = [
        example(_IMPORT + "Trainer(max_steps=100000, callbacks=[SWA(swa_lrs=1e-2)])\n", message="max_epochs=-1"),
        example(
            _IMPORT
            + "Trainer(max_epochs=-1, max_time='00:12:00:00', callbacks=[SWA(swa_lrs=1e-2, swa_epoch_start=0.5)])\n"
        ),
        example(_IMPORT + "SWA(swa_lrs=1)\n", message="positive float"),
        example(_IMPORT + "SWA(swa_lrs=[0.01, 0])\n"),
        example(_IMPORT + "SWA(swa_lrs=0.01, swa_epoch_start=0)\n", message=">0 integer"),
        example(
            _IMPORT + "Trainer(max_epochs=10, callbacks=[SWA(swa_lrs=0.01, swa_epoch_start=20)])\n",
            message="never starts",
        ),
        example(
            _IMPORT + "Trainer(accelerator='gpu', strategy='fsdp', max_epochs=3, callbacks=[SWA(swa_lrs=0.01)])\n",
            message="sharded",
        ),
        example(
            "swa:\n  _target_: lightning.pytorch.callbacks.StochasticWeightAveraging\n  swa_lrs: 1\n",
            path="configs/callbacks/swa.yaml",
            note="Hydra passes the int on",
        ),
        example(
            "trainer:\n  max_steps: 5000\n  callbacks:\n    - class_path: StochasticWeightAveraging\n"
            "      init_args:\n        swa_lrs: 0.01\n",
            path="config.yaml",
            message="the default",
        ),
    ]

    # -- the constructor's checks --------------------------------------------------------
    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        if callback.kind != _SWA or not ctx.target.at_least("2.0.0"):
            return
        start = callback.get("swa_epoch_start")
        number = _real(start) if start.known else None
        if number is not None and (
            (isinstance(number, int) and number < 1) or (isinstance(number, float) and not 0 <= number <= 1)
        ):
            yield self.report(
                start,
                f"`{_SWA}(swa_epoch_start={describe(start)})`: swa_epoch_start should be a >0 "
                "integer or a float between 0 and 1; the callback raises",
                help="an epoch number (1 = the first epoch) or a fraction of max_epochs",
            )
        lrs = callback.get("swa_lrs")
        if lrs.known:
            problem = self._lrs_problem(lrs, callback.flavor)
            if problem:
                yield self.report(
                    lrs,
                    f"`{_SWA}(swa_lrs={describe(lrs)})`: The `swa_lrs` should be a positive float, "
                    f"or a list of positive floats ({problem}); the callback raises",
                    help="write learning rates as floats, e.g. 1.0 or 0.01",
                )

    @staticmethod
    def _lrs_problem(lrs: Value, flavor: str) -> Optional[str]:
        cli = flavor == FLAVOR_LIGHTNING_CLI  # jsonargparse converts ints and quoted numbers to floats
        items = list(lrs.items()) if lrs.is_list() else [lrs]
        for item in items:
            if not item.known:
                return None
        for item in items:
            number = _real(item)
            if number is None:
                if item.is_str() and cli:
                    continue
                return f"{describe(item)} is not a number" if item.known and not item.is_call() else None
            if number <= 0:
                return f"{describe(item)} is not positive"
            if isinstance(number, int) and not cli:
                return f"{describe(item)} is an int"
        return None

    # -- with the Trainer --------------------------------------------------------------------
    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        swas = [cb for cb in spec.callbacks_of(_SWA) if not cb.conditional]
        if not swas or not ctx.target.at_least("2.0.0"):
            return
        family, _ = strategy_kind(spec)
        for swa in swas:
            if family in ("fsdp", "deepspeed"):
                yield self.report(
                    swa,
                    f"`{_SWA}` with `{spec.show('strategy')}`: SWA does not currently support sharded "
                    "models; the run fails when the callback is set up",
                    related=[spec.args["strategy"].anchor],
                    help="use SWA with DDP, or drop it",
                )
            yield from self._epochs(spec, swa, ctx)

    def _epochs(self, spec: TrainerSpec, swa: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        start = swa.get("swa_epoch_start")
        if not start.decidable or not spec.assumed_training:
            return
        s = ctx.schedule(spec)
        if s.fast_dev_run or not isinstance(s.epoch_limit, int):
            return
        at = start if start.known else swa
        shown = f"`{_SWA}(swa_epoch_start={describe(start)})`" + ("" if start.known else " (the default)")
        if isinstance(start.data, float) and s.epoch_limit == -1:
            reason = s.epoch_limit_reason.replace("unbounded: ", "") or "max_epochs=-1"
            yield self.report(
                at,
                f"{shown} with unbounded epochs ({reason}): SWA with "
                "`swa_epoch_start` as a float is not supported when `max_epochs=-1`; fit raises "
                f"MisconfigurationException{spec.training_assumption()}",
                help="give swa_epoch_start as an epoch number (an int), or set max_epochs",
            )
        elif isinstance(start.data, int) and not isinstance(start.data, bool) and 0 < s.epoch_limit < start.data:
            limit = (
                f"`{spec.show('max_epochs')}`"
                if "max_epochs" in spec.args
                else f"{s.epoch_limit} epochs ({s.epoch_limit_reason})"
            )
            yield self.report(
                at,
                f"{shown} with {limit}: training ends before SWA starts, so SWA "
                "never starts and the weights are never averaged (Lightning says nothing)",
                severity=Severity.WARNING,
                help=f"start SWA at an epoch <= {s.epoch_limit}, or a fraction such as 0.8",
            )
