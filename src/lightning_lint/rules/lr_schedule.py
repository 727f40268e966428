"""LL701-LL705: learning-rate schedules against the run length.

The schedulers come from ``configure_optimizers`` (``model.optimizers``, extracted per
class and carried across files in the project facts); the run length and the number of
scheduler steps from the schedule model (``model.schedule.scheduler_steps``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from lightning_lint.model import fit_graph
from lightning_lint.model import schedule as schedule_model
from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from lightning_lint.model.optimizers import (
    CONFIG_KEYS,
    HOLDS,
    HORIZON_ARGS,
    RAISES,
    RESTARTS,
    ZERO,
    Horizon,
    SchedulerSpec,
    condition_words,
    with_candidates,
)
from lightning_lint.model.spec import Call, Extraction, Loc, Span, TrainerSpec
from lightning_lint.rules.base import Rule, example

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

_HEAD = (
    "import lightning as L\nimport torch\nfrom torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR\n\n"
    "class Net(L.LightningModule):\n    def configure_optimizers(self):\n"
    "        opt = torch.optim.SGD(self.parameters(), lr=0.1)\n"
)


HORIZON_KEYWORDS = {kind: arg for kind, ((arg, _), _) in HORIZON_ARGS.items()}


def _module(body: str) -> str:
    return _HEAD + "".join("        " + line + "\n" for line in body.strip("\n").split("\n"))


def _train(trainer: str) -> str:
    return f"from lightning import Trainer\nfrom model import Net\ntrainer = Trainer({trainer})\ntrainer.fit(Net())\n"


def _n(count: float) -> str:
    return f"{int(count):,}"


def _unit(spec: SchedulerSpec, count: float) -> str:
    if spec.interval == "step":
        return "optimizer step" if count == 1 else "optimizer steps"
    return "epoch" if count == 1 else "epochs"


def horizon_mismatch(spec: SchedulerSpec) -> Optional[str]:
    """Why the horizon's unit does not match how the scheduler is stepped (LL703), or None."""
    if spec.horizon is None or spec.interval is None:
        return None
    unit = spec.horizon.unit
    if spec.interval == "epoch" and unit == "steps":
        how = (
            "its LightningCLI `lr_scheduler:` section is stepped once per epoch"
            if spec.form == "cli"
            else (
                'the dict sets `"interval": "epoch"`'
                if spec.interval_written
                else 'without `"interval": "step"` Lightning steps it once per epoch'
            )
        )
        return f"its horizon `{spec.horizon.text}` counts optimizer steps but {how}"
    if spec.interval == "step" and unit == "epochs":
        return f'its horizon `{spec.horizon.text}` counts epochs but `"interval": "step"` steps it after every optimizer step'
    return None


def fitted_schedulers(spec: TrainerSpec, ctx: "RuleContext") -> Tuple[List[SchedulerSpec], str]:
    """The schedulers of the LightningModule this Trainer trains, and the words that say how
    it was found (empty when the module is seen in ``fit``). A horizon that is an
    ``__init__`` argument is resolved against the module's construction in ``fit``."""
    schedulers, assumption = _fitted(spec, ctx)
    return [_bind_init(_bind_injected(s, spec), spec) for s in schedulers], assumption


def _bind_injected(scheduler: SchedulerSpec, spec: TrainerSpec) -> SchedulerSpec:
    """A scheduler factory the module was given (``self.hparams.scheduler(optimizer=opt)``)
    bound to the Hydra ``model:`` node that gives it (``extract.optimizers.hydra_schedulers``):
    its class and horizon from the node, ``interval``/``frequency`` from the module. A
    horizon the call itself passes (``total_steps=...``) is not the node's: unknown."""
    if not scheduler.injected:
        return scheduler
    node = spec.extras.get("injected_schedulers", {}).get(scheduler.injected)
    if node is None:
        return scheduler
    horizon = node.horizon
    passed = set(scheduler.injected_keywords)
    sets_horizon = {"*", "**", HORIZON_KEYWORDS.get(node.kind, "")} | (
        {"epochs", "steps_per_epoch"} if node.kind == "OneCycleLR" else set()
    )
    if horizon is not None and passed & sets_horizon:
        horizon = Horizon(unknown="the call in configure_optimizers passes the horizon", text=horizon.text)
    return replace(scheduler, kind=node.kind, horizon=horizon, end=node.end, loc=node.loc, expr_loc=None)


