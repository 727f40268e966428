"""The schedule of a Trainer configuration as a person wants to read it, with the findings
about it: what ``lightning-lint explain PATH[:LINE]`` prints (``commands/explain.py``)
and what ``confirm`` says of the run it measured."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

from lightning_lint.model import fit_graph
from lightning_lint.model.diagnostics import Diagnostic
from lightning_lint.model.schedule import INF, Schedule, checkpoint_plan
from lightning_lint.model.spec import TrainerSpec


def finding_inside(diagnostic: Diagnostic, spec: TrainerSpec) -> bool:
    """Whether a finding points into this Trainer configuration (its call or section,
    its arguments, its callbacks)."""
    if os.path.abspath(diagnostic.path) != os.path.abspath(spec.loc.path):
        return False
    values = list(spec.args.values())
    values += [c.value for v in spec.args.values() for c in v.candidates]
    locs = [spec.loc] + [loc for loc in (v.anchor or v.value_loc for v in values) if loc is not None]
    locs += [cb.loc for cb in spec.callbacks]
    locs += [v.loc for cb in spec.callbacks for v in cb.args.values() if v.loc is not None]
    line = diagnostic.span.start_line
    return any(loc.span.start_line <= line <= loc.span.end_line for loc in locs)


def _limit(s: Schedule, spec: TrainerSpec) -> List[Tuple[str, str]]:
    rows = []
    for name in (
        "max_epochs",
        "max_steps",
        "max_time",
        "min_epochs",
        "min_steps",
        "limit_train_batches",
        "accumulate_grad_batches",
        "fast_dev_run",
        "overfit_batches",
    ):
        value = spec.get(name)
        if value.known or value.unknown:
            rows.append(
                (
                    name,
                    spec.show(name).split("=", 1)[-1].split(": ", 1)[-1]
                    if value.known
                    else f"<unknown: {value.reason}>",
                )
            )
    return rows


def explain_spec(spec: TrainerSpec, ctx, diagnostics: List[Diagnostic]) -> Dict[str, Any]:
    s: Schedule = ctx.schedule(spec)
    report: Dict[str, Any] = {
        "trainer": spec.description or f"Trainer at {spec.loc.path}:{spec.loc.span.start_line}",
        "path": spec.loc.path,
        "line": spec.loc.span.start_line,
        "role": spec.role,
        "depends_on": _branches(spec),
        "written": dict(_limit(s, spec)),
        "batches_per_epoch": s.describe_batches(),
        "steps_per_epoch": s.steps_per_epoch,
        "epoch_limit": _epoch_limit(s),
        "stop": describe_stop(s),
        "validation": _validation(s),
        "checkpoints": _checkpoints(spec, s, ctx.target),
        "training_data": _training_data(ctx),
        "logging": _logging(s),
        "fit_graph": _fit_graph(spec, ctx),
        "lr_schedulers": lr_schedulers(spec, ctx),
        "unknowns": dict(s.unknowns),
        "notes": list(s.notes),
        "findings": [
            {
                "code": d.code,
                "name": d.name,
                "severity": d.severity.label,
                "line": d.span.start_line,
                "message": d.message,
            }
            for d in diagnostics
            if finding_inside(d, spec)
        ],
    }
    if spec.extras.get("subclass"):
        own = spec.extras.get("own_args") or {}
        consumed = f"; it consumes {', '.join(f'`{k}`' for k in own)}" if own else ""
        report["notes"].append(f"the Trainer is {spec.extras['subclass']}{consumed}")
    if spec.callbacks_open:
        report["notes"].append(f"the callbacks may hold more than seen: {spec.callbacks_open}")
    if spec.open_reason:
        report["notes"].append(f"arguments not written here may be set elsewhere: {spec.open_reason}")
    if not spec.assumed_training:
        report["notes"].append("this Trainer is not seen training; the training-only rules do not judge it")
    elif spec.trains is None:
        report["notes"].append("no `fit` call is visible; explained as a training run")
    return report


def _branches(spec: TrainerSpec) -> Dict[str, str]:
    """The arguments that depend on a branch, with each candidate and its condition:
    ``strategy: "ddp" when args.n > 1; "dp" when args.n <= 1``."""
    from lightning_lint.model.spec import describe
    from lightning_lint.model.variants import phrase

    found = {}
    for name, value in spec.args.items():
        if value.candidates:
            found[name] = "; ".join(
                f"{'(not set)' if c.value.absent else describe(c.value)} when "
                + (" and ".join(phrase(test, holds) for test, holds in c.when) or "otherwise")
                for c in value.candidates
            )
    return found


def _fit_graph(spec: TrainerSpec, ctx) -> str:
    """What the Trainer's ``fit`` receives, resolved across the project."""
    if spec.fit_graph is None:
        return "unknown: no `fit` call is visible" if spec.flavor == "python" else "unknown: no `model:`/`data:` node"
    text = fit_graph.describe(spec.fit_graph, ctx.facts)
    if spec.fit_graph.unresolved_reason:
        text += f" (not followed: {spec.fit_graph.unresolved_reason})"
    return text


