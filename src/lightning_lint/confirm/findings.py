"""From what the probe saw to findings.

The probe reports the arguments the user's code really passed to the Trainer, the
measured train dataloaders, and what went wrong. Here that becomes:

- the *real* TrainerSpec (``configuration.py``): every argument known, placed at the
  location of the static configuration it came from;
- its schedule with the measured batches (``schedule.compute``), and the schedule rules
  run on it: their findings are *confirmed*;
- static findings of those rules that the run contradicts: withdrawn (LL903);
- Lightning's exceptions: LL902, and the rule that describes the exception confirmed;
- Lightning's warnings that a rule describes: confirmed findings of that rule.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from lightning_lint.confirm import messages, notebook
from lightning_lint.confirm import schedule as lr_schedules
from lightning_lint.confirm.configuration import Anchor, Workspace, config_files, find_anchor, real_spec
from lightning_lint.confirm.measure import Measured, MeasuredContext, measure, measured_project_facts
from lightning_lint.confirm.runner import ProbeRun
from lightning_lint.linter import suppressions
from lightning_lint.linter.engine import run_rules
from lightning_lint.model.diagnostics import Diagnostic
from lightning_lint.model.schedule import DataFacts, Schedule, compute
from lightning_lint.model.sources import PYTHON, SourceFile, decode_source
from lightning_lint.model.spec import FLAVOR_PYTHON, Extraction, Loc, Span, TrainerSpec
from lightning_lint.report.explanation import describe_stop, finding_inside

# Rules whose claim a measurement can confirm or refute: those that need the batch count
# (``needs`` D or S/D), plus the run-length, validation-cadence and resumability rules
# whose inputs may be unknown statically but are known at run time.
EXTRA_CONFIRMABLE = ("LL001", "LL003", "LL005", "LL101", "LL205", "LL208")


def confirmable_codes() -> FrozenSet[str]:
    from lightning_lint import rules

    return frozenset(r.code for r in rules.all_rules() if "D" in r.needs) | frozenset(EXTRA_CONFIRMABLE)


@dataclass
class Outcome:
    """Everything ``confirm`` reports."""

    diagnostics: List[Diagnostic] = field(default_factory=list)
    sources: Dict[str, SourceFile] = field(default_factory=dict)
    summary: List[Tuple[str, str]] = field(default_factory=list)  # (label, text) for people
    notes: List[str] = field(default_factory=list)
    error: Optional[str] = None  # confirm could not do what was asked (exit 2)
    detail: str = ""  # the end of the entry point's output, shown with the error
    facts: Optional[Dict[str, Any]] = None  # measured facts to save with --save-facts
    facts_for: Optional[Path] = None  # the file the static check reads them for
    files: List[str] = field(default_factory=list)  # files whose static findings are included
    config_rejected: bool = False  # LightningCLI refused the config before building anything


# -- putting it together --------------------------------------------------------------------------


def interpret(
    run: ProbeRun, ws: Workspace, entry_files: List[Path], args: List[str], entry_label: str, batches: int
) -> Outcome:
    out = Outcome()
    missing = run.first("missing")
    if missing:
        out.error = (
            f"`confirm` runs your training code with the real Lightning, but {' and '.join(missing['modules'])} "
            f"cannot be imported by {run.command[0]}. Install them in that environment: "
            "`pip install 'lightning-lint[confirm]'` (or `pip install torch lightning`), "
            "or pass the interpreter that has them with --python"
        )
        return out
    setup = run.first("setup_error")
    if setup:
        out.error = setup.get("message", "the requested device is not available")
        return out

    configs = config_files(args, ws.cwd)
    for path in entry_files + configs:
        ws.lint(path)
    trainers = run.of("trainer")
    fit = run.first("fit")
    record = None
    if fit is not None:
        record = next((t for t in trainers if t.get("index") == fit.get("index")), None)
    if record is None and trainers:
        record = trainers[-1]
    hydra = run.first("hydra")
    if hydra and hydra.get("config_file"):
        ws.lint(Path(hydra["config_file"]))

    anchor = find_anchor(ws, record, configs, hydra, args) if record is not None else None
    if anchor is not None and anchor.path is not None:
        ws.lint(anchor.path)
    static = sorted((d for r in ws.results.values() for d in r.diagnostics), key=Diagnostic.sort_key)
    static = notebook.module_view(static, ws)  # a notebook's findings in the lines the run reports
    out.files = [r.path for r in ws.results.values()]

    confirmed: List[Diagnostic] = []
    measured = measure(run, record) if record is not None else None
    schedule: Optional[Schedule] = None
    verdicts: Optional[List[lr_schedules.Verdict]] = None
    if record is not None and anchor is not None:
        out.summary.append(("trainer", anchor.description))
        for note in record.get("notes") or []:
            out.notes.append(note)
        spec = real_spec(record, anchor)
        data = measured.data_facts() if measured is not None and measured.batches is not None else DataFacts()
        schedule = compute(spec, data)
        if fit is not None:
            confirmed, verdicts = _run_confirmable_rules(ws, anchor, spec, data, measured, run)
            if verdicts:
                out.summary.append(("schedulers", lr_schedules.summary(verdicts)))
                static.extend(_scheduler_findings(ws, verdicts, static))
        if measured is not None:
            _report_measurement(measured, anchor, entry_label, out)
        if fit is not None:
            stop = describe_stop(schedule)
            out.summary.append(
                (
                    "schedule",
                    f"when training stops is {stop}" if stop.startswith("unknown") else f"training stops {stop}",
                )
            )

    diagnostics = _merge(static, confirmed, anchor, measured, schedule, ws, verdicts)
    diagnostics.extend(_errors(run, ws, anchor, fit, diagnostics, out))
    if record is None:
        rejection = _cli_rejection(run, ws, configs, diagnostics)
        if rejection is not None:
            diagnostics.append(rejection)
            out.config_rejected = True
    diagnostics = _mark_warnings(run, ws, anchor, record, diagnostics, out)
    out.diagnostics = sorted(_dedupe(diagnostics), key=Diagnostic.sort_key)
    _dry_run_summary(run, batches, out)
    if out.error is None:
        out.error = _incomplete(run, record, fit, out)
    notebook.by_cell(out, ws, entry_files)  # a notebook's places by cell, in findings and texts
    for d in out.diagnostics:
        if d.path not in out.sources:
            source = ws.source(Path(d.path) if os.path.isabs(d.path) else ws.cwd / d.path)
            if source is not None:
                out.sources[d.path] = source
    return out


def _scheduler_findings(
    ws: Workspace, verdicts: List[lr_schedules.Verdict], static: List[Diagnostic]
) -> List[Diagnostic]:
    """The static LL703 findings at the schedulers the dry fit built, from the files that
    define them (the module is often not among the files the run names)."""
    found = []
    for v in verdicts:
        if v.static is None:
            continue
        result = ws.lint(Path(v.static.loc.path) if os.path.isabs(v.static.loc.path) else ws.cwd / v.static.loc.path)
        for d in result.diagnostics if result is not None else []:
            if d.code == "LL703" and d.span == v.static.loc.span and d not in static and d not in found:
                found.append(d)
    return found


def _report_measurement(measured: Measured, anchor: Anchor, entry_label: str, out: Outcome) -> None:
    out.notes.extend(measured.notes)
    kinds = ", ".join(sorted(set(measured.kinds)))
    resumable = {
        True: f"{kinds} keeps its position: resumable mid-epoch",
        False: f"a plain {kinds}: cannot resume mid-epoch",
        None: kinds,
    }[measured.stateful]
    batches = f"{measured.batches} batches per epoch" if measured.batches is not None else "batches per epoch unknown"
    out.summary.append(("measured", f"{batches} ({measured.detail}); {resumable}"))
    if measured.batches is not None:
        out.facts = measured.saved_facts(entry_label)
        out.facts_for = anchor.path


def _run_confirmable_rules(
    ws: Workspace, anchor: Anchor, spec: TrainerSpec, data: DataFacts, measured: Optional[Measured], run: ProbeRun
) -> Tuple[List[Diagnostic], Optional[List[lr_schedules.Verdict]]]:
    path = anchor.path or ws.cwd / "<unknown>"
    settings = ws.resolver.for_path(path)
    project = ws.linter.projects.for_path(path)
    source = ws.source(path) if anchor.path is not None else None
    if source is None:
        source = decode_source(b"", anchor.display, PYTHON)
    extraction = Extraction(path=anchor.display, kind=source.kind, trainers=[spec], callbacks=list(spec.callbacks))
    ctx = MeasuredContext(
        source,
        settings,
        project,
        extraction,
        Path(os.path.abspath(path)),
        data=data,
        project_facts=measured_project_facts(project, measured, anchor),
    )
    enabled = ws.linter.enabled_codes(settings, path)
    codes = [code for code in enabled if code in confirmable_codes()]
    found = run_rules(codes, extraction, ctx)
    # the schedulers the dry fit built decide LL701-LL703 (confirm/schedule.py)
    verdicts = lr_schedules.judge(run, spec, ctx, measured.batches if measured is not None else None)
    if verdicts is not None:
        found = [d for d in found if d.code not in lr_schedules.CODES]
        found += lr_schedules.confirmed(verdicts, spec, ctx, list(enabled))

    found = suppressions.apply(found, source, set(enabled) - {"LL904"})
    # LL003 says the run could not decide which limit stops first: true, but not a proof
    return [d if d.code == "LL003" else d.with_changes(confirmed=True) for d in found], verdicts


def _merge(
    static: List[Diagnostic],
    confirmed: List[Diagnostic],
    anchor: Optional[Anchor],
    measured: Optional[Measured],
    schedule: Optional[Schedule],
    ws: Workspace,
    verdicts: Optional[List[lr_schedules.Verdict]] = None,
) -> List[Diagnostic]:
    """Static findings with the confirmed ones in place of the static ones they settle."""
    confirmable = confirmable_codes()
    codes = {d.code for d in confirmed}
    decided = measured is not None and measured.batches is not None and schedule is not None
    out: List[Diagnostic] = []
    for d in static:
        if verdicts is not None and d.code in lr_schedules.CODES and anchor is not None and anchor.spec is not None:
            if d.code == "LL703" or finding_inside(d, anchor.spec):
                settled = _schedule_settled(d, confirmed, verdicts, ws)
                if settled is not None:
                    out.append(d if settled is False else settled)
                continue
        if anchor is not None and anchor.spec is not None and d.code in confirmable and finding_inside(d, anchor.spec):
            if d.code in codes:
                continue  # the confirmed finding, with the measured numbers, replaces it
            if d.code == "LL003" and "LL002" in codes:
                continue  # "which limit stops first?" is answered by the confirmed LL002
            if decided:
                assert measured is not None and schedule is not None  # what `decided` says
                withdrawn = _withdrawn(d, measured, schedule, ws)
                if withdrawn is not None:
                    out.append(withdrawn)
                continue
        out.append(d)
    out.extend(confirmed)
    return out


def _schedule_settled(
    d: Diagnostic, confirmed: List[Diagnostic], verdicts: List[lr_schedules.Verdict], ws: Workspace
) -> Any:
    """A static LL701-LL703 finding against the schedulers the dry fit built: None when a
    confirmed finding replaces it, an LL903 when the run refutes it, False when the run
    does not decide it (the static finding stays)."""
    same = [c for c in confirmed if c.code == d.code]
    if d.code == "LL703":
        same = [c for c in same if (c.path, c.span) == (d.path, d.span)]
    if same:
        return None
    path = Path(d.path) if os.path.isabs(d.path) else ws.cwd / d.path
    minimum = float(ws.resolver.for_path(path).options_for("LL702").get("min-fraction", 0.95))
    reason = lr_schedules.withdrawal(d, verdicts, minimum)
    if reason is None:
        return False
    return _withdrawn(d, None, None, ws, reason) or None


def _withdrawn(
    d: Diagnostic, measured: Optional[Measured], schedule: Optional[Schedule], ws: Workspace, reason: str = ""
) -> Optional[Diagnostic]:
    from lightning_lint import rules

    settings = ws.resolver.for_path(Path(d.path) if os.path.isabs(d.path) else ws.cwd / d.path)
    if "LL903" not in ws.linter.enabled_codes(settings, ws.cwd / d.path):
        return None
    rule = rules.get("LL903")
    assert rule is not None  # a rule of the tool's own (rules/tool.py)
    message = reason
    if measured is not None and schedule is not None:
        message = (
            f"{d.code} ({d.name}) withdrawn: confirm measured {measured.batches} training batches per epoch "
            f"({measured.text}); training stops {describe_stop(schedule)}"
        )
    return Diagnostic(
        code="LL903",
        name=rule.name,
        severity=rule.severity,
        message=message,
        path=d.path,
        span=d.span,
        help=f"the static finding was: {d.message}",
        key_path=d.key_path,
        confirmed=True,
    )


def _tool(code: str, message: str, loc: Loc, help: Optional[str] = None) -> Diagnostic:
    from lightning_lint import rules

    rule = rules.get(code)
    assert rule is not None, code
    return Diagnostic(
        code=code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        path=loc.path,
        span=loc.span,
        help=help,
        confirmed=True,
    )


def _first_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    short = " ".join(lines[:count])
    return short[:600] + ("..." if len(short) > 600 else "")


def _mentioned(message: str, spec: Optional[TrainerSpec]) -> Optional[Loc]:
    """The written argument an exception message names, if any."""
    if spec is None:
        return None
    for name, value in spec.args.items():
        if value.anchor is not None and re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message):
            return value.anchor
    return None


def _innermost_user_frame(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    return next((f for f in event.get("frames", []) if not f.get("library")), None)


def _raised_by_lightning(event: Dict[str, Any]) -> bool:
    frames = event.get("frames") or []
    innermost = frames[0]["file"].replace(os.sep, "/") if frames else ""
    module = str(event.get("module", ""))
    return module.split(".")[0] in ("lightning", "pytorch_lightning", "lightning_fabric") or any(
        part in innermost for part in ("/lightning/", "/pytorch_lightning/", "/lightning_fabric/")
    )


def _errors(
    run: ProbeRun,
    ws: Workspace,
    anchor: Optional[Anchor],
    fit: Optional[Dict[str, Any]],
    found: List[Diagnostic],
    out: Outcome,
) -> List[Diagnostic]:
    """LL902 for the exceptions of the configuration and of the dry fit."""
    results = []
    for event in run.of("error") + [e for e in run.of("crash") if _raised_by_lightning(e)]:
        stage = event.get("stage", "")
        message = _first_lines(event.get("message", ""))
        if stage == "trainer":
            what = "building the Trainer raised"
            loc = _mentioned(event.get("message", ""), anchor.spec if anchor else None) or (
                anchor.loc if anchor else None
            )
        elif stage == "fit":
            what = "the dry fit raised"
            frame = _innermost_user_frame(event)
            at_fit = (
                frame is not None
                and fit is not None
                and fit.get("site")
                and (frame.get("file"), frame.get("line")) == (fit["site"].get("file"), fit["site"].get("line"))
            )
            if frame is not None and not at_fit:
                loc = ws.line_loc(Path(frame["file"]), int(frame["line"]))
            else:
                loc = _mentioned(event.get("message", ""), anchor.spec if anchor else None) or (
                    anchor.loc if anchor else None
                )
        else:
            what = "building a Lightning object raised"
            loc = _crash_location(event, ws, anchor)
        if loc is None:
            frame = _innermost_user_frame(event)
            loc = ws.line_loc(Path(frame["file"]), int(frame["line"])) if frame else Loc("<unknown>", Span(1, 1, 1, 2))
        code = messages.error_code(event.get("message", ""))
        help_text = None
        if code is not None:
            from lightning_lint import rules

            rule = rules.get(code)
            help_text = f"{code} ({rule.name if rule else ''}) describes this: `lightning-lint rule {code}`"
            _confirm_code(found, code, loc.path)
        results.append(_tool("LL902", f"{what} {event.get('type', 'an exception')}: {message}", loc, help_text))
        out.detail = event.get("traceback", "")
    return results


_PARSER_ERROR = re.compile(r'error: Parser key "([^"]+)":?\s*(.*)', re.S)


def _cli_rejection(run: ProbeRun, ws: Workspace, configs: List[Path], found: List[Diagnostic]) -> Optional[Diagnostic]:
    """LightningCLI (jsonargparse) refusing a config value: its error names the key; the
    finding goes to that key in the config file."""
    exit_event = run.first("exit")
    if exit_event is None or exit_event.get("code") in (0, None):
        return None
    match = _PARSER_ERROR.search(run.stderr_tail)
    if match is None:
        return None
    key, detail = match.group(1), _first_lines(match.group(2), 8)
    loc = None
    for path in reversed(configs):
        extraction = ws.extraction(path)
        for spec in extraction.trainers if extraction is not None else []:
            for value in list(spec.args.values()):
                written = value.key_path
                if written and value.anchor is not None and (written == key or written.endswith("." + key)):
                    loc = value.anchor
            if loc is None:
                loc = spec.loc
        if loc is not None:
            break
    if loc is None:
        if not configs:
            return None
        loc = ws.line_loc(configs[-1], 1)
    for i, d in enumerate(found):
        if os.path.abspath(d.path) == os.path.abspath(loc.path) and d.span.start_line == loc.span.start_line:
            found[i] = d.with_changes(confirmed=True)
    return _tool("LL902", f'LightningCLI rejected the configuration: key "{key}": {detail}', loc)


def _crash_location(event: Dict[str, Any], ws: Workspace, anchor: Optional[Anchor]) -> Optional[Loc]:
    """Where a Lightning object that the user's code (or LightningCLI) built is written."""
    built = next((f for f in event.get("frames", []) if f.get("self_type")), None)
    if anchor is not None and anchor.spec is not None and anchor.spec.flavor != FLAVOR_PYTHON:
        for callback in anchor.spec.callbacks:
            if built is not None and callback.kind == built.get("self_type"):
                return callback.loc
        return anchor.loc
    frame = _innermost_user_frame(event)
    return ws.line_loc(Path(frame["file"]), int(frame["line"])) if frame else None


