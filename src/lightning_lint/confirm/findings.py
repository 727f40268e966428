"""From what the probe saw to findings.

The probe reports the arguments the user's code really passed to the Trainer, the
measured train dataloaders, and what went wrong. Here that becomes:

- the *real* TrainerSpec: every argument known, placed at the location of the static
  configuration it came from (the ``Trainer(...)`` call, the LightningCLI or Hydra YAML);
- its schedule with the measured batches (``schedule.compute``), and the schedule rules
  run on it: their findings are *confirmed*;
- static findings of those rules that the run contradicts: withdrawn (LL903);
- Lightning's exceptions: LL902, and the rule that describes the exception confirmed;
- Lightning's warnings that a rule describes: confirmed findings of that rule.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from lightning_lint.confirm import messages
from lightning_lint.confirm.probe import CALLBACK_ATTRIBUTES
from lightning_lint.confirm.runner import ProbeRun
from lightning_lint.linter import suppressions
from lightning_lint.linter.diagnostics import Diagnostic
from lightning_lint.linter.engine import EXTRACTORS, FileResult, Linter, RuleContext, run_rules
from lightning_lint.linter.explain import describe_stop, finding_inside
from lightning_lint.linter.model import (
    KNOWN, Call, CallbackSpec, Extraction, FLAVOR_PYTHON, Loc, RunCall, Span, TrainerSpec, Value,
)
from lightning_lint.linter.schedule import DataFacts, Schedule, compute
from lightning_lint.linter.settings import SettingsResolver
from lightning_lint.linter.sources import PYTHON, SourceFile, UnreadableSource, decode_source, read_source

# Rules whose claim a measurement can confirm or refute: those that need the batch count
# (``needs`` D or S/D), plus the run-length, validation-cadence and resumability rules
# whose inputs may be unknown statically but are known at run time.
EXTRA_CONFIRMABLE = ("LL001", "LL003", "LL005", "LL101", "LL205", "LL208")
PLAIN_SAMPLERS = ("torch.utils.data.sampler.SequentialSampler", "torch.utils.data.sampler.RandomSampler")
PLAIN_BATCH_SAMPLER = "torch.utils.data.sampler.BatchSampler"
RUNTIME_OBJECT = "an object built at run time"


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


# -- the static side ----------------------------------------------------------------------------


class Workspace:
    """Lints the files the run involves and keeps their sources and extractions."""

    def __init__(self, resolver: SettingsResolver, cwd: Path) -> None:
        self.resolver = resolver
        self.linter = Linter(resolver)
        self.cwd = cwd
        self.results: Dict[Path, FileResult] = {}
        self._extractions: Dict[Path, Optional[Extraction]] = {}
        self._sources: Dict[Path, Optional[SourceFile]] = {}

    def display(self, path: Path) -> str:
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.cwd).as_posix()
        except ValueError:
            return absolute.as_posix()

    def lint(self, path: Path) -> Optional[FileResult]:
        path = Path(os.path.abspath(path))
        if path not in self.results:
            if not path.is_file() or path.suffix not in (".py", ".yaml", ".yml"):
                return None
            self.results[path] = self.linter.lint_path(path, self.display(path))
        return self.results[path]

    def extraction(self, path: Path) -> Optional[Extraction]:
        path = Path(os.path.abspath(path))
        if path not in self._extractions:
            result = self.lint(path)
            extraction = None
            if result is not None and result.parsed and result.source is not None:
                try:
                    settings = self.resolver.for_path(path)
                    extraction = EXTRACTORS[result.source.kind](result.source, settings, path)
                except Exception:  # noqa: BLE001 - the file's own LL900 is already reported
                    extraction = None
            self._extractions[path] = extraction
        return self._extractions[path]

    def source(self, path: Path) -> Optional[SourceFile]:
        path = Path(os.path.abspath(path))
        result = self.results.get(path)
        if result is not None and result.source is not None:
            return result.source
        if path not in self._sources:
            try:
                self._sources[path] = read_source(path, self.display(path))
            except (UnreadableSource, OSError):
                self._sources[path] = None
        return self._sources[path]

    def line_loc(self, path: Path, line: int) -> Loc:
        """The code on one line (without its indentation), for a finding at a frame."""
        source = self.source(path)
        text = source.line(line) if source is not None and 1 <= line <= source.line_count else ""
        start = len(text) - len(text.lstrip()) + 1
        return Loc(self.display(path), Span(line, start, line, max(len(text.rstrip()) + 1, start + 1)))


def config_files(args: List[str], cwd: Path) -> List[Path]:
    """YAML files named by ``--config FILE``, ``--config=FILE`` or ``-c FILE`` (LightningCLI,
    and many argparse scripts), in order."""
    found = []
    for i, arg in enumerate(args):
        value = None
        if arg in ("--config", "-c") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--config="):
            value = arg.split("=", 1)[1]
        if value and value.endswith((".yaml", ".yml")):
            path = Path(value) if os.path.isabs(value) else cwd / value
            if path.is_file():
                found.append(Path(os.path.abspath(path)))
    return found


# -- where the Trainer's configuration is written ------------------------------------------------


@dataclass
class Anchor:
    """The static configuration the real Trainer came from."""

    path: Optional[Path]  # absolute; None when the Trainer was built in unreadable code
    display: str
    spec: Optional[TrainerSpec]
    loc: Loc
    description: str


def _spec_at(trainers: List[TrainerSpec], line: int) -> Optional[TrainerSpec]:
    for spec in trainers:
        call = spec.extras.get("call_loc") or spec.loc
        if call.span.start_line <= line <= call.span.end_line:
            return spec
    return None


def _yaml_spec(trainers: List[TrainerSpec]) -> TrainerSpec:
    fitting = [spec for spec in trainers if spec.fits]
    return (fitting or trainers)[0]


_GROUP_CHOICE = re.compile(r"^(?:\+|~)?([A-Za-z_][\w/]*)=([\w\-./]+)$")


def hydra_group_files(config_dir: Path, args: List[str]) -> List[Path]:
    """The option files that command-line choices such as ``trainer=gpu`` select, in order:
    their values, not the defaults', are what the app runs with."""
    found = []
    for arg in args:
        match = _GROUP_CHOICE.match(arg)
        if match is None:
            continue
        for suffix in (".yaml", ".yml"):
            path = config_dir / match.group(1) / (match.group(2) + suffix)
            if path.is_file():
                found.append(Path(os.path.abspath(path)))
                break
    return found