def lr_schedulers(spec: TrainerSpec, ctx: Any) -> List[str]:
    """Each LR scheduler of the trained module: its unit, horizon, and what happens at the
    end of the run ("OneCycleLR over 1,000 optimizer steps, stepped per optimizer step; the
    run steps it 5,000 times: raises ... at optimizer step 1,001")."""
    from lightning_lint.rules import lr_schedule

    schedulers, assumption = lr_schedule.fitted_schedulers(spec, ctx)
    s: Schedule = ctx.schedule(spec)
    lines = []
    for scheduler in schedulers:
        where = f" ({scheduler.loc.path}:{scheduler.loc.span.start_line})"
        if scheduler.horizon is None:
            lines.append(f"{scheduler.describe()}: no horizon{where}")
            continue
        mismatch = lr_schedule.horizon_mismatch(scheduler)
        if mismatch is not None:
            lines.append(f"{scheduler.describe()}: {mismatch}{where}")
            continue
        horizon, steps = lr_schedule.scheduler_figures(scheduler, s)
        if horizon is not None and steps is not None and horizon > 0:
            lines.append(lr_schedule.describe_outcome(scheduler, horizon, steps, s) + where + assumption)
            continue
        why = (scheduler.horizon.unknown if horizon is None else None) or "the run's length is unknown"
        lines.append(f"{scheduler.describe()} over `{scheduler.horizon.text}`: {why}{where}")
    return lines


def _epoch_limit(s: Schedule) -> str:
    if s.epoch_limit is None:
        return "unknown"
    if s.epoch_limit == -1:
        return f"none ({s.epoch_limit_reason})"
    return f"{s.epoch_limit} ({s.epoch_limit_reason})"


def describe_stop(s: Schedule) -> str:
    """When and why training stops, in words (also used by ``confirm``)."""
    if s.stopped_by == "no_training":
        return "immediately: nothing is trained"
    if s.stopped_by is None:
        if s.total_steps == INF:
            return "only max_time, a callback or an interruption ends training"
        if s.batches is None and s.epoch_limit not in (None, -1) and s.max_steps == -1:
            return f"after {s.epoch_limit} epochs (the number of steps depends on the dataset)"
        if s.batches is None and s.epoch_limit == -1 and isinstance(s.max_steps, int) and s.max_steps > 0:
            return f"at step {s.max_steps} (max_steps; epochs are unbounded)"
        why = ", ".join(f"{k}: {v}" for k, v in s.unknowns.items()) or "the batches per epoch are unknown"
        return f"unknown ({why})"
    bound = "" if s.batches_exact else " at most"
    if s.stopped_by == "max_epochs":
        assert s.total_steps is not None  # _outcome sets it together with stopped_by
        return (
            f"at step {int(s.total_steps)}{bound}: max_epochs={s.epoch_limit} ends training "
            f"({s.steps_per_epoch} steps per epoch)"
            + (f"; max_steps={s.max_steps} is not reached" if s.max_steps not in (-1, None) else "")
        )
    return f"at step {s.max_steps} (max_steps), in epoch {s.final_epoch}"


def _validation(s: Schedule) -> str:
    v = s.validation
    if v is None:
        return "unknown"
    text = v.describe()
    if v.enabled is not False and v.runs is not None:
        text += f"; {v.runs} validation run{'s' if v.runs != 1 else ''} in the fit"
        if v.last_epoch_validated is False:
            text += " (the end of training is not validated)"
    if v.enabled is None and not s.fast_dev_run:
        text += " (if the model defines validation)"
    return text