def _confirm_code(found: List[Diagnostic], code: str, path: str) -> None:
    for i, d in enumerate(found):
        if d.code == code and os.path.abspath(d.path) == os.path.abspath(path):
            found[i] = d.with_changes(confirmed=True)


def _mark_warnings(
    run: ProbeRun,
    ws: Workspace,
    anchor: Optional[Anchor],
    record: Optional[Dict[str, Any]],
    found: List[Diagnostic],
    out: Outcome,
) -> List[Diagnostic]:
    """Lightning's warnings that a rule describes confirm that rule's finding (or add it)."""
    moved = bool(record and any("moved to the CPU" in n for n in record.get("notes") or []))
    other = []
    for event in run.of("warning"):
        text = str(event.get("message", ""))
        code = messages.warning_code(text)
        if code == "LL405" and moved:
            continue  # the run was moved to the CPU by confirm, not by the configuration
        if code is None:
            if _lightning_warning(event) and not messages.is_noise(text):
                other.append(_first_lines(text, 1))
            continue
        if anchor is None:
            continue
        settings = ws.resolver.for_path(anchor.path or ws.cwd)
        if code not in ws.linter.enabled_codes(settings, anchor.path or ws.cwd):
            continue
        existing = [
            i
            for i, d in enumerate(found)
            if d.code == code and anchor.spec is not None and finding_inside(d, anchor.spec)
        ]
        if existing:
            for i in existing:
                found[i] = found[i].with_changes(confirmed=True)
        else:
            found.append(
                _rule_diagnostic(code, f"Lightning warned during the dry run: {_first_lines(text, 2)}", anchor.loc)
            )
    for text in sorted(set(other))[:5]:
        out.notes.append(f"Lightning warned: {text}")
    return found


