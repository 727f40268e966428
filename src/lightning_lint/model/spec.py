"""The value model every extractor produces and every rule reads.

A configuration value is *known* (a literal the linter could read), *unknown* (it exists
but depends on something the linter cannot see; the reason says what), or *absent* (not
written, so Lightning's default applies). Rules act on known and absent values only.

A value that depends on a branch (``"ddp" if n > 1 else "dp"``, a name assigned in
``if``/``else``) is unknown to every rule, and carries its *candidates*: each possible
value with the condition under which it is the one (see ``Candidate``). The engine runs
the rules once per consistent choice of candidates (``model/variants.py``) and says under
which condition a finding holds; a rule never sees a candidate set itself.

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
    # the values an unknown may take, each under its condition (empty: no idea)
    candidates: Tuple["Candidate", ...] = ()
    # a key that may not be there at all (``{k: v for k in KEYS if k in args}``)
    optional: bool = False

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


# A condition: a conjunction of (test as written, whether it holds), e.g.
# (("args.gpus > 1", False),) for the ``else`` arm of ``if args.gpus > 1``.
Condition = Tuple[Tuple[str, bool], ...]


@dataclass(frozen=True)
class Candidate:
    """One value an unknown may take, and when: ``value`` is known, absent (the key is not
    set on that path) or itself unknown."""

    when: Condition
    value: "Value"


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
    # a subclass's defaults for the callback's arguments (model/subclasses.py)
    defaults: Dict[str, Any] = field(default_factory=dict)
    extras: Dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Value:
        """The argument as written, unknown when hidden behind ``**kwargs``, else
        absent with the callback's default (or the subclass's)."""
        value = self.args.get(name)
        if value is not None:
            return value
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        if self.open_reason:
            return unknown(self.open_reason, key_path=key_path)
        if name in self.defaults:
            return absent(self.defaults[name], key_path=key_path)
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


@dataclass(frozen=True)
class TrainerUse:
    """Something done with a Trainer instance besides running a loop on it: ``tune``
    (``Tuner(trainer)``), ``attach`` (``model.set_trainer(trainer)``, ``Model(cfg,
    trainer=trainer)``: the model uses it for inference or export), or ``escapes`` (handed
    to code the linter cannot follow, returned, stored: it may be used for anything)."""

    kind: str  # tune | attach | escapes
    how: str  # for messages: "attached to a model by `model.set_trainer(...)`"
    loc: Loc
    callee: str = ""  # escapes into a call: the function's dotted name as imported
    param: str = ""  # ... and the parameter: its name, or its position ("0", "1", ...)


@dataclass(frozen=True)
class LoaderRef:
    """A loader construction given to a run method: its kind (``DataLoader``,
    ``StatefulDataLoader``, ``StreamingDataLoader``) and where it is built."""

    kind: str
    loc: Loc


@dataclass(eq=False)
class FitGraph:
    """What a Trainer's ``fit`` receives (or a config's ``model:``/``data:`` nodes): the
    LightningModule and DataModule classes (dotted names as the imports resolve them,
    matched by their last part against the project's classes), and the loaders passed
    directly. ``unresolved_reason`` says which part could not be followed (the model or
    the loaders are then not known); ``train_given``/``val_given`` say whether
    ``train_dataloaders``/``val_dataloaders`` were passed at all."""

    loc: Loc
    model_class: Optional[str] = None
    datamodule_class: Optional[str] = None
    train_loaders: Tuple[LoaderRef, ...] = ()
    val_loaders: Tuple[LoaderRef, ...] = ()
    train_given: bool = False
    val_given: bool = False
    unresolved_reason: Optional[str] = None
    model_loc: Optional[Loc] = None  # the ``class`` statement, when the class is defined in this file
    datamodule_loc: Optional[Loc] = None


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
    uses: List[TrainerUse] = field(default_factory=list)  # what else is done with the instance
    key_prefix: str = ""  # "trainer." for YAML sections
    description: str = ""  # "Trainer(...) in train.py:12" for humans
    extras: Dict[str, Any] = field(default_factory=dict)  # flavor-specific facts
    fit_graph: Optional[FitGraph] = None  # what its (first) ``fit`` receives, when seen
    # a subclass's defaults for the Trainer's arguments (model/subclasses.py)
    defaults: Dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Value:
        """The argument as written; unknown when ``**kwargs`` or the config may set it;
        otherwise absent, carrying the Trainer's default (or the subclass's)."""
        value = self.args.get(name)
        if value is not None:
            return value
        key_path = self.key_prefix + name
        if self.open_reason:
            return unknown(self.open_reason, key_path=key_path)
        if name in self.defaults:
            return absent(self.defaults[name], key_path=key_path)
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
        """Whether this Trainer is used for training: True when a ``fit`` reaches it (or a
        config says so), False when what reaches it is only other loops, tuning or handing
        it to a model, None when it cannot be told (nothing seen, or it escapes to code the
        linter cannot follow)."""
        if self.fits:
            return True
        if self.extras.get("trains") is False:
            return False
        seen = bool(self.runs) or bool(self.uses)
        if seen and not any(use.kind == "escapes" for use in self.uses):
            return False
        stated = self.extras.get("trains")
        return True if stated else None

    @property
    def role(self) -> str:
        """What the Trainer is for, in words, for ``explain``."""
        trains = self.trains
        if trains:
            fit = next((run for run in self.runs if run.method == "fit"), None)
            return f"training: `fit` at line {fit.loc.span.start_line}" if fit else f"training: {self.extras['trains']}"
        doing = [f"`{run.method}`" for run in self.runs] + [use.how for use in self.uses]
        if trains is False:
            return "not training: " + ", ".join(dict.fromkeys(doing))
        evidence = self.training_evidence()
        if evidence:
            return f"assumed training: {evidence}" + (f" ({', '.join(dict.fromkeys(doing))})" if doing else "")
        if doing:
            return "unknown: " + ", ".join(dict.fromkeys(doing))
        return "unknown: no `fit` or other use of it is seen"

    @property
    def assumed_training(self) -> bool:
        """Whether a training-only rule judges this Trainer: a ``fit`` reaches it, or
        nothing shows what it is for but the configuration itself shows training (a
        training limit, a checkpoint or early-stopping callback, a training-loop
        argument). A Trainer built for testing, prediction, tuning or export is not."""
        trains = self.trains
        return trains is True or (trains is None and self.training_evidence() is not None)

    def training_assumption(self) -> str:
        """The words a message adds when training is assumed rather than seen."""
        if self.trains is not None:
            return ""
        evidence = self.training_evidence()
        return f" (assuming this Trainer trains: {evidence})" if evidence else ""

    def training_evidence(self) -> Optional[str]:
        """Why this configuration looks like a training one (None: no sign of it)."""
        stated = self.extras.get("trains")
        if stated:
            return str(stated)
        for name in TRAINING_LIMITS:
            if name in self.args and not self.args[name].optional:
                return f"it sets `{name}`"
        for name in TRAINING_ARGS:
            value = self.args.get(name)
            if value is not None and not value.is_none() and not value.optional:
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
TRAINING_LIMITS = ("max_epochs", "max_steps", "max_time", "min_epochs", "min_steps")
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
    init: Optional[Any] = None  # what __init__ passes to the base (model.subclasses.InitInfo)
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
    # ``Fabric(...)`` calls: the same shape as a Trainer's arguments (kind "fabric" in
    # extras), kept apart so that only the rules with a ``check_fabric`` hook read them
    fabrics: List[TrainerSpec] = field(default_factory=list)
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
