"""LL701-LL703 judged on the schedulers the dry fit really built.

The probe reads ``trainer.lr_scheduler_configs`` after the dry fit (``probe.emit_schedulers``):
each scheduler's class, ``interval``, ``frequency``, ``monitor``, its horizon where the
object shows one (OneCycleLR ``total_steps``, CosineAnnealingLR ``T_max``,
PolynomialLR/LinearLR/ConstantLR ``total_iters``, SequentialLR milestones and parts,
transformers' ``get_*_schedule_with_warmup``: a LambdaLR whose ``lr_lambda`` is a
``functools.partial`` with ``num_training_steps``), and the dry Trainer's own figures.

The dry run is not the real run
-------------------------------
The dry fit runs under ``fast_dev_run``: its Trainer has ``max_steps`` = the dry batches,
``max_epochs`` = 1 and a limited ``num_training_batches``. A horizon computed in
``configure_optimizers`` from ``self.trainer.estimated_stepping_batches`` (or
``max_steps``, ``max_epochs``, ``num_training_batches``) is therefore the *dry* run's figure.
So the measured horizon is never taken as the real one when it may come from the dry run:

- the static check read the horizon as a formula of run quantities (``Horizon.refs``):
  the formula, evaluated with the dry Trainer's figures, must give the measured horizon
  (that proves the formula); the real horizon is then the formula evaluated with the real
  run's figures (the configured Trainer arguments, the measured batches per epoch);
- the static check read a plain number: the measured horizon must agree with it, and is
  the real one;
- otherwise (the static check could not read it): the measured horizon is used only when
  it cannot be one of the dry run's figures (``estimated_stepping_batches``, ``max_steps``,
  ``max_epochs``, ``num_training_batches``, the train loader's length or its optimizer
  steps, or anything not above the dry run's step count); else "depends on the dry run"
  and nothing is decided.

The number of scheduler steps in the real run comes from the schedule model with the
*measured* ``interval`` and ``frequency`` and the real run's length (``scheduler_steps``).
LL703 is decided from the measured interval and the horizon's unit (from the static
formula, or from the measured horizon equalling the real run's optimizer steps and not its
epochs, or the reverse). Documented in docs/confirm.md ("LR schedulers").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from lightning_lint.confirm.runner import ProbeRun
from lightning_lint.model import schedule as schedule_model
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.optimizers import HOLDS, HORIZON_ARGS, RAISES, RESTARTS, ZERO, SchedulerSpec
from lightning_lint.model.spec import Loc, TrainerSpec
from lightning_lint.rules.lr_schedule import describe_outcome, fitted_schedulers

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

CODES = ("LL701", "LL702", "LL703")
_TRANSFORMERS_LAMBDA = re.compile(r"_(get_\w+)_lr_lambda$")


@dataclass
class MeasuredScheduler:
    """One entry of ``trainer.lr_scheduler_configs`` after the dry fit."""

    kind: str  # OneCycleLR, get_linear_schedule_with_warmup, SequentialLR, LambdaLR, ...
    display: str  # SequentialLR (ending with CosineAnnealingLR)
    horizon: Optional[int]  # as built in the dry run; None when the object shows none
    horizon_text: str  # total_steps=1000, milestones [5] + T_max=10, ...
    end: str  # raises | restarts | zero | holds | "" (no horizon)
    interval: str
    frequency: int
    monitor: Optional[str]
    dry_steps: Optional[int]  # how many times the dry run stepped it
    unreadable: str = ""  # why the horizon cannot be read from the object

    def figures(self) -> str:
        parts = [self.display]
        if self.horizon_text:
            parts.append(self.horizon_text)
        text = " ".join(parts) + f", interval={self.interval}, frequency={self.frequency}"
        if self.unreadable:
            text += f" (horizon not readable: {self.unreadable})"
        if self.monitor:
            text += f", monitor={self.monitor!r}"
        return text


def _base(kind: str) -> str:
    return kind.split(" ", 1)[0]


def _read_one(data: Dict[str, Any]) -> Tuple[str, Optional[int], str, str, str]:
    """(kind, horizon, horizon text, end, why unreadable) of a described scheduler."""
    kind = str(data.get("kind", ""))
    if data.get("horizon_arg") and isinstance(data.get("horizon"), (int, float)):
        end = HORIZON_ARGS.get(kind, (("", 0), HOLDS))[1]
        value = data["horizon"]
        return kind, int(value), f"{data['horizon_arg']}={int(value)}", end, ""
    if kind == "LambdaLR":
        lambdas = data.get("lambdas") or []
        match = _TRANSFORMERS_LAMBDA.search(str(lambdas[0].get("name", ""))) if len(lambdas) == 1 else None
        if match is not None and match.group(1) in HORIZON_ARGS:
            steps = (lambdas[0].get("keywords") or {}).get("num_training_steps")
            end = HORIZON_ARGS[match.group(1)][1]
            if isinstance(steps, int) and not isinstance(steps, bool):
                return match.group(1), steps, f"num_training_steps={steps}", end, ""
            return match.group(1), None, "", end, "num_training_steps not in the partial's keywords"
        return kind, None, "", "", "its lr_lambda is a plain function"
    if kind == "SequentialLR":
        parts, milestones = data.get("parts") or [], data.get("milestones") or []
        if parts and milestones and len(milestones) == len(parts) - 1:
            last_kind, last, last_text, end, why = _read_one(parts[-1])
            display = f"SequentialLR (ending with {last_kind})"
            if last is not None:
                return display, milestones[-1] + last, f"milestones {milestones} + {last_text}", end, ""
            return display, None, "", end, why
        return kind, None, "", "", "its parts cannot be read"
    if kind == "ChainedScheduler":
        read = [_read_one(part) for part in data.get("parts") or []]
        with_horizon = [r for r in read if r[3]]
        if len(with_horizon) == 1:
            part_kind, value, text, end, why = with_horizon[0]
            return f"ChainedScheduler (with {part_kind})", value, text, end, why
        return kind, None, "", "", "" if not with_horizon else "several parts have a horizon"
    return kind, None, "", "", ""


def read(run: ProbeRun) -> Optional[Tuple[List[MeasuredScheduler], Dict[str, Any]]]:
    """The schedulers of the dry fit and the dry Trainer's figures; None when the probe
    did not read them (an older probe, or the fit failed)."""
    event = run.first("schedulers")
    if event is None:
        return None
    found = []
    for config in event.get("configs") or []:
        described = config.get("scheduler") or {}
        display, horizon, text, end, why = _read_one(described)
        found.append(
            MeasuredScheduler(
                kind=_base(display),
                display=display,
                horizon=horizon,
                horizon_text=text,
                end=end,
                interval=str(config.get("interval")),
                frequency=int(config.get("frequency") or 1),
                monitor=config.get("monitor"),
                dry_steps=described.get("last_epoch"),
                unreadable=why,
            )
        )
    return found, dict(event.get("dry") or {})


@dataclass
class Verdict:
    """One measured scheduler against the real run."""

    measured: MeasuredScheduler
    static: Optional[SchedulerSpec]
    loc: Loc  # where a finding about it goes: the scheduler's constructor, else the Trainer
    horizon: Optional[int] = None  # of the real run
    steps: Optional[int] = None  # scheduler steps of the real run
    unit: Optional[str] = None  # steps | epochs: what the horizon counts
    origin: str = ""  # how the real horizon was found
    undecided: str = ""  # why nothing is decided
    outcome: str = ""  # describe_outcome's words
    notes: List[str] = field(default_factory=list)

    @property
    def mismatch(self) -> Optional[bool]:
        """LL703: True when the horizon's unit is not the measured interval's."""
        if self.unit is None or self.measured.interval not in ("step", "epoch"):
            return None
        return (self.measured.interval == "epoch") != (self.unit == "epochs")

    def figures(self) -> str:
        text = f"measured: {self.measured.figures()}"
        if self.origin:
            text += f"; {self.origin}"
        return text

    def proves(self, min_fraction: float) -> List[str]:
        """The codes whose claim the real run's figures prove."""
        if self.mismatch:
            return ["LL703"]
        if self.horizon is None or self.steps is None or self.horizon <= 0:
            return []
        end = self.measured.end
        if end == RAISES and self.steps > self.horizon:
            return ["LL701"]
        if end in (RESTARTS, ZERO) and self.steps - 1 > self.horizon:
            return ["LL701"]
        if self.steps < self.horizon * min_fraction:
            return ["LL702"]
        return []

    @property
    def decided(self) -> bool:
        return self.mismatch is False and self.horizon is not None and self.steps is not None