def _lightning_warning(event: Dict[str, Any]) -> bool:
    path = str(event.get("file", "")).replace(os.sep, "/")
    category = str(event.get("category", ""))
    if category in ("FutureWarning", "DeprecationWarning", "PendingDeprecationWarning"):
        return False
    return (
        category in ("PossibleUserWarning", "LightningDeprecationWarning")
        or "/lightning/" in path
        or "/pytorch_lightning/" in path
    )


def _rule_diagnostic(code: str, message: str, loc: Loc) -> Diagnostic:
    from lightning_lint import rules

    rule = rules.get(code)
    assert rule is not None, code
    return Diagnostic(
        code=code, name=rule.name, severity=rule.severity, message=message, path=loc.path, span=loc.span, confirmed=True
    )


def _dry_run_summary(run: ProbeRun, batches: int, out: Outcome) -> None:
    built = run.first("trainer_built")
    done = run.first("fit_done")
    where = ""
    if built:
        where = f" on {built.get('device') or built.get('accelerator')}"
    if done:
        out.summary.append(
            (
                "dry run",
                f"fast_dev_run={batches}{where}: {done.get('global_step')} optimizer steps "
                f"in {done.get('seconds', 0):.2f}s: the configuration builds and trains",
            )
        )
    elif out.config_rejected:
        out.summary.append(("dry run", "LightningCLI rejected the configuration before building the Trainer"))
    elif run.of("error"):
        stage = run.of("error")[-1].get("stage")
        out.summary.append(
            (
                "dry run",
                "failed while building the Trainer" if stage == "trainer" else f"fast_dev_run={batches}{where} failed",
            )
        )