def _bind_init(scheduler: SchedulerSpec, spec: TrainerSpec) -> SchedulerSpec:
    horizon = scheduler.horizon
    if horizon is not None and horizon.candidates:  # each path's horizon, bound on its own
        bound = [(words, _bind_init(replace(scheduler, horizon=h), spec).horizon) for words, h in horizon.candidates]
        return replace(scheduler, horizon=replace(horizon, candidates=tuple((w, h) for w, h in bound if h)))
    if horizon is None or not any(ref.startswith("init:") for ref in horizon.refs):
        return scheduler
    constructed: Optional[Call] = None
    for run in spec.runs:
        model = run.args.get("model")
        if run.method == "fit" and model is not None and model.known and isinstance(model.data, Call):
            if model.data.short_name == scheduler.owner:
                constructed = model.data
    factor, refs = horizon.factor, []
    for ref in horizon.refs:
        if not ref.startswith("init:"):
            refs.append(ref)
            continue
        name = ref.split(":", 1)[1]
        value = constructed.args.get(name) if constructed is not None else None
        if value is not None and value.is_number():
            factor *= value.data
        elif value is not None and value.candidates and all(c.value.is_number() for c in value.candidates):
            # `Net(t_max=100 if long else 10)`: a horizon per path
            rest = replace(horizon, refs=tuple(r for r in horizon.refs if r != ref))
            paths = [
                (condition_words(c.when), replace(rest, factor=rest.factor * c.value.data)) for c in value.candidates
            ]
            return _bind_init(replace(scheduler, horizon=with_candidates(horizon.text, paths)), spec)
        elif value is None and (constructed is None or not constructed.open_reason) and name in scheduler.init_defaults:
            if constructed is None:
                return replace(
                    scheduler, horizon=replace(horizon, refs=(), unknown=f"`{name}` is set where the module is built")
                )
            factor *= scheduler.init_defaults[name]
        else:
            return replace(
                scheduler, horizon=replace(horizon, refs=(), unknown=f"`{name}` is set where the module is built")
            )
    return replace(scheduler, horizon=replace(horizon, factor=factor, refs=tuple(refs)))


def _defining_class(name: str, spec: TrainerSpec, ctx: "RuleContext") -> str:
    """The class of the fitted module's hierarchy that defines ``configure_optimizers``
    (a subclass that inherits it trains with its base's schedulers); ``name`` itself when
    it defines one, or when the hierarchy cannot be followed."""
    graph = spec.fit_graph
    if graph is None or not graph.model_class or graph.model_class.rsplit(".", 1)[-1] != name:
        return name
    first = fit_graph.hierarchy(graph.model_class, ctx.facts, graph.loc.path, graph.model_loc).first_with(
        "configure_optimizers"
    )
    return first.name if first is not None else name


def _module_schedulers(name: str, ctx: "RuleContext") -> List[SchedulerSpec]:
    """The schedulers of the LightningModule class ``name``: the one defined in the linted
    file, else the project's only class of that name (none when several share it)."""
    if any(cls.name == name for cls in ctx.extraction.classes):
        return list(ctx.extraction.facts.get("schedulers", {}).get(name, []))
    if ctx.facts.lightning_modules.count(name) != 1:
        return []
    return list(ctx.facts.schedulers.get(name, []))


