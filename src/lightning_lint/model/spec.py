"""The value model every extractor produces and every rule reads.

A configuration value is *known* (a literal the linter could read), *unknown* (it exists
but depends on something the linter cannot see; the reason says what), or *absent* (not
written, so Lightning's default applies). Rules act on known and absent values only.

Every value remembers where it was written, so a finding can point at the key or the
literal. Extractors never judge; rules never parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

from lightning_lint.model import lightning_api

KNOWN = "known"
UNKNOWN = "unknown"
ABSENT = "absent"


@dataclass(frozen=True)
class Span:
    """A range in a file: 1-based lines and columns (in characters), end exclusive."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Loc:
    """A span in a named file."""

    path: str
    span: Span


@dataclass(frozen=True, eq=False)
class Call:
    """A constructor or function call written as a value, e.g. ``timedelta(hours=1)``
    or a ``class_path``/``init_args`` or ``_target_`` node in YAML.

    ``qualname`` is the dotted name as far as the imports resolve it; ``open_reason`` is
    set when some arguments cannot be seen (``**kwargs``, positional splats)."""

    qualname: str
    args: Dict[str, "Value"] = field(default_factory=dict)
    positional: Tuple["Value", ...] = ()
    open_reason: Optional[str] = None

    @property
    def short_name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True, eq=False)
class Value:
    """One configuration value and where it was written.

    ``data`` of a known value is a plain scalar (int, float, str, bool, None), a
    ``Call``, a tuple of ``Value`` (a list), or a dict of str to ``Value``.
    ``loc`` covers the whole ``key=value`` / ``key: value``; ``key_loc`` and
    ``value_loc`` the two halves. ``raw`` is the value's source text when it matters
    how it was spelled (``1e4`` versus ``10000``)."""

    kind: str
    data: Any = None
    reason: str = ""
    loc: Optional[Loc] = None
    key_loc: Optional[Loc] = None
    value_loc: Optional[Loc] = None
    key_path: str = ""
    raw: Optional[str] = None
    tag: Optional[str] = None

    # -- kind --------------------------------------------------------------------------
    @property
    def known(self) -> bool:
        return self.kind == KNOWN

    @property
    def unknown(self) -> bool:
        return self.kind == UNKNOWN

    @property
    def absent(self) -> bool:
        return self.kind == ABSENT

    @property
    def decidable(self) -> bool:
        """Known or absent: a rule may reason about it."""
        return self.kind != UNKNOWN

    # -- type tests on known data (bool is not an int here, as in Lightning's checks) --
    def is_int(self) -> bool:
        return self.known and isinstance(self.data, int) and not isinstance(self.data, bool)

    def is_float(self) -> bool:
        return self.known and isinstance(self.data, float)

    def is_number(self) -> bool:
        return self.is_int() or self.is_float()

    def is_bool(self) -> bool:
        return self.known and isinstance(self.data, bool)

    def is_str(self) -> bool:
        return self.known and isinstance(self.data, str)

    def is_none(self) -> bool:
        return self.known and self.data is None

    def is_call(self) -> bool:
        return self.known and isinstance(self.data, Call)

    def is_list(self) -> bool:
        return self.known and isinstance(self.data, tuple)

    def is_dict(self) -> bool:
        return self.known and isinstance(self.data, dict)

    def effective(self) -> Any:
        """The data for known and absent values (absent carries Lightning's default)."""
        return self.data

    def plain(self) -> Any:
        """The value as plain Python (lists and dicts unwrapped); raises ``NotPlain``
        when any part is unknown or a call."""
        return _plain(self)

    def items(self) -> Iterator["Value"]:
        """The elements of a known list value."""
        if self.is_list():
            yield from self.data

    @property
    def anchor(self) -> Optional[Loc]:
        """Where a finding about this value points: the whole ``key=value`` (it starts
        at the key), else the value."""
        return self.loc or self.key_loc or self.value_loc


class NotPlain(Exception):
    """A value that is not entirely literal."""


def _plain(value: Value) -> Any:
    if not value.decidable:
        raise NotPlain(value.reason)
    data = value.data
    if isinstance(data, Call):
        raise NotPlain(f"`{data.qualname}(...)` is a call")
    if isinstance(data, tuple):
        return [_plain(v) for v in data]
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def known(data: Any, **where: Any) -> Value:
    return Value(KNOWN, data, **where)


def unknown(reason: str, **where: Any) -> Value:
    return Value(UNKNOWN, None, reason=reason, **where)


def absent(default: Any = None, key_path: str = "") -> Value:
    return Value(ABSENT, default, key_path=key_path)


# -- what the extractors produce -------------------------------------------------------

FLAVOR_PYTHON = "python"
FLAVOR_LIGHTNING_CLI = "lightningcli"
FLAVOR_HYDRA = "hydra"
FLAVOR_OMEGACONF = "omegaconf"  # a plain ``trainer:`` section passed as Trainer(**cfg.trainer)