def _dry_quantities(dry: Dict[str, Any], loader_batches: Optional[int]) -> Dict[str, Optional[float]]:
    return {
        "trainer.estimated_stepping_batches": dry.get("estimated_stepping_batches"),
        "trainer.max_steps": dry.get("max_steps"),
        "trainer.max_epochs": dry.get("max_epochs"),
        "train_batches": loader_batches,
    }


def _dry_figures(dry: Dict[str, Any], loader_batches: Optional[int]) -> List[int]:
    """The numbers a horizon computed during the dry run may have taken from its limits."""
    figures = [
        dry.get(name)
        for name in ("estimated_stepping_batches", "max_steps", "max_epochs", "num_training_batches", "global_step")
    ]
    accumulate = dry.get("accumulate_grad_batches") or 1
    if isinstance(loader_batches, int):
        figures += [loader_batches, math.ceil(loader_batches / accumulate)]
    return [f for f in figures if isinstance(f, int)]


def _match(measured: List[MeasuredScheduler], static: List[SchedulerSpec]) -> List[Optional[SchedulerSpec]]:
    """Each measured scheduler's static counterpart: the first unused one of the same kind."""
    left = list(static)
    out: List[Optional[SchedulerSpec]] = []
    for m in measured:
        same = next((s for s in left if _base(s.kind) == m.kind), None)
        if same is not None:
            left.remove(same)
        out.append(same)
    return out