def find_anchor(ws: Workspace, record: Dict[str, Any], configs: List[Path], hydra: Optional[Dict[str, Any]],
                args: List[str]) -> Anchor:
    site = record.get("site") or {}
    site_file = site.get("file")
    site_path = Path(site_file) if isinstance(site_file, str) and not site_file.startswith("<") else None
    line = int(site.get("line") or 1)
    python_spec = None
    if site_path is not None:
        extraction = ws.extraction(site_path)
        if extraction is not None:
            python_spec = _spec_at(extraction.trainers, line)
    candidates: List[Path] = []
    if hydra and hydra.get("config_file"):
        candidates.extend(reversed(hydra_group_files(Path(hydra["config_file"]).parent, args)))
        candidates.append(Path(hydra["config_file"]))
    candidates.extend(reversed(configs))  # the last config LightningCLI reads wins
    config_spec, config_path = None, None
    for path in candidates:
        extraction = ws.extraction(path)
        if extraction is not None and extraction.trainers:
            config_spec, config_path = _yaml_spec(extraction.trainers), path
            break
    via = {"lightningcli": " (LightningCLI)", "hydra": " (Hydra)"}.get(record.get("via", ""), "")
    if python_spec is not None and (python_spec.open_reason is None or config_spec is None):
        return Anchor(site_path, ws.display(site_path), python_spec, python_spec.loc,
                      f"Trainer(...) at {ws.display(site_path)}:{line}")
    if config_spec is not None and config_path is not None:
        section = config_spec.key_prefix.rstrip(".") or "trainer"
        return Anchor(config_path, ws.display(config_path), config_spec, config_spec.loc,
                      f"`{section}` in {ws.display(config_path)}{via}")
    if site_path is not None:
        return Anchor(site_path, ws.display(site_path), None, ws.line_loc(site_path, line),
                      f"Trainer built at {ws.display(site_path)}:{line}{via}")
    return Anchor(None, "<unknown>", None, Loc("<unknown>", Span(1, 1, 1, 2)), "a Trainer built in unknown code")