@dataclass(eq=False)
class CallbackSpec:
    """A callback as written: a Lightning callback (``kind`` is its class name, e.g.
    ``ModelCheckpoint``) or a user class (``kind`` is empty)."""

    kind: str
    qualname: str
    args: Dict[str, Value]
    loc: Loc
    open_reason: Optional[str] = None
    key_path: str = ""
    conditional: bool = False  # added under a condition (``if ...: cbs.append(...)``)
    flavor: str = FLAVOR_PYTHON

    def get(self, name: str) -> Value:
        """The argument as written, unknown when hidden behind ``**kwargs``, else
        absent with the callback's default."""
        value = self.args.get(name)
        if value is not None:
            return value
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        if self.open_reason:
            return unknown(self.open_reason, key_path=key_path)
        return absent(lightning_api.callback_default(self.kind, name), key_path=key_path)

    def label(self) -> str:
        return self.kind or self.qualname.rsplit(".", 1)[-1]


@dataclass(eq=False)
class RunCall:
    """``trainer.fit(...)`` / ``validate`` / ``test`` / ``predict`` on a known Trainer,
    or the subcommand a LightningCLI config is nested under."""

    method: str
    args: Dict[str, Value]
    loc: Loc


@dataclass(eq=False)
class TrainerSpec:
    """One Trainer configuration: the arguments of a ``Trainer(...)`` call, a
    ``trainer:`` section, or a Hydra node whose ``_target_`` is the Trainer."""

    path: str
    flavor: str
    loc: Loc  # what a finding about the whole Trainer points at
    args: Dict[str, Value] = field(default_factory=dict)
    open_reason: Optional[str] = None  # why absent arguments may still be set
    callbacks: List[CallbackSpec] = field(default_factory=list)
    callbacks_open: Optional[str] = None  # why the callback list may hold more than we see
    runs: List[RunCall] = field(default_factory=list)
    key_prefix: str = ""  # "trainer." for YAML sections
    description: str = ""  # "Trainer(...) in train.py:12" for humans
    extras: Dict[str, Any] = field(default_factory=dict)  # flavor-specific facts

    def get(self, name: str) -> Value:
        """The argument as written; unknown when ``**kwargs`` or the config may set it;
        otherwise absent, carrying the Trainer's default."""
        value = self.args.get(name)
        if value is not None:
            return value
        key_path = self.key_prefix + name
        if self.open_reason:
            return unknown(self.open_reason, key_path=key_path)
        param = lightning_api.TRAINER_PARAMS.get(name)
        return absent(param.default if param else None, key_path=key_path)

    def has(self, name: str) -> bool:
        return name in self.args

    def callbacks_of(self, kind: str) -> List[CallbackSpec]:
        return [cb for cb in self.callbacks if cb.kind == kind]

    @property
    def fits(self) -> Optional[bool]:
        """True when the Trainer is seen running ``fit``, False when it is seen running
        only other loops, None when nothing is seen."""
        methods = {run.method for run in self.runs if run.method != "tune"}  # 1.x tune precedes fit
        if "fit" in methods:
            return True
        if methods:
            return False
        return None

    @property
    def trains(self) -> Optional[bool]:
        """Whether this Trainer is used for training: True when ``fit`` is seen (or the
        configuration shows training, see ``training_evidence``), False when only other
        loops are seen, None when it cannot be told."""
        fits = self.fits
        if fits is not None:
            return fits
        if self.extras.get("trains") is False:
            return False
        return True if self.training_evidence() else None

    @property
    def assumed_training(self) -> bool:
        """Whether a run-length rule should treat this Trainer as a training one: it is
        seen training, or it is a Python ``Trainer(...)`` whose use is not visible (most
        are passed on to ``fit``; rules say so in the message). A YAML section with no
        sign of training (an inference config) is not assumed to train."""
        trains = self.trains
        return trains is True or (trains is None and self.flavor == FLAVOR_PYTHON)

    def training_assumption(self) -> str:
        """The words a message adds when training is assumed rather than seen."""
        return " (assuming this Trainer is used for `fit`)" if self.trains is None else ""

    def training_evidence(self) -> Optional[str]:
        """Why this configuration looks like a training one (None: no sign of it)."""
        stated = self.extras.get("trains")
        if stated:
            return str(stated)
        for name in TRAINING_ARGS:
            value = self.args.get(name)
            if value is not None and not value.is_none():
                return f"it sets `{name}`"
        for callback in self.callbacks:
            if callback.kind in TRAINING_CALLBACKS:
                return f"it uses `{callback.kind}`"
        return None

    def show(self, name: str, value: Optional[Value] = None) -> str:
        """How to quote an argument in a message: ``max_epochs=10`` in Python,
        ``trainer.max_epochs: 10`` in YAML."""
        value = value if value is not None else self.get(name)
        return show(name, value, self.flavor, self.key_prefix)