def judge(
    run: ProbeRun, spec: TrainerSpec, ctx: "RuleContext", loader_batches: Optional[int]
) -> Optional[List[Verdict]]:
    """A verdict per scheduler of the dry fit; None when the probe did not read them."""
    found = read(run)
    if found is None:
        return None
    measured, dry = found
    s = ctx.schedule(spec)
    static, _ = fitted_schedulers(spec, ctx)
    real = schedule_model.run_quantities(s)
    verdicts = []
    for m, twin in zip(measured, _match(measured, static)):
        verdict = Verdict(m, twin, twin.loc if twin is not None else spec.loc)
        verdicts.append(verdict)
        if not m.end and m.unreadable and twin is not None and twin.end:
            m.end, m.display = twin.end, twin.kind  # a lambda the static check reads as a linear decay
        if not m.end:
            verdict.undecided = f"{m.display} has no horizon"
            continue
        if s.fast_dev_run:
            verdict.undecided = "the configured run is a fast_dev_run"
            continue
        _horizon(verdict, twin, dry, loader_batches, real)
        verdict.steps = schedule_model.scheduler_steps(s, m.interval, m.frequency)
        if verdict.unit is None and verdict.horizon is not None and not verdict.undecided:
            hint = twin.horizon.unit if twin is not None and twin.horizon is not None else None
            unit, why = _unit_from_figures(verdict.horizon, real)
            verdict.unit = unit or hint
            if unit is not None:
                verdict.origin = "; ".join(x for x in (verdict.origin, why) if x)
        if verdict.horizon is not None and verdict.steps is not None:
            shown = SchedulerSpec(
                kind=m.display, loc=verdict.loc, end=m.end, interval=m.interval, frequency=m.frequency
            )
            verdict.outcome = describe_outcome(shown, verdict.horizon, verdict.steps, s)
        elif verdict.steps is None and not verdict.undecided:
            verdict.undecided = "the real run's number of scheduler steps is unknown"
    return verdicts