# -- the real configuration ----------------------------------------------------------------------


def to_data(raw: Any) -> Any:
    """The probe's JSON form of an argument as the value model's data."""
    if not isinstance(raw, dict):
        return raw
    kind = raw.get("t")
    if kind == "float":
        return float(raw.get("v", "nan"))
    if kind == "list":
        return tuple(Value(KNOWN, to_data(v)) for v in raw.get("v", []))
    if kind == "dict":
        return {k: Value(KNOWN, to_data(v)) for k, v in raw.get("v", {}).items()}
    return Call(str(raw.get("qualname", "object")), open_reason=RUNTIME_OBJECT)


def _is_default(name: str, data: Any) -> bool:
    from lightning_lint.linter import lightning_data
    param = lightning_data.TRAINER_PARAMS.get(name)
    if param is None:
        return False
    return type(data) is type(param.default) and data == param.default


def _placed(data: Any, static: Optional[Value], fallback: Loc, key_path: str) -> Value:
    if static is not None and static.anchor is not None:
        return Value(KNOWN, data, loc=static.loc, key_loc=static.key_loc, value_loc=static.value_loc,
                     key_path=static.key_path or key_path)
    return Value(KNOWN, data, loc=fallback, key_path=key_path)


def _recorded_callbacks(raw: Any) -> List[Dict[str, Any]]:
    if isinstance(raw, dict) and raw.get("t") == "list":
        items = raw.get("v", [])
    elif isinstance(raw, dict) and raw.get("t") == "obj":
        items = [raw]
    else:
        items = []
    return [item for item in items if isinstance(item, dict) and item.get("t") == "obj"]


def real_spec(record: Dict[str, Any], anchor: Anchor) -> TrainerSpec:
    """The Trainer configuration the user's code really built, with every value known and
    placed where the static configuration writes it (else at the Trainer itself)."""
    static = anchor.spec
    flavor = static.flavor if static is not None else FLAVOR_PYTHON
    prefix = static.key_prefix if static is not None else ""
    args: Dict[str, Value] = {}
    for name, raw in (record.get("kwargs") or {}).items():
        data = to_data(raw)
        written = static.args.get(name) if static is not None else None
        if written is None and _is_default(name, data):
            continue  # LightningCLI passes every default; an unwritten default is absent
        args[name] = _placed(data, written, anchor.loc, prefix + name)
    static_callbacks = list(static.callbacks) if static is not None else []
    callbacks = []
    for index, raw in enumerate(_recorded_callbacks((record.get("kwargs") or {}).get("callbacks"))):
        info = raw.get("callback") or {}
        kind = info.get("kind") or ""
        same_kind = [cb for cb in static_callbacks if cb.kind == kind and kind]
        written_cb = same_kind[0] if same_kind else None
        if written_cb is not None:
            static_callbacks.remove(written_cb)
        loc = written_cb.loc if written_cb is not None else anchor.loc
        cb_args = {name: _placed(to_data(value), written_cb.args.get(name) if written_cb else None, loc, name)
                   for name, value in (info.get("args") or {}).items()}
        # the probe records the arguments of a few Lightning callbacks; the others' are unknown
        callbacks.append(CallbackSpec(kind=kind, qualname=str(raw.get("qualname", "")), args=cb_args, loc=loc,
                                      open_reason=None if kind in CALLBACK_ATTRIBUTES else RUNTIME_OBJECT,
                                      key_path=written_cb.key_path if written_cb else f"{prefix}callbacks[{index}]",
                                      flavor=flavor))
    return TrainerSpec(path=anchor.display, flavor=flavor, loc=anchor.loc, args=args, callbacks=callbacks,
                       runs=[RunCall("fit", {}, anchor.loc)], key_prefix=prefix,
                       description=f"the Trainer the entry point built ({anchor.description})")


# -- measurements --------------------------------------------------------------------------------