def _fitted(spec: TrainerSpec, ctx: "RuleContext") -> Tuple[List[SchedulerSpec], str]:
    cli = spec.extras.get("schedulers")
    if cli:
        return list(cli), ""  # LightningCLI replaces the module's configure_optimizers
    fitted: List[str] = []  # (the project facts are read only where the answer needs them)
    for run in spec.runs:
        model = run.args.get("model")
        if run.method == "fit" and model is not None and model.known and isinstance(model.data, Call):
            fitted.append(model.data.short_name)
    graph = spec.fit_graph
    if not fitted and graph is not None and graph.model_class and spec.extras.get("injected_schedulers"):
        fitted.append(graph.model_class.rsplit(".", 1)[-1])  # the Hydra `model:` node's class
    if fitted:
        manual = {name for name, _ in ctx.facts.manual_optimization}
        fitted = [_defining_class(name, spec, ctx) for name in fitted]
        return [s for name in fitted if name not in manual for s in _module_schedulers(name, ctx)], ""
    if spec.fits is False or any(run.method == "fit" for run in spec.runs):
        return [], ""
    if ctx.project.lightning_modules_at_least(2):  # known before the facts are, on most projects
        return [], ""
    facts = ctx.facts
    manual = {name for name, _ in facts.manual_optimization}
    modules = facts.lightning_modules
    if len(modules) == 1:
        (name,) = modules
        if name not in manual and name in facts.schedulers:
            return list(
                facts.schedulers[name]
            ), f" (assuming this Trainer trains `{name}`, the project's only LightningModule)"
    return [], ""


def scheduler_figures(spec: SchedulerSpec, s: "schedule_model.Schedule") -> Tuple[Optional[int], Optional[int]]:
    """(the horizon, the scheduler steps of the run); None where unknown."""
    if spec.horizon is None or horizon_mismatch(spec) is not None:
        return None, None
    horizon = spec.horizon.resolve(schedule_model.run_quantities(s))
    steps = schedule_model.scheduler_steps(s, spec.interval, spec.frequency)
    return horizon, steps


def describe_outcome(
    spec: SchedulerSpec, horizon: int, steps: int, s: Optional["schedule_model.Schedule"] = None
) -> str:
    """ "OneCycleLR over 1,000 optimizer steps, stepped per optimizer step; the run steps it
    5,000 times: raises ... at optimizer step 1,001"."""
    head = (
        f"{spec.kind} over {_n(horizon)} {_unit(spec, horizon)}, stepped per {spec.stepped_per}; "
        f"the run steps it {_n(steps)} times"
    )
    if steps > horizon and spec.end == RAISES:
        return head + (
            f": raises `ValueError: Tried to step {horizon + 1} times. The specified number of total steps is "
            f"{horizon}`{_where(spec, horizon + 1, s)}"
        )
    if steps - 1 > horizon and spec.end == RESTARTS:
        return (
            head
            + f": the LR climbs back towards its initial value after {_n(horizon)} of them{_where(spec, horizon + 1, s)}"
        )
    if steps - 1 > horizon and spec.end == ZERO:
        return head + f": the LR is 0 for the last {_n(steps - horizon)} of them{_where(spec, horizon + 1, s)}"
    if steps < horizon:
        fraction = steps / horizon
        return (
            head + f": only {fraction:.0%} of the schedule runs"
            if fraction >= 0.01
            else head + f": only {fraction:.1%} of the schedule runs"
        )
    return head + ": the schedule ends with the run"


def _where(spec: SchedulerSpec, k: int, s: Optional["schedule_model.Schedule"]) -> str:
    step = schedule_model.scheduler_step_at(s, spec.interval, spec.frequency, k) if s is not None else None
    if step is not None:
        return f" from optimizer step {_n(step)}" if spec.end != RAISES else f" at optimizer step {_n(step)}"
    if spec.interval == "epoch" and spec.frequency:
        return f" at the end of epoch {_n(k * spec.frequency - 1)} (counted from 0)"
    return ""