def _horizon(
    verdict: Verdict,
    twin: Optional[SchedulerSpec],
    dry: Dict[str, Any],
    loader_batches: Optional[int],
    real: Dict[str, Optional[float]],
) -> None:
    """The real run's horizon (see the module's docstring)."""
    m = verdict.measured
    written = twin.horizon if twin is not None and twin.horizon is not None and not twin.horizon.unknown else None
    if written is not None and written.refs:
        verdict.unit = written.unit  # a unit from a name alone (`num_steps`) is left to the figures
    if written is not None and written.refs:
        at_dry = written.resolve(_dry_quantities(dry, loader_batches))
        if m.horizon is not None and at_dry != m.horizon:
            verdict.undecided = (
                f"the dry run built {m.horizon_text}, not what `{written.text}` gives with its figures ({at_dry})"
            )
            return
        verdict.horizon = written.resolve(real)
        if verdict.horizon is None:
            verdict.undecided = f"`{written.text}` of the real run is unknown"
            return
        dry_text = f" ({m.horizon} in the dry run)" if m.horizon is not None else ""
        verdict.origin = f"the horizon is `{written.text}`: {verdict.horizon:,} in the configured run{dry_text}"
        return
    if m.horizon is not None:
        if written is not None:
            constant = written.resolve({})
            if constant != m.horizon:
                verdict.notes.append(f"the code reads as {written.text}; the dry run built {m.horizon_text}")
        possible = _dry_figures(dry, loader_batches)
        limits = [dry.get(n) for n in ("estimated_stepping_batches", "max_steps", "num_training_batches")]
        if (written is None or written.resolve({}) != m.horizon) and (
            m.horizon in possible or m.horizon <= max((x for x in limits if isinstance(x, int)), default=0)
        ):
            verdict.undecided = (
                f"{m.horizon_text} may come from the dry run's own limits "
                f"(fast_dev_run: {_dry_text(dry)}), not from the configured run"
            )
            return
        verdict.horizon = m.horizon
        return
    if written is not None:
        verdict.horizon = written.resolve({})
        if verdict.horizon is not None:
            verdict.origin = f"the horizon `{written.text}` is {verdict.horizon:,} as the code sets it"
        return
    verdict.undecided = f"the horizon of {m.display} cannot be read ({m.unreadable or 'unknown'})"


def _dry_text(dry: Dict[str, Any]) -> str:
    return ", ".join(
        f"{name}={dry[name]}"
        for name in ("estimated_stepping_batches", "max_steps", "max_epochs")
        if dry.get(name) is not None
    )


def _unit_from_figures(horizon: int, real: Dict[str, Optional[float]]) -> Tuple[Optional[str], str]:
    """A horizon equal to the real run's optimizer steps (and not its epochs) counts steps;
    one equal to its epochs (and not its steps) counts epochs. (unit, the words)."""
    steps, epochs = real.get("trainer.estimated_stepping_batches"), real.get("trainer.max_epochs")
    if steps is not None and horizon == steps and horizon != epochs:
        return "steps", f"{horizon:,} is the run's optimizer steps (estimated_stepping_batches), not its epochs"
    if epochs is not None and horizon == epochs and horizon != steps and epochs > 1:
        also = f" (its optimizer steps: {int(steps):,})" if steps is not None else ""
        return "epochs", f"{horizon:,} is the run's max_epochs{also}"
    return None, ""


# -- findings --------------------------------------------------------------------------------------


def _min_fraction(ctx: "RuleContext") -> float:
    return float(ctx.options("LL702").get("min-fraction", 0.95))


