"""What a LightningModule's ``configure_optimizers`` (or a LightningCLI ``lr_scheduler:``
section) says about its learning-rate schedulers: which scheduler, how Lightning steps it
(``interval``, ``frequency``) and the horizon it is planned over.

A horizon is ``offset + factor * product(refs)``: the refs are run quantities that the
rules resolve against the Trainer's schedule (``trainer.estimated_stepping_batches``,
``trainer.max_steps``, ``trainer.max_epochs``, ``train_batches`` for
``len(self.train_dataloader())``). A horizon that depends on anything else is unknown
and the rules leave it alone.

Plain data, JSON-ready (``to_json``/``from_json``), so the project facts that carry it can
be cached like the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from lightning_lint.model.spec import Loc, Span

# refs a horizon may use, and the unit each one counts
STEP_REFS = ("trainer.estimated_stepping_batches", "trainer.max_steps", "train_batches")
EPOCH_REFS = ("trainer.max_epochs",)

# What a scheduler does after its horizon (torch 2.13, transformers 4.x; claim tests prove each).
RAISES = "raises"  # OneCycleLR: ValueError "Tried to step N+1 times"
RESTARTS = "restarts"  # CosineAnnealingLR: climbs back to the initial LR
ZERO = "zero"  # PolynomialLR, transformers linear/cosine/polynomial warmup schedules: LR 0 from then on
HOLDS = "holds"  # LinearLR and friends: hold the end value (no harm past the horizon)

# torch.optim.lr_scheduler classes and transformers functions with a horizon: the keyword
# (or positional index) that holds it, and the end behaviour.
HORIZON_ARGS: Dict[str, Tuple[Tuple[str, int], str]] = {
    "OneCycleLR": (("total_steps", 2), RAISES),
    "CosineAnnealingLR": (("T_max", 1), RESTARTS),
    "PolynomialLR": (("total_iters", 1), ZERO),
    "LinearLR": (("total_iters", 3), HOLDS),
    "ConstantLR": (("total_iters", 2), HOLDS),
    "get_linear_schedule_with_warmup": (("num_training_steps", 2), ZERO),
    "get_cosine_schedule_with_warmup": (("num_training_steps", 2), ZERO),
    "get_polynomial_decay_schedule_with_warmup": (("num_training_steps", 2), ZERO),
    "get_cosine_with_hard_restarts_schedule_with_warmup": (("num_training_steps", 2), ZERO),
}
# Schedulers without a horizon: they run for ever, whatever the run length.
NO_HORIZON = (
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "ReduceLROnPlateau",
    "MultiplicativeLR",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
)
COMPOSITES = ("SequentialLR", "ChainedScheduler")
LAMBDA = "LambdaLR"
TORCH_PREFIXES = ("torch.optim.lr_scheduler.", "transformers.", "transformers.optimization.")
CONFIG_KEYS = ("scheduler", "name", "interval", "frequency", "reduce_on_plateau", "monitor", "strict")


@dataclass(frozen=True)
class Horizon:
    """``offset + factor * product(refs)``; ``unknown`` says why it cannot be known."""

    factor: float = 1.0
    refs: Tuple[str, ...] = ()
    offset: float = 0.0
    text: str = ""
    unknown: Optional[str] = None
    unit_hint: Optional[str] = None  # steps | epochs: from the name of a value it came from
    # a horizon that depends on a branch (``unknown`` says so): (the condition in words, the
    # horizon on that path); the rules judge each (``rules.lr_schedule``)
    candidates: Tuple[Tuple[str, "Horizon"], ...] = ()

    @property
    def unit(self) -> Optional[str]:
        """What the horizon counts: ``steps`` (optimizer steps), ``epochs``, or None."""
        if any(ref in STEP_REFS for ref in self.refs):
            return "steps"
        if self.unit_hint is not None:  # epochs x steps_per_epoch counts steps
            return self.unit_hint
        if any(ref in EPOCH_REFS for ref in self.refs):
            return "epochs"
        return None

    def resolve(self, values: Dict[str, Optional[float]]) -> Optional[int]:
        """The number, given the run's quantities; None when one of them is unknown."""
        if self.unknown is not None:
            return None
        product = self.factor
        for ref in self.refs:
            value = values.get(ref)
            if value is None or value == math.inf:
                return None
            product *= value
        total = self.offset + product
        return int(total) if total == total and total != math.inf else None

    def plus(self, other: "Horizon") -> "Horizon":
        """The sum of two horizons (SequentialLR): only when one of them is a plain number."""
        if self.unknown or other.unknown:
            return Horizon(unknown=self.unknown or other.unknown, text=f"{self.text} + {other.text}")
        if not other.refs:
            return Horizon(
                self.factor, self.refs, self.offset + other.offset + other.factor, self.text, None, self.unit_hint
            )
        if not self.refs:
            return other.plus(self)
        if self.refs == other.refs:
            return Horizon(
                self.factor + other.factor, self.refs, self.offset + other.offset, self.text, None, self.unit_hint
            )
        return Horizon(unknown="a sum of different run quantities", text=f"{self.text} + {other.text}")