class _ScheduleRule(Rule):
    needs = "S/D"

    def findings(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Tuple[SchedulerSpec, int, int, str]]:
        if not spec.assumed_training:
            return
        if ctx.schedule(spec).fast_dev_run:
            return  # a debugging run: the schedule is not meant to finish
        schedulers, assumption = fitted_schedulers(spec, ctx)
        if not schedulers:
            return
        s = ctx.schedule(spec)
        for scheduler in schedulers:
            horizon, steps = scheduler_figures(scheduler, s)
            if horizon is None or steps is None or horizon <= 0:
                continue
            yield scheduler, horizon, steps, assumption + spec.training_assumption() * (not assumption)

    def judged(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Tuple[SchedulerSpec, int, int, str, str, int]]:
        """``findings``, with a horizon that depends on a branch judged once per path:
        (..., the path's condition in words or "", the number of paths)."""
        for scheduler, horizon, steps, assumption in self.findings(spec, ctx):
            yield scheduler, horizon, steps, assumption, "", 1
        if not spec.assumed_training or ctx.schedule(spec).fast_dev_run:
            return
        schedulers, assumed = fitted_schedulers(spec, ctx)
        assumed = assumed + spec.training_assumption() * (not assumed)
        s = ctx.schedule(spec)
        for scheduler in schedulers:
            paths = scheduler.horizon.candidates if scheduler.horizon is not None else ()
            for words, path in paths:
                one = replace(scheduler, horizon=path)
                planned, stepped = scheduler_figures(one, s)
                if planned is not None and stepped is not None and planned > 0:
                    yield one, planned, stepped, assumed, words, len(paths)

    @staticmethod
    def conditioned(found: List[Tuple[Diagnostic, str, int]]) -> Iterable[Diagnostic]:
        """The findings of one Trainer, those of a branch-dependent horizon once per path: a
        single finding when every path gives the same one, else each with its condition
        (as the engine does for a Trainer's variants). Entries of one horizon share ``related``."""
        groups: Dict[Any, List[Tuple[Diagnostic, str, int]]] = {}
        for entry in found:
            groups.setdefault((entry[0].related, entry[0].span, bool(entry[1])), []).append(entry)
        for entries in groups.values():
            messages = {d.message for d, _, _ in entries}
            everywhere = len(entries) == entries[0][2] and len(messages) == 1
            for d, words, _ in entries:
                if not words or everywhere:
                    yield d
                    if words:
                        break
                else:
                    yield d.with_changes(message=f"when {words}: {d.message}", fix=None)