def _incomplete(
    run: ProbeRun, record: Optional[Dict[str, Any]], fit: Optional[Dict[str, Any]], out: Outcome
) -> Optional[str]:
    """Why the run did not get as far as it should (exit 2), or None."""
    if run.timed_out:
        return (
            f"stopped after {run.seconds:.0f}s (--timeout) while {run.stage}; "
            "raise --timeout if the entry point needs longer to reach `fit`"
        )
    if run.first("fit_done") or run.of("error") or out.config_rejected:
        return None
    crash = run.first("crash")
    if crash is not None and _raised_by_lightning(crash):
        return None  # reported as LL902
    if crash is not None:
        frame = _innermost_user_frame(crash)
        where = f" at {frame['file']}:{frame['line']}" if frame else ""
        out.detail = crash.get("traceback", "")
        return (
            f"the entry point raised {crash.get('type')}: {_first_lines(crash.get('message', ''), 2)}{where}, "
            "before `Trainer.fit`"
        )
    exit_event = run.first("exit")
    status = exit_event.get("code") if exit_event else run.returncode
    out.detail = run.stderr_tail
    status_text = "" if status in (0, None) else f" with status {status}"
    if fit is None and record is not None:
        return f"the entry point ended{status_text} without calling `Trainer.fit`; nothing was measured"
    if record is None:
        if not run.first("running"):
            return f"the probe could not start ({run.command[0]} exited with status {run.returncode})"
        return f"the entry point ended{status_text} without building a Lightning `Trainer`"
    return f"the run ended unexpectedly (exit status {run.returncode}) while {run.stage}"


def _dedupe(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    seen = set()
    out = []
    for d in diagnostics:
        key = (d.code, os.path.abspath(d.path), d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