@dataclass
class SchedulerSpec:
    """One scheduler as Lightning will see it."""

    kind: str  # OneCycleLR, CosineAnnealingLR, get_linear_schedule_with_warmup, ...
    loc: Loc  # the constructor call
    horizon: Optional[Horizon] = None  # None: the scheduler has no horizon
    end: str = ""  # raises | restarts | zero | holds ("" without a horizon)
    interval: Optional[str] = "epoch"  # step | epoch | None (unknown)
    interval_written: bool = False
    frequency: Optional[int] = 1
    form: str = "bare"  # bare | list | dict | cli | hydra
    monitor: Optional[str] = None
    has_monitor: bool = False
    config_loc: Optional[Loc] = None  # the scheduler dict, when it is one
    config_keys: List[Tuple[str, Loc]] = field(default_factory=list)
    interval_value: Any = None  # as written, for LL705
    interval_loc: Optional[Loc] = None
    frequency_loc: Optional[Loc] = None
    owner: str = ""  # the LightningModule class, or the config file
    expr_loc: Optional[Loc] = None  # the scheduler expression where it is returned (for the wrap fix)
    expr_text: str = ""
    init_defaults: Dict[str, float] = field(default_factory=dict)  # ``__init__`` defaults a horizon uses
    monitor_loc: Optional[Loc] = None  # the monitor's value, where it is written (LL207)
    # a scheduler factory handed to ``__init__`` (Hydra ``_partial_: true``) and called in
    # ``configure_optimizers``: the argument's name, and the keywords the call adds
    injected: str = ""
    injected_keywords: List[str] = field(default_factory=list)

    @property
    def stepped_per(self) -> str:
        if self.interval == "step":
            return "optimizer step" if self.frequency == 1 else f"{self.frequency} training batches"
        return "epoch" if self.frequency == 1 else f"{self.frequency} epochs"

    def describe(self) -> str:
        if self.kind == "<injected>":
            return f"the scheduler given as `{self.injected}` (its class is set where the module is built) stepped per {self.stepped_per}"
        return f"{self.kind} stepped per {self.stepped_per}"

    # -- JSON ----------------------------------------------------------------------------
    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, Loc):
                data[name] = _loc(value)
            elif isinstance(value, Horizon):
                data[name] = _horizon_json(value)
            elif name == "init_defaults":
                data[name] = dict(value)
            elif name == "injected_keywords":
                data[name] = list(value)
            elif name == "config_keys":
                data[name] = [[key, _loc(where)] for key, where in value]
            else:
                data[name] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        return data

    @staticmethod
    def from_json(data: Dict[str, Any]) -> "SchedulerSpec":
        fields: Dict[str, Any] = dict(data)
        for name in ("loc", "config_loc", "interval_loc", "frequency_loc", "expr_loc", "monitor_loc"):
            fields[name] = _unloc(data.get(name))
        horizon = data.get("horizon")
        fields["horizon"] = None if horizon is None else _horizon_from_json(horizon)
        fields["config_keys"] = [(str(key), _unloc(where)) for key, where in data.get("config_keys", [])]
        return SchedulerSpec(**fields)


def _horizon_json(horizon: Horizon) -> Dict[str, Any]:
    return dict(
        vars(horizon),
        refs=list(horizon.refs),
        candidates=[[words, _horizon_json(h)] for words, h in horizon.candidates],
    )


def _horizon_from_json(data: Dict[str, Any]) -> Horizon:
    candidates = tuple((str(words), _horizon_from_json(h)) for words, h in data.get("candidates", []))
    return Horizon(**dict(data, refs=tuple(data["refs"]), candidates=candidates))


def condition_words(when: Any) -> str:
    """A ``model.spec.Condition`` in words (``n > 1 and not debug``)."""
    from lightning_lint.model.variants import phrase

    return " and ".join(phrase(test, holds) for test, holds in when) or "on some paths"


def with_candidates(text: str, candidates: List[Tuple[str, Horizon]]) -> Horizon:
    """A horizon that is one of ``candidates`` depending on a branch: unknown as such, with
    the unit they share."""
    units = {h.unit for _, h in candidates}
    return Horizon(
        text=text,
        unknown=f"`{text}` depends on a branch",
        unit_hint=units.pop() if len(units) == 1 else None,
        candidates=tuple(candidates),
    )


def _loc(loc: Optional[Loc]) -> Optional[List[Any]]:
    if loc is None:
        return None
    s = loc.span
    return [loc.path, s.start_line, s.start_col, s.end_line, s.end_col]


def _unloc(data: Any) -> Optional[Loc]:
    if data is None:
        return None
    return Loc(str(data[0]), Span(int(data[1]), int(data[2]), int(data[3]), int(data[4])))


def short_kind(qualname: str) -> Optional[str]:
    """The scheduler a call's qualname names, when it is one this module knows."""
    short = qualname.rsplit(".", 1)[-1]
    known = short in HORIZON_ARGS or short in NO_HORIZON or short in COMPOSITES or short == LAMBDA
    if not known:
        return None
    if "." in qualname and not qualname.startswith(TORCH_PREFIXES) and not qualname.startswith("<local>"):
        # ``lr_scheduler.OneCycleLR`` after ``from torch.optim import lr_scheduler`` is resolved
        # by the extractor; another module's class of the same name is not torch's
        if not qualname.startswith(("torch.", "transformers")):
            return None
    if qualname.startswith("<local>"):
        return None
    return short