class LrScheduleOverrun(_ScheduleRule):
    """
    ## What it does
    Flags a learning-rate scheduler that the run steps more times than its horizon:
    `OneCycleLR(total_steps=N)` stepped N+1 times, `CosineAnnealingLR(T_max=N)`,
    `PolynomialLR(total_iters=N)` or transformers' `get_*_schedule_with_warmup(num_training_steps=N)`
    stepped past N. The run's scheduler steps come from the schedule model: optimizer
    steps (with `accumulate_grad_batches`) for `"interval": "step"`, completed epochs
    otherwise, every `frequency`.

    ## Why is this bad?
    OneCycleLR raises `ValueError: Tried to step N+1 times. The specified number of total
    steps is N` in the middle of training. A cosine schedule climbs back to the initial
    learning rate; polynomial and linear-to-zero schedules train the rest of the run at LR 0.

    ## What Lightning does
    Lightning calls `scheduler.step()` after each optimizer step (`interval="step"`) or
    at the end of each training epoch, whatever the scheduler's horizon.

    ## Example
    ```python
    OneCycleLR(opt, max_lr=0.1, total_steps=1000)   # with Trainer(max_steps=5000)
    ```

    ## How to fix
    Plan the schedule over the run: `total_steps=self.trainer.estimated_stepping_batches`
    with `"interval": "step"`, or `T_max=self.trainer.max_epochs` per epoch.
    """

    code = "LL701"
    name = "lr-schedule-overrun"
    severity = Severity.WARNING
    summary = "The run steps the LR scheduler past its horizon (OneCycleLR raises; cosine climbs back; LR 0)."
    VALID = [
        example(
            _train("max_epochs=10"),
            files={"model.py": _module("return [opt], [CosineAnnealingLR(opt, T_max=self.trainer.max_epochs)]")},
        ),
        example(
            _train("max_steps=5000"),
            files={
                "model.py": _module(
                    "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
                    'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}'
                )
            },
            note="the horizon is the run's own step count",
        ),
        example(
            _train("max_epochs=10"),
            files={
                "model.py": _module(
                    's = OneCycleLR(opt, 0.1, total_steps=1000)\nreturn {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}'
                )
            },
            note="the batches per epoch are unknown",
        ),
        example(
            _train("max_epochs=100"),
            files={"model.py": _module("return [opt], [torch.optim.lr_scheduler.StepLR(opt, step_size=10)]")},
            note="StepLR has no horizon",
        ),
    ]
    INVALID = [
        example(
            _train("max_steps=5000"),
            files={
                "model.py": _module(
                    's = OneCycleLR(opt, 0.1, total_steps=1000)\nreturn {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}'
                )
            },
            message="Tried to step 1001 times",
        ),
        example(
            _train("max_epochs=100"),
            files={"model.py": _module("return [opt], [CosineAnnealingLR(opt, T_max=50)]")},
            message="climbs back",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        found = []
        for scheduler, horizon, steps, assumption, words, paths in self.judged(spec, ctx):
            raises = scheduler.end == RAISES and steps > horizon
            if not raises and not (scheduler.end in (RESTARTS, ZERO) and steps - 1 > horizon):
                continue
            found.append((self._overrun(spec, ctx, scheduler, horizon, steps, assumption, raises), words, paths))
        yield from self.conditioned(found)

    def _overrun(
        self,
        spec: TrainerSpec,
        ctx: "RuleContext",
        scheduler: SchedulerSpec,
        horizon: int,
        steps: int,
        assumption: str,
        raises: bool,
    ) -> Diagnostic:
        return self.report(
            scheduler.loc if scheduler.injected else spec,  # a Hydra node: one place
            describe_outcome(scheduler, horizon, steps, ctx.schedule(spec)) + assumption,
            severity=Severity.ERROR if raises else Severity.WARNING,
            related=[] if scheduler.injected else [scheduler.loc],
            help="plan the schedule over the run (e.g. total_steps=self.trainer.estimated_stepping_batches "
            'with "interval": "step")',
            properties={"scheduler": scheduler.kind, "horizon": horizon, "scheduler_steps": steps},
        )


class LrScheduleUnfinished(_ScheduleRule):
    """
    ## What it does
    Flags a learning-rate scheduler whose horizon the run never reaches: a schedule
    planned over `max_steps=1_000_000` in a run that `max_epochs` ends at step 26,706,
    or a cosine over 300 epochs in a 100-epoch run. The message gives the fraction of the
    schedule that runs. Quiet when at least `min-fraction` (default 0.95) of it runs.

    ## Why is this bad?
    The learning rate never reaches its final value: the decay (or the warmup) that the
    schedule was tuned for never happens, silently.

    ## What Lightning does
    Training stops at the first limit reached; the scheduler is left where it is.

    ## Example
    ```python
    CosineAnnealingLR(opt, T_max=300)   # with Trainer(max_epochs=100)
    ```

    ## How to fix
    Derive the horizon from the run (`self.trainer.max_epochs`,
    `self.trainer.estimated_stepping_batches`), or make the run as long as the schedule.
    """

    code = "LL702"
    name = "lr-schedule-unfinished"
    severity = Severity.WARNING
    summary = "The run ends before the LR schedule's horizon: the LR never reaches its final value."
    OPTIONS = {"min-fraction": (float, 0.95)}
    VALID = [
        example(
            _train("max_epochs=100"),
            files={"model.py": _module("return [opt], [CosineAnnealingLR(opt, T_max=100)]")},
        ),
        example(
            _train("max_epochs=100"),
            files={"model.py": _module("return [opt], [CosineAnnealingLR(opt, T_max=self.hparams.epochs)]")},
            note="the horizon is unknown",
        ),
    ]
    INVALID = [
        example(
            _train("max_epochs=100"),
            files={"model.py": _module("return [opt], [CosineAnnealingLR(opt, T_max=300)]")},
            message="only 33% of the schedule runs",
        ),
        example(
            "trainer:\n  max_epochs: 10\nmodel:\n  class_path: model.Net\nlr_scheduler:\n"
            "  class_path: torch.optim.lr_scheduler.CosineAnnealingLR\n  init_args:\n    T_max: 1000\n",
            path="config.yaml",
            message="only 1% of the schedule runs",
            note="a LightningCLI lr_scheduler: section is stepped once per epoch",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        minimum = float(ctx.options(self.code).get("min-fraction", 0.95))
        found = []
        for scheduler, horizon, steps, assumption, words, paths in self.judged(spec, ctx):
            if steps >= horizon * minimum:
                continue
            found.append((self._unfinished(spec, ctx, scheduler, horizon, steps, assumption), words, paths))
        yield from self.conditioned(found)

    def _unfinished(
        self, spec: TrainerSpec, ctx: "RuleContext", scheduler: SchedulerSpec, horizon: int, steps: int, assumption: str
    ) -> Diagnostic:
        return self.report(
            scheduler.loc if scheduler.injected else spec,  # a Hydra node: one place
            describe_outcome(scheduler, horizon, steps, ctx.schedule(spec)) + assumption,
            related=[] if scheduler.injected else [scheduler.loc],
            help="derive the horizon from the run (self.trainer.max_epochs / estimated_stepping_batches)",
            properties={"scheduler": scheduler.kind, "horizon": horizon, "scheduler_steps": steps},
        )


def _schedulers_of(extraction: Extraction) -> List[SchedulerSpec]:
    """The schedulers this file returns from ``configure_optimizers`` or sets in a
    LightningCLI ``lr_scheduler:`` section."""
    manual = {cls.name for cls in extraction.classes if cls.manual_optimization is not None}
    found = extraction.facts.get("schedulers", {})
    schedulers = [s for name, specs in found.items() if name not in manual for s in specs]
    for trainer in extraction.trainers:
        schedulers.extend(s for s in trainer.extras.get("schedulers", ()) if s not in schedulers)
    return schedulers


def _insert_after(loc: Loc, text: str) -> Edit:
    at = loc.span
    return Edit(Span(at.start_line, at.start_col + 1, at.start_line, at.start_col + 1), text)


class LrScheduleIntervalMismatch(Rule):
    """
    ## What it does
    Flags a scheduler whose horizon counts optimizer steps
    (`self.trainer.estimated_stepping_batches`, `self.trainer.max_steps`,
    `len(self.train_dataloader())`, `steps_per_epoch`, a value named `*steps*`) while
    Lightning steps it once per epoch: returned bare, in a list, or in a dict without
    `"interval": "step"`. Also the reverse: a horizon in epochs stepped per step.

    ## Why is this bad?
    Only a fraction of the schedule runs (a OneCycleLR over 10,000 steps stepped 10 times
    never leaves its warmup), or it overruns (a cosine over 10 epochs stepped 10 times per
    epoch restarts again and again). Lightning's own docs example had this bug (PR #19774).

    ## What Lightning does
    A scheduler without a config dict, or with `"interval": "epoch"` (the default), is
    stepped at the end of each training epoch. Lightning warns only for a OneCycleLR inside
    a dict with `"interval": "epoch"`.

    ## Example
    ```python
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=self.trainer.estimated_stepping_batches)
    return [opt], [sched]
    ```

    ## How to fix
    Return `{"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}`
    (the safe fix does this).

    ## Fix safety
    Adding `"interval": "step"` to a scheduler dict that lacks it, or wrapping a bare
    scheduler as `{"scheduler": sched, "interval": "step"}`, is safe: it makes Lightning
    step the scheduler in the unit its horizon counts. Changing an `"interval"` that is
    written is unsafe: the horizon may be the part that is wrong.
    """

    code = "LL703"
    name = "lr-schedule-interval-mismatch"
    severity = Severity.WARNING
    summary = "A horizon in optimizer steps on a scheduler stepped per epoch (or the reverse)."
    fix_availability = "sometimes"
    VALID = [
        example(
            _module(
                "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}'
            ),
            path="model.py",
        ),
        example(_module("return [opt], [CosineAnnealingLR(opt, T_max=self.trainer.max_epochs)]"), path="model.py"),
        example(
            _module("return [opt], [CosineAnnealingLR(opt, T_max=self.hparams.t_max)]"),
            path="model.py",
            note="the unit of the horizon is unknown",
        ),
    ]
    INVALID = [
        example(
            _module("s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\nreturn [opt], [s]"),
            path="model.py",
            message="counts optimizer steps",
            fixed=_module(
                "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
                'return [opt], [{"scheduler": s, "interval": "step"}]'
            ),
        ),
        example(
            _module(
                "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "monitor": "loss"}}'
            ),
            path="model.py",
            fixed=_module(
                "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)\n"
                'return {"optimizer": opt, "lr_scheduler": {"interval": "step", "scheduler": s, "monitor": "loss"}}'
            ),
        ),
        example(
            _module(
                "s = CosineAnnealingLR(opt, T_max=self.trainer.max_epochs)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "step"}}'
            ),
            path="model.py",
            message="counts epochs",
        ),
        example(
            "trainer:\n  max_epochs: 10\nlr_scheduler:\n  class_path: torch.optim.lr_scheduler.OneCycleLR\n"
            "  init_args:\n    max_lr: 0.1\n    epochs: 10\n    steps_per_epoch: 500\n",
            path="config.yaml",
            message="LightningCLI",
        ),
    ]

    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        """A Hydra scheduler node handed to the module: its horizon against the module's interval."""
        if not spec.extras.get("injected_schedulers"):
            return
        for scheduler in fitted_schedulers(spec, ctx)[0]:
            why = horizon_mismatch(scheduler) if scheduler.injected and scheduler.kind != "<injected>" else None
            if why is not None:
                yield self.report(
                    scheduler.loc,
                    f"{scheduler.kind} (handed to `{scheduler.owner}` as `{scheduler.injected}`): {why}, "
                    "so only a fraction of the schedule runs, or it overruns",
                    help='return {"scheduler": sched, "interval": "step"} from configure_optimizers for a horizon in steps',
                )

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for scheduler in _schedulers_of(extraction):
            why = horizon_mismatch(scheduler)
            if why is None:
                continue
            yield self.report(
                scheduler.loc,
                f"{scheduler.kind}: {why}, so only a fraction of the schedule runs, or it overruns",
                fix=self._fix(scheduler),
                help='return {"scheduler": sched, "interval": "step"} for a horizon in steps',
            )

    def _fix(self, scheduler: SchedulerSpec) -> Optional[Fix]:
        if scheduler.form == "cli":
            return None
        if scheduler.interval == "epoch":
            if scheduler.form == "dict" and not scheduler.interval_written and scheduler.config_loc is not None:
                return Fix(
                    'add "interval": "step"',
                    Applicability.SAFE,
                    (_insert_after(scheduler.config_loc, '"interval": "step", '),),
                )
            if (
                scheduler.form in ("bare", "list", "dict")
                and scheduler.expr_loc is not None
                and scheduler.config_loc is None
            ):
                text = f'{{"scheduler": {scheduler.expr_text}, "interval": "step"}}'
                return Fix(
                    'step it per optimizer step: {"scheduler": ..., "interval": "step"}',
                    Applicability.SAFE,
                    (Edit(scheduler.expr_loc.span, text),),
                )
            if scheduler.interval_loc is not None:
                return Fix(
                    'set "interval": "step"', Applicability.UNSAFE, (Edit(scheduler.interval_loc.span, '"step"'),)
                )
        if scheduler.interval == "step" and scheduler.interval_loc is not None:
            return Fix('set "interval": "epoch"', Applicability.UNSAFE, (Edit(scheduler.interval_loc.span, '"epoch"'),))
        return None


class PlateauSchedulerWithoutMonitor(Rule):
    """
    ## What it does
    Flags a `ReduceLROnPlateau` returned from `configure_optimizers` without a
    `"monitor"` key (in its scheduler dict, or next to `"optimizer"` in the returned dict).

    ## Why is this bad?
    `fit` fails at start with MisconfigurationException: "The lr scheduler dict must
    include a monitor when a `ReduceLROnPlateau` scheduler is used."

    ## What Lightning does
    `_configure_schedulers_automatic_opt` raises when a plateau scheduler has no monitor.

    ## Example
    ```python
    return [opt], [ReduceLROnPlateau(opt)]
    ```

    ## How to fix
    `return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss"}}`
    """

    code = "LL704"
    name = "plateau-scheduler-without-monitor"
    severity = Severity.ERROR
    summary = "ReduceLROnPlateau returned without a monitor key."
    VALID = [
        example(
            _module(
                "s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\n"
                'return {"optimizer": opt, "lr_scheduler": s, "monitor": "val_loss"}'
            ),
            path="model.py",
        )
    ]
    INVALID = [
        example(_module("return [opt], [torch.optim.lr_scheduler.ReduceLROnPlateau(opt)]"), path="model.py"),
        example(
            _module(
                "s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s}}'
            ),
            path="model.py",
            message="must include a monitor",
        ),
    ]

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for scheduler in _schedulers_of(extraction):
            if scheduler.kind == "ReduceLROnPlateau" and not scheduler.has_monitor:
                yield self.report(
                    scheduler.loc,
                    "ReduceLROnPlateau without a monitor: fit fails at start with "
                    '"The lr scheduler dict must include a monitor when a `ReduceLROnPlateau` scheduler is used."',
                    help='return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss"}}',
                )


class LrSchedulerConfigInvalid(Rule):
    """
    ## What it does
    Checks the scheduler dict returned from `configure_optimizers`: a dict without
    `"scheduler"`, an `"interval"` other than `"step"`/`"epoch"`, a `"frequency"` below 1
    (errors); keys Lightning does not know (a warning).

    ## Why is this bad?
    The first three fail at fit start (or, for `frequency=0`, with ZeroDivisionError at the
    first step); unknown keys are dropped with a warning buried in the log, so a
    misspelt `"intervall": "step"` silently steps the scheduler per epoch.

    ## What Lightning does
    `_configure_schedulers_automatic_opt` raises MisconfigurationException for the missing
    `scheduler` key and a bad `interval`; it warns "Found unsupported keys in the lr
    scheduler dict" and drops them.

    ## Example
    ```python
    {"scheduler": sched, "interval": "steps"}
    ```

    ## How to fix
    Use the keys `scheduler`, `interval` (`"step"` or `"epoch"`), `frequency` (≥ 1),
    `monitor`, `strict`, `name`.
    """

    code = "LL705"
    name = "lr-scheduler-config-invalid"
    severity = Severity.ERROR
    summary = "A scheduler dict without scheduler, with a bad interval or frequency, or unknown keys."
    VALID = [
        example(
            _module(
                "s = CosineAnnealingLR(opt, T_max=10)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "epoch", "frequency": 2}}'
            ),
            path="model.py",
        )
    ]
    INVALID = [
        example(
            _module(
                "s = CosineAnnealingLR(opt, T_max=10)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "steps"}}'
            ),
            path="model.py",
            message='must be "step" or "epoch"',
        ),
        example(
            _module(
                "s = CosineAnnealingLR(opt, T_max=10)\n"
                'return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "intervall": "step"}}'
            ),
            path="model.py",
            message="unsupported keys",
        ),
        example(
            _module('return {"optimizer": opt, "lr_scheduler": {"interval": "step"}}'),
            path="model.py",
            message='must have the key "scheduler"',
        ),
    ]

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        for scheduler in _schedulers_of(extraction):
            if scheduler.form != "dict" or (scheduler.config_loc is None and not scheduler.config_keys):
                continue
            where = scheduler.config_loc or scheduler.loc
            if scheduler.kind == "":
                yield self.report(where, 'The lr scheduler dict must have the key "scheduler": fit fails at start')
            if isinstance(scheduler.interval_value, str) and scheduler.interval_value not in ("step", "epoch"):
                yield self.report(
                    scheduler.interval_loc or where,
                    f'The "interval" key in lr scheduler dict must be "step" or "epoch" but is "{scheduler.interval_value}"',
                )
            if isinstance(scheduler.frequency, int) and scheduler.frequency < 1:
                yield self.report(
                    scheduler.frequency_loc or where,
                    f"`frequency={scheduler.frequency}`: "
                    + (
                        "Lightning computes `index % frequency` and raises ZeroDivisionError at the first update"
                        if scheduler.frequency == 0
                        else "a negative frequency steps the scheduler at every update, not every n"
                    ),
                )
            for key, loc in scheduler.config_keys:
                if key not in CONFIG_KEYS:
                    yield self.report(
                        loc,
                        f"Found unsupported keys in the lr scheduler dict: {{'{key}'}}: Lightning warns and drops it",
                        severity=Severity.WARNING,
                        help="keys: " + ", ".join(CONFIG_KEYS),
                    )


__all__ = ["HOLDS", "describe_outcome", "fitted_schedulers", "horizon_mismatch", "scheduler_figures"]
