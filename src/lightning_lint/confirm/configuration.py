"""Which static configuration the real Trainer came from, and that Trainer as a spec.

The probe says where the user's code built the Trainer and with which arguments. Here
the files involved are linted as usual (``Workspace``), the configuration the arguments
were written in is found (``find_anchor``: the ``Trainer(...)`` call, the LightningCLI
config, the Hydra option file a command-line choice selects), and the recorded arguments
become a ``TrainerSpec`` whose values are all known and placed at those locations
(``real_spec``), so that the ordinary rules can run on it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from lightning_lint.confirm.probe import CALLBACK_ATTRIBUTES
from lightning_lint.linter.engine import EXTRACTORS, FileResult, Linter
from lightning_lint.linter.settings import SettingsResolver
from lightning_lint.model.sources import SourceFile, UnreadableSource, read_source
from lightning_lint.model.spec import (
    FLAVOR_PYTHON,
    KNOWN,
    Call,
    CallbackSpec,
    Extraction,
    Loc,
    RunCall,
    Span,
    TrainerSpec,
    Value,
)

RUNTIME_OBJECT = "an object built at run time"


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
            if not path.is_file() or path.suffix.lower() not in (".py", ".yaml", ".yml", ".ipynb"):
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


def find_anchor(
    ws: Workspace, record: Dict[str, Any], configs: List[Path], hydra: Optional[Dict[str, Any]], args: List[str]
) -> Anchor:
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
        assert site_path is not None  # python_spec is only looked for in site_path
        return Anchor(
            site_path,
            ws.display(site_path),
            python_spec,
            python_spec.loc,
            f"Trainer(...) at {ws.display(site_path)}:{line}",
        )
    if config_spec is not None and config_path is not None:
        section = config_spec.key_prefix.rstrip(".") or "trainer"
        return Anchor(
            config_path,
            ws.display(config_path),
            config_spec,
            config_spec.loc,
            f"`{section}` in {ws.display(config_path)}{via}",
        )
    if site_path is not None:
        return Anchor(
            site_path,
            ws.display(site_path),
            None,
            ws.line_loc(site_path, line),
            f"Trainer built at {ws.display(site_path)}:{line}{via}",
        )
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
    from lightning_lint.model import lightning_api

    param = lightning_api.TRAINER_PARAMS.get(name)
    if param is None:
        return False
    return type(data) is type(param.default) and data == param.default


def _placed(data: Any, static: Optional[Value], fallback: Loc, key_path: str) -> Value:
    if static is not None and static.anchor is not None:
        return Value(
            KNOWN,
            data,
            loc=static.loc,
            key_loc=static.key_loc,
            value_loc=static.value_loc,
            key_path=static.key_path or key_path,
        )
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
        cb_args = {
            name: _placed(to_data(value), written_cb.args.get(name) if written_cb else None, loc, name)
            for name, value in (info.get("args") or {}).items()
        }
        # the probe records the arguments of a few Lightning callbacks; the others' are unknown
        callbacks.append(
            CallbackSpec(
                kind=kind,
                qualname=str(raw.get("qualname", "")),
                args=cb_args,
                loc=loc,
                open_reason=None if kind in CALLBACK_ATTRIBUTES else RUNTIME_OBJECT,
                key_path=written_cb.key_path if written_cb else f"{prefix}callbacks[{index}]",
                flavor=flavor,
            )
        )
    return TrainerSpec(
        path=anchor.display,
        flavor=flavor,
        loc=anchor.loc,
        args=args,
        callbacks=callbacks,
        # the static fit call names the module (whose LR schedulers LL701/LL702 read)
        runs=[r for r in static.runs if r.method == "fit"] or [RunCall("fit", {}, anchor.loc)]
        if static is not None
        else [RunCall("fit", {}, anchor.loc)],
        key_prefix=prefix,
        description=f"the Trainer the entry point built ({anchor.description})",
        extras={key: static.extras[key] for key in ("schedulers", "injected_schedulers") if key in static.extras}
        if static is not None
        else {},
        # the Hydra `model:` node's class, for the scheduler nodes handed to it (LL701-LL703)
        fit_graph=static.fit_graph if static is not None and "injected_schedulers" in static.extras else None,
    )