# Arguments and callbacks that only matter when a Trainer trains: evidence that a config
# without a visible ``fit`` is a training config.
TRAINING_ARGS = (
    "min_epochs",
    "min_steps",
    "accumulate_grad_batches",
    "gradient_clip_val",
    "gradient_clip_algorithm",
    "val_check_interval",
    "check_val_every_n_epoch",
    "limit_train_batches",
    "overfit_batches",
    "log_every_n_steps",
    "reload_dataloaders_every_n_epochs",
    "num_sanity_val_steps",
)
TRAINING_CALLBACKS = (
    "ModelCheckpoint",
    "EarlyStopping",
    "LearningRateMonitor",
    "StochasticWeightAveraging",
    "GradientAccumulationScheduler",
    "BackboneFinetuning",
    "WeightAveraging",
    "EMAWeightAveraging",
)


@dataclass(frozen=True)
class LoaderUse:
    """A place that hands a loader to Lightning for one loop: a ``val_dataloader()``
    hook that returns it, or ``trainer.fit(val_dataloaders=...)``.

    ``owner`` is the class of a hook (whether it is a LightningModule or DataModule is
    for the rule to check, as the class's base may be defined in another file)."""

    role: str  # train | val | test | predict
    how: str  # for messages: "returned by `LitData.val_dataloader()`"
    loc: Loc
    owner: Optional[str] = None


@dataclass(eq=False)
class LoaderSpec:
    """A DataLoader (or stateful loader) construction."""

    kind: str  # DataLoader | StatefulDataLoader | StreamingDataLoader
    qualname: str
    args: Dict[str, Value]
    loc: Loc
    role: Optional[str] = None  # train | val | test | predict, guessed from the hook or variable name
    open_reason: Optional[str] = None
    uses: List[LoaderUse] = field(default_factory=list)  # where it is provably handed to Lightning
    # the classes it is built from, by name: ("dataset" | "sampler" | "batch_sampler", class name)
    inputs: Tuple[Tuple[str, str], ...] = ()

    def get(self, name: str) -> Value:
        value = self.args.get(name)
        if value is not None:
            return value
        if self.open_reason:
            return unknown(self.open_reason, key_path=name)
        return absent(lightning_api.LOADER_DEFAULTS.get(name), key_path=name)


@dataclass(eq=False)
class ClassSpec:
    """A class definition: enough to recognise LightningModules, loaders that keep
    their position, and callbacks with removed hooks."""

    name: str
    loc: Loc
    bases: Tuple[str, ...]  # resolved dotted names of the bases
    methods: Dict[str, Loc] = field(default_factory=dict)
    lightning_base: Optional[str] = None  # LightningModule | LightningDataModule | Callback
    manual_optimization: Optional[Loc] = None  # where ``automatic_optimization = False`` is
    logged_metrics: Dict[str, Loc] = field(default_factory=dict)
    dynamic_logging: Optional[Loc] = None  # a ``self.log`` whose name is not a literal
    stream: Optional[str] = None  # map | finite | endless, for a dataset class (extract/streams.py)


@dataclass(eq=False)
class ApiUse:
    """A use of a named Lightning API (``Trainer.from_argparse_args``, ...)."""

    name: str  # canonical, e.g. "Trainer.from_argparse_args"
    loc: Loc


@dataclass(eq=False)
class Extraction:
    """Everything one source file says about Lightning configuration."""

    path: str
    kind: str  # "python" | "yaml"
    trainers: List[TrainerSpec] = field(default_factory=list)
    callbacks: List[CallbackSpec] = field(default_factory=list)  # all, attached or not
    loaders: List[LoaderSpec] = field(default_factory=list)
    classes: List[ClassSpec] = field(default_factory=list)
    api_uses: List[ApiUse] = field(default_factory=list)
    facts: Dict[str, Any] = field(default_factory=dict)  # source-kind specifics (YAML)


def show(name: str, value: Value, flavor: str, key_prefix: str = "") -> str:
    literal = describe(value)
    if flavor == FLAVOR_PYTHON:
        return f"{name}={literal}"
    return f"{key_prefix}{name}: {literal}"


def describe(value: Value) -> str:
    """A short source-like rendering of a value for messages."""
    if value.raw is not None and len(value.raw) <= 60:
        return value.raw
    if value.unknown:
        return "<unknown>"
    return _render(value.data)


def _render(data: Any) -> str:
    if isinstance(data, Call):
        return f"{data.short_name}(...)"
    if isinstance(data, tuple):
        return "[" + ", ".join(_render(v.data) for v in data) + "]"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k!r}: {_render(v.data)}" for k, v in data.items()) + "}"
    return repr(data)
