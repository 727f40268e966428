"""The schedule model: the one place that knows Lightning's loop arithmetic.

From a TrainerSpec and whatever is known about the data, compute how many batches an
epoch has, how many optimizer steps that makes, which limit stops training and when,
and when validation, logging and checkpoints happen. It mirrors Lightning 2.6's loops
(research §2: ``_parse_loop_limits``, ``FitLoop.done``, ``_TrainingEpochLoop``,
``_should_check_val_fx``, ``ModelCheckpoint``), and ``tests/test_schedule_differential.py``
proves it against real fits.

Every quantity that depends on something unknown stays unknown (None, with a reason);
the model never invents a dataset size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from lightning_lint.linter.model import TrainerSpec, Value

INF = math.inf


@dataclass(frozen=True)
class DataFacts:
    """What is known about the training data of one configuration.

    ``batches`` is ``len(train_dataloader)`` on one device, before any Trainer limit;
    ``source`` says where the number comes from, for messages."""

    batches: Optional[int] = None
    source: str = ""
    dataset_size: Optional[int] = None
    batch_size: Optional[int] = None
    drop_last: bool = False
    world_size: Optional[int] = None
    val_batches: Optional[int] = None
    measured: bool = False  # measured by ``confirm`` rather than stated or derived

    @staticmethod
    def from_settings(facts: Dict[str, Any], where: str = "the settings") -> "DataFacts":
        """``[tool.lightning-lint.facts."path"]``: ``train-batches-per-epoch``, or
        ``dataset-size`` + ``batch-size`` (+ ``drop-last``, ``world-size``)."""
        world = facts.get("world-size")
        if "train-batches-per-epoch" in facts:
            return DataFacts(batches=int(facts["train-batches-per-epoch"]),
                             source=f"train-batches-per-epoch={facts['train-batches-per-epoch']} in {where}",
                             world_size=world, val_batches=facts.get("val-batches"),
                             measured=bool(facts.get("measured")))
        if "dataset-size" in facts and "batch-size" in facts:
            size, batch = int(facts["dataset-size"]), int(facts["batch-size"])
            drop = bool(facts.get("drop-last", False))
            per_device = math.ceil(size / world) if world and world > 1 else size
            batches = (per_device // batch if drop else math.ceil(per_device / batch)) if batch > 0 else None
            detail = f"dataset-size={size}, batch-size={batch}" + (", drop-last" if drop else "") + (
                f", world-size={world}" if world and world > 1 else "")
            return DataFacts(batches=batches, source=f"{detail} in {where}", dataset_size=size, batch_size=batch,
                             drop_last=drop, world_size=world, val_batches=facts.get("val-batches"))
        return DataFacts(world_size=world, val_batches=facts.get("val-batches"))


@dataclass
class Schedule:
    """A fit, as far as it can be known. None means unknown; ``unknowns`` says why."""

    # resolved inputs
    fast_dev_run: int = 0
    max_epochs: Optional[int] = None  # as written (None: not set)
    max_steps: Optional[int] = -1
    min_epochs: Optional[int] = None
    min_steps: Optional[int] = None
    has_max_time: Optional[bool] = False
    accumulate: Optional[int] = 1
    epoch_limit: Optional[int] = None  # after Lightning's resolution: 1000 default, -1 unbounded
    epoch_limit_reason: str = ""
    # batches
    dataset_batches: Optional[int] = None  # len(train_dataloader) per device
    batches: Optional[int] = None  # per epoch, after limit_train_batches / overfit / fast_dev_run
    batches_exact: bool = False  # False: an upper bound (an int limit; the data may be shorter)
    batches_source: str = ""
    steps_per_epoch: Optional[int] = None
    # outcome
    total_steps: Optional[float] = None  # optimizer steps of the whole fit (INF: unbounded)
    stopped_by: Optional[str] = None  # max_epochs | max_steps | no_training | None (unknown / time)
    final_epoch: Optional[int] = None  # trainer.current_epoch at the end (epochs started)
    unknowns: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    @property
    def batches_known(self) -> bool:
        return self.batches is not None

    def describe_batches(self) -> str:
        if self.batches is None:
            return "unknown: depends on the dataset"
        bound = "" if self.batches_exact else "at most "
        return f"{bound}{self.batches} ({self.batches_source})"


def _int(value: Value) -> Optional[int]:
    if value.decidable and isinstance(value.data, int) and not isinstance(value.data, bool):
        return value.data
    return None


def _number(value: Value) -> Optional[float]:
    if value.decidable and isinstance(value.data, (int, float)) and not isinstance(value.data, bool):
        return value.data
    return None


def limited_batches(available: Optional[int], limit: Any) -> Tuple[Optional[int], bool]:
    """``_parse_num_batches``: (batches, exact) for ``len(loader)`` = ``available`` and a
    ``limit_train_batches``-style value (None means 1.0)."""
    if limit is None:
        limit = 1.0
    if isinstance(limit, float) and limit.is_integer() and limit > 1:
        limit = int(limit)  # 2.0 means two batches (SU4)
    if isinstance(limit, bool):
        return None, False
    if isinstance(limit, int):
        if available is None:
            return limit, False
        return min(available, limit), True
    if isinstance(limit, float):
        if available is None:
            return None, False
        return int(available * limit), True
    return None, False


def for_spec(spec: TrainerSpec, ctx: Any = None, data: Optional[DataFacts] = None) -> Schedule:
    """The schedule of a Trainer configuration. ``ctx`` supplies the facts stated in the
    settings (and saved by ``confirm``) when ``data`` is not given."""
    if data is None:
        data = DataFacts()
        if ctx is not None:
            stated = ctx.user_facts()
            if stated:
                data = DataFacts.from_settings(stated, _facts_origin(ctx))
    return compute(spec, data)


def _facts_origin(ctx: Any) -> str:
    config = getattr(ctx.settings, "config_path", None)
    return config.name if config is not None else "the settings"


def compute(spec: TrainerSpec, data: DataFacts) -> Schedule:
    s = Schedule()

    # fast_dev_run overrides every limit (setup.py:47-78)
    fdr = spec.get("fast_dev_run")
    if not fdr.decidable:
        s.unknowns["fast_dev_run"] = fdr.reason
        fast = None
    elif fdr.data is True:
        fast = 1
    elif isinstance(fdr.data, int) and not isinstance(fdr.data, bool) and fdr.data > 0:
        fast = fdr.data
    else:
        fast = 0
    s.fast_dev_run = fast or 0

    overfit = spec.get("overfit_batches")
    overfit_value = overfit.data if overfit.decidable else None
    if not overfit.decidable:
        s.unknowns["overfit_batches"] = overfit.reason
    overfitting = isinstance(overfit_value, (int, float)) and not isinstance(overfit_value, bool) and overfit_value > 0

    limit = spec.get("limit_train_batches")
    if overfitting:
        limit_value: Any = overfit_value
        limit_name = f"overfit_batches={overfit_value}"
    elif fast:
        limit_value, limit_name = fast, f"fast_dev_run={fdr.data}"
    elif limit.decidable:
        limit_value, limit_name = limit.data, f"limit_train_batches={limit.data}"
    else:
        limit_value, limit_name = None, ""
        s.unknowns["limit_train_batches"] = limit.reason

    # loop limits (_parse_loop_limits runs after fast_dev_run forced them)
    if fast:
        s.max_epochs, s.max_steps = 1, fast
    else:
        me, ms = spec.get("max_epochs"), spec.get("max_steps")
        s.max_epochs = me.data if me.decidable and (me.data is None or _int(me) is not None) else None
        if not me.decidable:
            s.unknowns["max_epochs"] = me.reason
        s.max_steps = _int(ms) if ms.decidable else None
        if not ms.decidable:
            s.unknowns["max_steps"] = ms.reason
    for name in ("min_epochs", "min_steps"):
        value = spec.get(name)
        setattr(s, name, _int(value) if value.decidable else None)
    max_time = spec.get("max_time")
    timers = [cb for cb in spec.callbacks if cb.kind == "Timer"]
    if not max_time.decidable:
        s.has_max_time = None
        s.unknowns["max_time"] = max_time.reason
    else:
        s.has_max_time = max_time.data is not None or bool(timers)
    if not fast and s.has_max_time is False and spec.callbacks_open and "max_epochs" not in s.unknowns \
            and s.max_epochs is None and s.max_steps == -1:
        s.notes.append(f"assuming the callbacks ({spec.callbacks_open}) include no Timer")

    acc = spec.get("accumulate_grad_batches")
    s.accumulate = _int(acc) if acc.decidable else None
    if not acc.decidable:
        s.unknowns["accumulate_grad_batches"] = acc.reason

    # the epoch limit
    if "max_epochs" in s.unknowns:
        s.epoch_limit = None
    elif s.max_epochs is not None:
        s.epoch_limit = s.max_epochs
        s.epoch_limit_reason = f"max_epochs={s.max_epochs}" if not fast else f"fast_dev_run={fdr.data}"
    elif s.max_steps is None or s.has_max_time is None:
        s.epoch_limit = None  # depends on an unknown max_steps / max_time
    elif s.max_steps == -1 and not s.has_max_time:
        s.epoch_limit, s.epoch_limit_reason = 1000, "Lightning's default when no limit is set"
    else:
        s.epoch_limit = -1
        s.epoch_limit_reason = "unbounded: max_epochs is not set and " + (
            "max_steps is" if s.max_steps != -1 else "max_time is")

    # batches per epoch
    s.dataset_batches = data.batches
    if limit_value is not None or "limit_train_batches" not in s.unknowns:
        batches, exact = limited_batches(data.batches, limit_value)
    else:
        batches, exact = None, False
    s.batches, s.batches_exact = batches, exact
    if batches is not None:
        if data.batches is not None and exact:
            s.batches_source = data.source if limit_value in (None, 1.0) else f"{limit_name} of {data.batches} ({data.source})"
        else:
            s.batches_source = limit_name + ("" if exact else ", assuming the dataset has at least that many batches")
    if s.batches is not None and s.accumulate is not None and s.accumulate > 0:
        s.steps_per_epoch = math.ceil(s.batches / s.accumulate)

    _outcome(s)
    return s


def _outcome(s: Schedule) -> None:
    """Total optimizer steps, which limit stops training, and the final epoch (§2.11)."""
    if s.epoch_limit == 0 or s.max_steps == 0 or s.batches == 0:
        s.total_steps, s.stopped_by, s.final_epoch = 0, "no_training", 0
        return
    if s.epoch_limit is None or s.max_steps is None or s.steps_per_epoch is None:
        return
    by_epochs = INF if s.epoch_limit == -1 else s.steps_per_epoch * s.epoch_limit
    by_steps = INF if s.max_steps == -1 else s.max_steps
    if by_epochs == INF and by_steps == INF:
        s.total_steps = INF
        s.stopped_by = None  # only max_time (or an interruption) ends it
        return
    if by_epochs <= by_steps:
        s.total_steps, s.stopped_by, s.final_epoch = by_epochs, "max_epochs", s.epoch_limit
    else:
        full, rest = divmod(s.max_steps, s.steps_per_epoch)
        s.total_steps, s.stopped_by, s.final_epoch = by_steps, "max_steps", full + (1 if rest else 0)


def epochs_needed(max_steps: int, steps_per_epoch: int) -> int:
    """The smallest max_epochs for which max_steps is reached."""
    return math.ceil(max_steps / steps_per_epoch)


def batches_needed(steps: int, accumulate: int) -> int:
    """The fewest batches per epoch that make ``steps`` optimizer steps
    (``ceil(b / a) >= steps``)."""
    return (steps - 1) * accumulate + 1