def confirmed(verdicts: List[Verdict], spec: TrainerSpec, ctx: "RuleContext", enabled: List[str]) -> List[Diagnostic]:
    """The LL701-LL703 findings the dry fit proves, with the measured figures."""
    from lightning_lint import rules

    out = []
    for v in verdicts:
        for code in v.proves(_min_fraction(ctx)):
            rule = rules.get(code)
            if rule is None or code not in enabled:
                continue
            if code == "LL703":
                message = _mismatch_text(v)
                at = v.loc
                severity = rule.severity
            else:
                message = f"{v.outcome} ({v.figures()})"
                # a Hydra scheduler node: where the static finding is (rules.lr_schedule)
                at = v.loc if v.static is not None and v.static.injected else spec.loc
                severity = Severity.ERROR if code == "LL701" and v.measured.end == RAISES else rule.severity
            out.append(
                Diagnostic(
                    code=code,
                    name=rule.name,
                    severity=severity,
                    message=message,
                    path=at.path,
                    span=at.span,
                    related=(v.loc,) if at is not v.loc else (),
                    confirmed=True,
                    properties={"scheduler": v.measured.display, "horizon": v.horizon, "scheduler_steps": v.steps},
                )
            )
    return out


def _mismatch_text(v: Verdict) -> str:
    m = v.measured
    counted = "optimizer steps" if v.unit == "steps" else "epochs"
    stepped = "once per epoch" if m.interval == "epoch" else "after every optimizer step"
    head = f"{m.display}: its horizon counts {counted} but the real run steps it {stepped}"
    tail = f" ({v.figures()})"
    if v.horizon is not None and v.steps is not None:
        unit = "epochs" if m.interval == "epoch" else "optimizer steps"
        return f"{head}; the run steps it {v.steps:,} times ({v.steps:,} {unit}) of {v.horizon:,}{tail}"
    return head + tail


def _verdict_for(d: Diagnostic, verdicts: List[Verdict]) -> Optional[Verdict]:
    if d.code == "LL703":
        return next((v for v in verdicts if v.static is not None and v.static.loc.span == d.span), None)
    kind = str(d.properties.get("scheduler") or "")
    named = [v for v in verdicts if kind and _base(kind) == v.measured.kind]
    if not named:
        named = [v for v in verdicts if v.measured.display.split(" ")[0] in d.message.split(" ")[0]]
    return named[0] if len(named) == 1 else None


def withdrawal(d: Diagnostic, verdicts: List[Verdict], ctx_min_fraction: float) -> Optional[str]:
    """Why the dry fit refutes a static LL701-LL703 finding (the LL903 message), or None
    when it does not decide it."""
    v = _verdict_for(d, verdicts)
    if v is None:
        kind = str(d.properties.get("scheduler") or "")
        if kind and d.code != "LL703" and not any(_base(kind) == x.measured.kind for x in verdicts):
            seen = "; ".join(x.measured.figures() for x in verdicts) or "none"
            return (
                f"{d.code} ({d.name}) withdrawn: the real run has no {_base(kind)} "
                f"(measured lr_scheduler_configs: {seen})"
            )
        return None
    if d.code == "LL703":
        if v.mismatch is False:
            return (
                f"{d.code} ({d.name}) withdrawn: the horizon's unit matches how the real run steps it ({v.figures()})"
            )
        return None
    if v.decided and d.code not in v.proves(ctx_min_fraction):
        return f"{d.code} ({d.name}) withdrawn: {v.outcome} ({v.figures()})"
    return None


def summary(verdicts: List[Verdict]) -> str:
    """One line for the summary: each scheduler with its figures, or why it is undecided."""
    parts = []
    for v in verdicts:
        text = v.measured.figures()
        if v.outcome:
            text += f": {v.outcome.split('; ', 1)[-1]}"
        elif v.undecided:
            text += f" ({v.undecided})"
        parts.append(text)
    return "; ".join(parts)


__all__ = ["CODES", "MeasuredScheduler", "Verdict", "confirmed", "judge", "read", "summary", "withdrawal"]