@dataclass
class Measured:
    """The train data as the dry run saw it, per device of the configured run."""

    batches: Optional[int]
    dataset_size: Optional[int]
    batch_size: Optional[int]
    drop_last: bool
    world_size: Optional[int]
    stateful: Optional[bool]
    val_batches: Optional[int]
    text: str  # for messages: "measured by confirm: len(train_dataloader)=50, ..."
    detail: str  # the same without the prefix
    kinds: List[str]
    notes: List[str] = field(default_factory=list)

    def data_facts(self) -> DataFacts:
        return DataFacts(batches=self.batches, source=self.text, dataset_size=self.dataset_size,
                         batch_size=self.batch_size, drop_last=self.drop_last, world_size=self.world_size,
                         val_batches=self.val_batches, measured=True)

    def saved_facts(self, entry: str) -> Dict[str, Any]:
        """The keys of ``[tool.lightning-lint.facts]`` (read back by the static check)."""
        facts: Dict[str, Any] = {"train-batches-per-epoch": self.batches, "measured-by": f"lightning-lint confirm {entry}"}
        for key, value in (("dataset-size", self.dataset_size), ("batch-size", self.batch_size),
                           ("world-size", self.world_size), ("val-batches", self.val_batches)):
            if value is not None:
                facts[key] = value
        if self.drop_last:
            facts["drop-last"] = True
        return facts


