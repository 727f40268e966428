"""LL409: Trainer settings that manual optimization rejects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, List, Optional, Tuple

from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.spec import Call, TrainerSpec, Value
from lightning_lint.rules.base import Rule, example
from lightning_lint.rules.common import number_of

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_MANUAL_MODULE = {
    "model.py": "import lightning as L\nclass GAN(L.LightningModule):\n    def __init__(self):\n"
    "        super().__init__()\n        self.automatic_optimization = False\n",
}


class ManualOptimizationConflict(Rule):
    """
    ## What it does
    Flags `accumulate_grad_batches != 1` or `gradient_clip_val` on a Trainer that trains
    a LightningModule with `automatic_optimization = False`: the module passed to `fit`
    when it can be seen, or the project's LightningModules when all of them optimize
    manually.

    ## Why is this bad?
    `fit` fails at start: "Automatic gradient accumulation is not supported for manual
    optimization" / "Automatic gradient clipping is not supported for manual
    optimization".

    ## What Lightning does
    `configuration_validator.__verify_manual_optimization_support` raises
    MisconfigurationException.

    ## Example
    ```python
    trainer = Trainer(accumulate_grad_batches=4)
    trainer.fit(GAN())   # GAN sets self.automatic_optimization = False
    ```

    ## How to fix
    Accumulate and clip inside `training_step` (`self.clip_gradients(...)`), or use
    automatic optimization.
    """

    code = "LL409"
    name = "manual-optimization-conflict"
    severity = Severity.ERROR
    needs = "S*"
    summary = "accumulate_grad_batches or gradient_clip_val with a manually optimized LightningModule."
    VALID = [
        example(
            "from lightning import Trainer\nfrom model import GAN\nt = Trainer()\nt.fit(GAN())\n", files=_MANUAL_MODULE
        ),
        example(
            "from lightning import Trainer\nfrom model import Net\nt = Trainer(accumulate_grad_batches=4)\n"
            "t.fit(Net())\n",
            files={**_MANUAL_MODULE, "net.py": "import lightning as L\nclass Net(L.LightningModule):\n    pass\n"},
            note="the fitted module optimizes automatically",
        ),
        example(
            "from lightning import Trainer\nTrainer(gradient_clip_val=1.0)\n",
            files={**_MANUAL_MODULE, "net.py": "import lightning as L\nclass Net(L.LightningModule):\n    pass\n"},
            note="which module is trained is unknown",
        ),
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nfrom model import GAN\nt = Trainer(accumulate_grad_batches=4)\n"
            "t.fit(GAN())\n",
            files=_MANUAL_MODULE,
            message="Automatic gradient accumulation",
        ),
        example(
            "from lightning import Trainer\nTrainer(gradient_clip_val=0.5)\n",
            files=_MANUAL_MODULE,
            message="gradient clipping",
        ),
        example("trainer:\n  accumulate_grad_batches: 2\n", path="config.yaml", files=_MANUAL_MODULE),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        problems: List[Tuple[Value, str, str]] = []
        acc = spec.args.get("accumulate_grad_batches")
        if acc is not None and acc.is_int() and acc.data != 1:
            problems.append((acc, "Automatic gradient accumulation", "accumulate_grad_batches"))
        clip = spec.args.get("gradient_clip_val")
        clip_value = number_of(clip) if clip is not None else None
        if clip is not None and clip_value is not None and clip_value > 0:
            problems.append((clip, "Automatic gradient clipping", "gradient_clip_val"))
        if not problems:
            return
        module = self._manual_module(spec, ctx)
        if module is None:
            return
        for value, what, name in problems:
            yield self.report(
                value,
                f"{what} is not supported for manual optimization: `{module}` sets "
                f"`automatic_optimization = False` and fit fails with `{spec.show(name)}`",
                help="accumulate/clip inside training_step (self.clip_gradients), or remove the argument",
            )

    def _manual_module(self, spec: TrainerSpec, ctx: "RuleContext") -> Optional[str]:
        fitted: List[str] = []
        for run in spec.runs:
            model = run.args.get("model")
            if run.method == "fit" and model is not None and model.known and isinstance(model.data, Call):
                fitted.append(model.data.short_name)
        facts = ctx.facts
        manual = {name for name, _ in facts.manual_optimization}
        if not manual:
            return None
        if fitted:
            return next((name for name in fitted if name in manual), None)
        if set(facts.lightning_modules) == manual:
            return sorted(manual)[0]
        return None