def _checkpoints(spec: TrainerSpec, s: Schedule, target: Any = None) -> List[str]:
    from lightning_lint.model.spec import CallbackSpec
    from lightning_lint.rules.common import default_checkpoint_active

    found = [_checkpoint(cb, s, target=target) for cb in spec.callbacks if cb.kind == "ModelCheckpoint"]
    active = default_checkpoint_active(spec)
    if not found and active:
        default = CallbackSpec("ModelCheckpoint", "ModelCheckpoint", {}, spec.loc)
        found.append(_checkpoint(default, s, "the default ModelCheckpoint"))
    elif not found:
        found.append("none (checkpointing is disabled)" if active is False else "unknown")
    return found


def _checkpoint(cb, s: Schedule, label: str = "", target: Any = None) -> str:
    from lightning_lint.rules.checkpoints import last_follows_top_k

    plan = checkpoint_plan(cb, s, s.validation)
    name = cb.label() + (f" ({cb.qualname.rsplit('.', 1)[-1]})" if cb.extras.get("subclass") else "")
    text = f"{label or name + ' at line ' + str(cb.loc.span.start_line)}: {plan.describe()}"
    if plan.saves is not None:
        text += f"; {plan.saves} save{'s' if plan.saves != 1 else ''}"
    if plan.final_saved is False and plan.saves:
        text += "; the final weights are not saved by this trigger"
    if target is not None and last_follows_top_k(cb, target):
        text += (
            f"; last.ckpt follows the best checkpoint (written only when `{cb.get('monitor').data}` improves), "
            "not the final state (Lightning >= 2.6)"
        )
    return text


def _training_data(ctx: Any) -> str:
    """The kind of data the project's train loaders read, and what a mid-epoch resume sees."""
    from lightning_lint.model.facts import describe_training_data

    facts = ctx.facts
    if facts.stateful_loaders:
        name, loc = facts.stateful_loaders[0]
        return f"a loader that keeps its position (`{name}` at {loc.path}:{loc.span.start_line})"
    data = facts.training_data()
    return describe_training_data(data) if data.kind is not None else ""


def _logging(s: Schedule) -> str:
    if s.log_every_n_steps is None:
        return "unknown"
    if s.log_every_n_steps == 0:
        return "training metrics are not logged per step (log_every_n_steps=0)"
    text = f"every {s.log_every_n_steps} optimizer steps"
    if s.accumulate and s.accumulate > 1:
        text += f" (= every {s.log_every_n_steps * s.accumulate} batches with accumulate_grad_batches={s.accumulate})"
    return text


def render(report: Dict[str, Any]) -> str:
    cell = f"cell {report['cell']}:" if report.get("cell") is not None else ""  # a notebook's Trainer
    lines = [f"{report['path']}:{cell}{report['line']}: {report['trainer']}"]
    written = ", ".join(f"{k}={v}" for k, v in report["written"].items()) or "nothing (Lightning's defaults)"
    rows = [("role", report["role"]), ("written", written)]
    rows += [(f"  {name}", branches) for name, branches in report["depends_on"].items()]
    rows += [
        ("batches/epoch", report["batches_per_epoch"]),
        (
            "steps/epoch",
            report["steps_per_epoch"] if report["steps_per_epoch"] is not None else "unknown: depends on the dataset",
        ),
        ("epoch limit", report["epoch_limit"]),
        ("training stops", report["stop"]),
        ("validation", report["validation"]),
    ]
    rows += [("checkpoint", c) for c in report["checkpoints"]]
    if report.get("training_data"):
        rows.append(("training data", report["training_data"]))
    rows.append(("logging", report["logging"]))
    if report.get("fit_graph"):
        rows.append(("fit graph", report["fit_graph"]))
    rows += [("lr scheduler", line) for line in report.get("lr_schedulers", [])]
    width = max(len(k) for k, _ in rows)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
    for note in report["notes"]:
        lines.append(f"  note: {note}")
    if report["findings"]:
        lines.append("  findings:")
        lines += [
            f"    {'cell {}:'.format(f['cell']) if f.get('cell') is not None else ''}{f['line']}: {f['code']} {f['message']}"
            for f in report["findings"]
        ]
    else:
        lines.append("  findings: none")
    lines.append(
        "  (tell lightning-lint the batches per epoch in [tool.lightning-lint.facts], or run "
        "`lightning-lint confirm`, to decide what depends on the dataset)"
        if report["steps_per_epoch"] is None
        else ""
    )
    return "\n".join(line for line in lines if line)