def _per_device(loader: Dict[str, Any], world: Optional[int], distributed: bool) -> Tuple[Optional[int], str]:
    length = loader.get("len")
    if not isinstance(length, int):
        return None, f"the train dataloader has no length ({loader.get('len_error') or 'an iterable dataset'})"
    if world is None or world == 1 or not distributed:  # (an unknown world is handled by the caller)
        return length, ""
    size, batch = loader.get("dataset_len"), loader.get("batch_size")
    if loader.get("sampler") in PLAIN_SAMPLERS and loader.get("batch_sampler") == PLAIN_BATCH_SAMPLER \
            and isinstance(size, int) and isinstance(batch, int) and batch > 0:
        per_device = math.ceil(size / world)  # DistributedSampler pads every rank to ceil(N / W)
        return (per_device // batch if loader.get("drop_last") else math.ceil(per_device / batch)), ""
    return None, (f"the train dataloader uses its own sampler ({loader.get('batch_sampler') or loader.get('sampler')}): "
                  f"its batches on each of {world} devices cannot be computed from one process")


def _combine(counts: List[int], mode: str) -> int:
    if mode == "min_size":
        return min(counts)
    if mode == "sequential":
        return sum(counts)
    return max(counts)  # max_size_cycle (Lightning's default for training) and max_size


def measure(run: ProbeRun, record: Dict[str, Any]) -> Optional[Measured]:
    found = run.of("measured")
    if not found or not found[-1].get("loaders"):
        return None
    event = found[-1]
    loaders = event["loaders"]
    mode = event.get("mode") or "max_size_cycle"
    world = record.get("world_size") if isinstance(record.get("world_size"), int) else None
    distributed = (record.get("kwargs") or {}).get("use_distributed_sampler", True) is not False
    notes = []
    if world is None:
        # more devices mean fewer batches each: without the count nothing per device is known
        notes.append(f"the number of devices is unknown ({record.get('world_size_reason') or 'not resolved'}): "
                     "the batches per device, and the findings that need them, cannot be decided")
    counts, problems = [], []
    for loader in loaders:
        count, problem = _per_device(loader, world, distributed)
        counts.append(count)
        if problem:
            problems.append(problem)
    batches = _combine([c for c in counts if c is not None], mode) \
        if counts and None not in counts and world is not None else None
    notes.extend(problems)
    first = loaders[0]
    single = len(loaders) == 1
    val = run.of("measured_val")
    val_batches = None
    if val and val[-1].get("loaders"):
        lengths = [loader.get("len") for loader in val[-1]["loaders"]]
        val_batches = sum(lengths) if all(isinstance(n, int) for n in lengths) else None
    stateful_flags = [bool(loader.get("stateful")) for loader in loaders]
    details = []
    if single and isinstance(first.get("dataset_len"), int):
        details.append(f"{first['dataset_len']} samples")
    if single and isinstance(first.get("batch_size"), int):
        details.append(f"batch_size={first['batch_size']}")
    lengths = ", ".join(str(loader.get("len")) for loader in loaders)
    detail = f"len(train_dataloader)={lengths}" if single else \
        f"len of the {len(loaders)} train dataloaders={lengths} ({mode})"
    detail += "".join(f", {d}" for d in details)
    if world and world > 1 and batches is not None:
        detail += f"; {batches} per device on {world} devices"
    return Measured(
        batches=batches, dataset_size=first.get("dataset_len") if single else None,
        batch_size=first.get("batch_size") if single else None, drop_last=bool(first.get("drop_last")) and single,
        world_size=world, stateful=all(stateful_flags) if stateful_flags else None, val_batches=val_batches,
        text=f"measured by confirm: {detail}", detail=detail,
        kinds=[str(loader.get("type", "")).rsplit(".", 1)[-1] for loader in loaders], notes=notes)


@dataclass
class MeasuredContext(RuleContext):
    """A rule context whose schedule uses the measured data and whose project facts
    know the real train loader."""

    data: DataFacts = field(default_factory=DataFacts)
    project_facts: Any = None

    def schedule(self, spec: TrainerSpec) -> Schedule:
        cache = self.extraction.facts.setdefault("_schedules", {})
        if id(spec) not in cache:
            cache[id(spec)] = compute(spec, self.data)
        return cache[id(spec)]

    def user_facts(self) -> Dict[str, Any]:
        return {}

    @property
    def facts(self) -> Any:
        return self.project_facts


def _measured_project_facts(project: Any, measured: Optional[Measured], anchor: Anchor) -> Any:
    facts = project.facts
    if measured is None or measured.stateful is None:
        return facts
    if measured.stateful:
        return replace(facts, stateful_loaders=[(measured.kinds[0], anchor.loc)], train_plain_loaders=[])
    return replace(facts, stateful_loaders=[], train_plain_loaders=list(facts.train_plain_loaders) or [anchor.loc])


# -- putting it together --------------------------------------------------------------------------


def interpret(run: ProbeRun, ws: Workspace, entry_files: List[Path], args: List[str], entry_label: str,
              batches: int) -> Outcome:
    out = Outcome()
    missing = run.first("missing")
    if missing:
        out.error = (f"`confirm` runs your training code with the real Lightning, but {' and '.join(missing['modules'])} "
                     f"cannot be imported by {run.command[0]}. Install them in that environment: "
                     "`pip install 'lightning-lint[confirm]'` (or `pip install torch lightning`), "
                     "or pass the interpreter that has them with --python")
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
    out.files = [r.path for r in ws.results.values()]

    confirmed: List[Diagnostic] = []
    measured = measure(run, record) if record is not None else None
    schedule: Optional[Schedule] = None
    if record is not None and anchor is not None:
        out.summary.append(("trainer", anchor.description))
        for note in record.get("notes") or []:
            out.notes.append(note)
        spec = real_spec(record, anchor)
        data = measured.data_facts() if measured is not None and measured.batches is not None else DataFacts()
        schedule = compute(spec, data)
        if fit is not None:
            confirmed = _run_confirmable_rules(ws, anchor, spec, data, measured)
        if measured is not None:
            _report_measurement(measured, anchor, entry_label, out)
        if fit is not None:
            stop = describe_stop(schedule)
            out.summary.append(("schedule", f"when training stops is {stop}" if stop.startswith("unknown")
                                else f"training stops {stop}"))

    diagnostics = _merge(static, confirmed, anchor, measured, schedule, ws)
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
    for d in out.diagnostics:
        if d.path not in out.sources:
            source = ws.source(Path(d.path) if os.path.isabs(d.path) else ws.cwd / d.path)
            if source is not None:
                out.sources[d.path] = source
    return out


def _report_measurement(measured: Measured, anchor: Anchor, entry_label: str, out: Outcome) -> None:
    out.notes.extend(measured.notes)
    kinds = ", ".join(sorted(set(measured.kinds)))
    resumable = {True: f"{kinds} keeps its position: resumable mid-epoch",
                 False: f"a plain {kinds}: cannot resume mid-epoch", None: kinds}[measured.stateful]
    batches = f"{measured.batches} batches per epoch" if measured.batches is not None else "batches per epoch unknown"
    out.summary.append(("measured", f"{batches} ({measured.detail}); {resumable}"))
    if measured.batches is not None:
        out.facts = measured.saved_facts(entry_label)
        out.facts_for = anchor.path


def _run_confirmable_rules(ws: Workspace, anchor: Anchor, spec: TrainerSpec, data: DataFacts,
                           measured: Optional[Measured]) -> List[Diagnostic]:
    path = anchor.path or ws.cwd / "<unknown>"
    settings = ws.resolver.for_path(path)
    project = ws.linter.projects.for_path(path)
    source = ws.source(path) if anchor.path is not None else None
    if source is None:
        source = decode_source(b"", anchor.display, PYTHON)
    extraction = Extraction(path=anchor.display, kind=source.kind, trainers=[spec], callbacks=list(spec.callbacks))
    ctx = MeasuredContext(source, settings, project, extraction, Path(os.path.abspath(path)), data=data,
                          project_facts=_measured_project_facts(project, measured, anchor))
    enabled = ws.linter.enabled_codes(settings, path)
    codes = [code for code in enabled if code in confirmable_codes()]
    found = run_rules(codes, extraction, ctx)
    # noqa comments silence confirmed findings too (LL904 is left to the static run)
    found = suppressions.apply(found, source, set(enabled) - {"LL904"})
    # LL003 says the run could not decide which limit stops first: true, but not a proof
    return [d if d.code == "LL003" else d.with_changes(confirmed=True) for d in found]


def _merge(static: List[Diagnostic], confirmed: List[Diagnostic], anchor: Optional[Anchor],
           measured: Optional[Measured], schedule: Optional[Schedule], ws: Workspace) -> List[Diagnostic]:
    """Static findings with the confirmed ones in place of the static ones they settle."""
    confirmable = confirmable_codes()
    codes = {d.code for d in confirmed}
    decided = measured is not None and measured.batches is not None and schedule is not None
    out: List[Diagnostic] = []
    for d in static:
        if anchor is not None and anchor.spec is not None and d.code in confirmable and \
                finding_inside(d, anchor.spec):
            if d.code in codes:
                continue  # the confirmed finding, with the measured numbers, replaces it
            if d.code == "LL003" and "LL002" in codes:
                continue  # "which limit stops first?" is answered by the confirmed LL002
            if decided:
                withdrawn = _withdrawn(d, measured, schedule, ws)
                if withdrawn is not None:
                    out.append(withdrawn)
                continue
        out.append(d)
    out.extend(confirmed)
    return out


def _withdrawn(d: Diagnostic, measured: Measured, schedule: Schedule, ws: Workspace) -> Optional[Diagnostic]:
    from lightning_lint import rules
    settings = ws.resolver.for_path(Path(d.path) if os.path.isabs(d.path) else ws.cwd / d.path)
    if "LL903" not in ws.linter.enabled_codes(settings, ws.cwd / d.path):
        return None
    rule = rules.get("LL903")
    message = (f"{d.code} ({d.name}) withdrawn: confirm measured {measured.batches} training batches per epoch "
               f"({measured.text}); training stops {describe_stop(schedule)}")
    return Diagnostic(code="LL903", name=rule.name, severity=rule.severity, message=message, path=d.path,
                      span=d.span, help=f"the static finding was: {d.message}", key_path=d.key_path, confirmed=True)


def _tool(code: str, message: str, loc: Loc, help: Optional[str] = None) -> Diagnostic:
    from lightning_lint import rules
    rule = rules.get(code)
    assert rule is not None, code
    return Diagnostic(code=code, name=rule.name, severity=rule.severity, message=message, path=loc.path,
                      span=loc.span, help=help, confirmed=True)


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
        part in innermost for part in ("/lightning/", "/pytorch_lightning/", "/lightning_fabric/"))


def _errors(run: ProbeRun, ws: Workspace, anchor: Optional[Anchor], fit: Optional[Dict[str, Any]],
            found: List[Diagnostic], out: Outcome) -> List[Diagnostic]:
    """LL902 for the exceptions of the configuration and of the dry fit."""
    results = []
    for event in run.of("error") + [e for e in run.of("crash") if _raised_by_lightning(e)]:
        stage = event.get("stage", "")
        message = _first_lines(event.get("message", ""))
        if stage == "trainer":
            what = "building the Trainer raised"
            loc = _mentioned(event.get("message", ""), anchor.spec if anchor else None) or (anchor.loc if anchor else None)
        elif stage == "fit":
            what = "the dry fit raised"
            frame = _innermost_user_frame(event)
            at_fit = frame is not None and fit is not None and fit.get("site") and \
                (frame.get("file"), frame.get("line")) == (fit["site"].get("file"), fit["site"].get("line"))
            if frame is not None and not at_fit:
                loc = ws.line_loc(Path(frame["file"]), int(frame["line"]))
            else:
                loc = _mentioned(event.get("message", ""), anchor.spec if anchor else None) or (
                    anchor.loc if anchor else None)
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


def _cli_rejection(run: ProbeRun, ws: Workspace, configs: List[Path],
                   found: List[Diagnostic]) -> Optional[Diagnostic]:
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
    return _tool("LL902", f"LightningCLI rejected the configuration: key \"{key}\": {detail}", loc)


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


def _mark_warnings(run: ProbeRun, ws: Workspace, anchor: Optional[Anchor], record: Optional[Dict[str, Any]],
                   found: List[Diagnostic], out: Outcome) -> List[Diagnostic]:
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
        existing = [i for i, d in enumerate(found) if d.code == code and anchor.spec is not None
                    and finding_inside(d, anchor.spec)]
        if existing:
            for i in existing:
                found[i] = found[i].with_changes(confirmed=True)
        else:
            found.append(_rule_diagnostic(code, f"Lightning warned during the dry run: {_first_lines(text, 2)}",
                                          anchor.loc))
    for text in sorted(set(other))[:5]:
        out.notes.append(f"Lightning warned: {text}")
    return found


def _lightning_warning(event: Dict[str, Any]) -> bool:
    path = str(event.get("file", "")).replace(os.sep, "/")
    category = str(event.get("category", ""))
    if category in ("FutureWarning", "DeprecationWarning", "PendingDeprecationWarning"):
        return False
    return category in ("PossibleUserWarning", "LightningDeprecationWarning") or "/lightning/" in path \
        or "/pytorch_lightning/" in path


def _rule_diagnostic(code: str, message: str, loc: Loc) -> Diagnostic:
    from lightning_lint import rules
    rule = rules.get(code)
    assert rule is not None, code
    return Diagnostic(code=code, name=rule.name, severity=rule.severity, message=message, path=loc.path,
                      span=loc.span, confirmed=True)


def _dry_run_summary(run: ProbeRun, batches: int, out: Outcome) -> None:
    built = run.first("trainer_built")
    done = run.first("fit_done")
    where = ""
    if built:
        where = f" on {built.get('device') or built.get('accelerator')}"
    if done:
        out.summary.append(("dry run", f"fast_dev_run={batches}{where}: {done.get('global_step')} optimizer steps "
                                       f"in {done.get('seconds', 0):.2f}s: the configuration builds and trains"))
    elif out.config_rejected:
        out.summary.append(("dry run", "LightningCLI rejected the configuration before building the Trainer"))
    elif run.of("error"):
        stage = run.of("error")[-1].get("stage")
        out.summary.append(("dry run", "failed while building the Trainer" if stage == "trainer"
                            else f"fast_dev_run={batches}{where} failed"))


def _incomplete(run: ProbeRun, record: Optional[Dict[str, Any]], fit: Optional[Dict[str, Any]],
                out: Outcome) -> Optional[str]:
    """Why the run did not get as far as it should (exit 2), or None."""
    if run.timed_out:
        return (f"stopped after {run.seconds:.0f}s (--timeout) while {run.stage}; "
                "raise --timeout if the entry point needs longer to reach `fit`")
    if run.first("fit_done") or run.of("error") or out.config_rejected:
        return None
    crash = run.first("crash")
    if crash is not None and _raised_by_lightning(crash):
        return None  # reported as LL902
    if crash is not None:
        frame = _innermost_user_frame(crash)
        where = f" at {frame['file']}:{frame['line']}" if frame else ""
        out.detail = crash.get("traceback", "")
        return f"the entry point raised {crash.get('type')}: {_first_lines(crash.get('message', ''), 2)}{where}, " \
               "before `Trainer.fit`"
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
