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

from lightning_lint.model.spec import TrainerSpec, Value

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
            return DataFacts(
                batches=int(facts["train-batches-per-epoch"]),
                source=f"train-batches-per-epoch={facts['train-batches-per-epoch']} in {where}",
                world_size=world,
                val_batches=facts.get("val-batches"),
                measured=bool(facts.get("measured")),
            )
        if "dataset-size" in facts and "batch-size" in facts:
            size, batch = int(facts["dataset-size"]), int(facts["batch-size"])
            drop = bool(facts.get("drop-last", False))
            per_device = math.ceil(size / world) if world and world > 1 else size
            batches = (per_device // batch if drop else math.ceil(per_device / batch)) if batch > 0 else None
            detail = (
                f"dataset-size={size}, batch-size={batch}"
                + (", drop-last" if drop else "")
                + (f", world-size={world}" if world and world > 1 else "")
            )
            return DataFacts(
                batches=batches,
                source=f"{detail} in {where}",
                dataset_size=size,
                batch_size=batch,
                drop_last=drop,
                world_size=world,
                val_batches=facts.get("val-batches"),
            )
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
    last_epoch_batches: Optional[int] = None  # batches of the final epoch (fewer when max_steps cuts it)
    # validation (None: unknown)
    validation: Optional["Validation"] = None
    # logging: log_every_n_steps counts optimizer steps (``_batches_that_stepped``)
    log_every_n_steps: Optional[int] = 50
    unknowns: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)

    @property
    def epochs_run(self) -> Optional[int]:
        """Epochs the fit starts: known without the batch count when only ``max_epochs``
        bounds the run (assuming the data has at least one batch)."""
        if self.final_epoch is not None:
            return self.final_epoch
        if (
            self.max_steps == -1
            and self.has_max_time is False
            and isinstance(self.epoch_limit, int)
            and self.epoch_limit >= 0
        ):
            return self.epoch_limit
        return None

    @property
    def total_batches(self) -> Optional[int]:
        """Training batches of the whole fit (None: unknown or unbounded)."""
        if self.stopped_by == "no_training":
            return 0
        if self.final_epoch is None or self.batches is None or self.last_epoch_batches is None:
            return None
        if self.final_epoch == 0:
            return 0
        return (self.final_epoch - 1) * self.batches + self.last_epoch_batches

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
        data = data_facts(ctx) if ctx is not None else DataFacts()
    return compute(spec, data)


def data_facts(ctx: Any) -> DataFacts:
    """The data facts stated in the settings for the file being linted (or saved by
    ``confirm``); empty when there are none."""
    stated = ctx.user_facts()
    if not stated:
        return DataFacts()
    where = ".lightning-lint/facts.json, measured by confirm" if stated.get("measured") else _facts_origin(ctx)
    return DataFacts.from_settings(stated, where)


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
    if (
        not fast
        and s.has_max_time is False
        and spec.callbacks_open
        and "max_epochs" not in s.unknowns
        and s.max_epochs is None
        and s.max_steps == -1
    ):
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
            "max_steps is" if s.max_steps != -1 else "max_time is"
        )

    # batches per epoch
    s.dataset_batches = data.batches
    if limit_value is not None or "limit_train_batches" not in s.unknowns:
        batches, exact = limited_batches(data.batches, limit_value)
    else:
        batches, exact = None, False
    s.batches, s.batches_exact = batches, exact
    if batches is not None:
        if data.batches is not None and exact:
            s.batches_source = (
                data.source if limit_value in (None, 1.0) else f"{limit_name} of {data.batches} ({data.source})"
            )
        else:
            s.batches_source = limit_name + ("" if exact else ", assuming the dataset has at least that many batches")
    if s.batches is not None and s.accumulate is not None and s.accumulate > 0:
        s.steps_per_epoch = math.ceil(s.batches / s.accumulate)

    _outcome(s)
    s.validation = validation(spec, s, data)
    log = spec.get("log_every_n_steps")
    s.log_every_n_steps = (50 if log.data is None else _int(log)) if log.decidable else None
    return s


def _outcome(s: Schedule) -> None:
    """Total optimizer steps, which limit stops training, and the final epoch (§2.11)."""
    if s.epoch_limit == 0 or s.max_steps == 0 or s.batches == 0:
        s.total_steps, s.stopped_by, s.final_epoch, s.last_epoch_batches = 0, "no_training", 0, 0
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
        s.last_epoch_batches = s.batches
    else:
        # steps_per_epoch is only ever set from known batches and accumulate (for_spec)
        assert s.batches is not None and s.accumulate is not None
        full, rest = divmod(s.max_steps, s.steps_per_epoch)
        s.total_steps, s.stopped_by, s.final_epoch = by_steps, "max_steps", full + (1 if rest else 0)
        s.last_epoch_batches = min(s.batches, rest * s.accumulate) if rest else s.batches


def epochs_needed(max_steps: int, steps_per_epoch: int) -> int:
    """The smallest max_epochs for which max_steps is reached."""
    return math.ceil(max_steps / steps_per_epoch)


def batches_needed(steps: int, accumulate: int) -> int:
    """The fewest batches per epoch that make ``steps`` optimizer steps
    (``ceil(b / a) >= steps``)."""
    return (steps - 1) * accumulate + 1


# -- validation ------------------------------------------------------------------------------


@dataclass
class Validation:
    """When validation runs during fit (``_should_check_val_fx``, research §2.5).

    ``enabled`` is False when ``limit_val_batches=0``, None when it depends on the model
    (a ``validation_step`` and a val loader). ``check_batch`` is ``val_check_batch``: the
    batch interval (within an epoch, or across epochs when ``every_n_epochs`` is None);
    None for time-based validation or when it depends on an unknown. ``runs`` counts the
    validation runs of the whole fit (sanity check excluded), assuming validation exists."""

    enabled: Optional[bool]
    mode: str  # fraction | batches | time | unknown
    interval: Any
    every_n_epochs: Optional[int]
    check_batch: Optional[int] = None
    runs: Optional[int] = None
    last_epoch_validated: Optional[bool] = None

    def describe(self) -> str:
        if self.enabled is False:
            return "disabled (limit_val_batches=0)"
        if self.mode == "time":
            when = f"every {self.interval} of wall-clock time"
        elif self.mode == "unknown":
            return "unknown"
        elif self.mode == "fraction" and self.interval == 1.0:
            when = "at the end of each epoch"
        elif self.check_batch is not None:
            when = f"every {self.check_batch} training batches"
        else:
            when = f"every {self.interval} of an epoch"
        if self.every_n_epochs is None:
            when += " (counted across epochs)"
        elif self.every_n_epochs != 1:
            when += f", in every {self.every_n_epochs}th epoch"
        return when


def _is_time(value: Any) -> bool:
    from lightning_lint.model.spec import Call

    return isinstance(value, (str, dict)) or (isinstance(value, Call) and value.short_name == "timedelta")


def validation(spec: TrainerSpec, s: "Schedule", data: Optional[DataFacts] = None) -> Validation:
    """Resolve the validation schedule of ``spec`` on top of its loop schedule. Whether
    validation exists at all depends on the model unless ``data.val_batches`` says."""
    limit_val = spec.get("limit_val_batches")
    overfit = spec.get("overfit_batches")
    enabled: Optional[bool] = None
    if s.fast_dev_run:
        enabled = None
    elif (
        overfit.decidable
        and isinstance(overfit.data, (int, float))
        and not isinstance(overfit.data, bool)
        and overfit.data > 0
    ):
        enabled = None
    elif (
        limit_val.decidable
        and isinstance(limit_val.data, (int, float))
        and not isinstance(limit_val.data, bool)
        and limit_val.data == 0
    ):
        enabled = False
    elif not limit_val.decidable:
        s.unknowns["limit_val_batches"] = limit_val.reason
    elif data is not None and data.val_batches is not None:
        limited, _ = limited_batches(data.val_batches, limit_val.data)
        enabled = bool(limited)
    vci, every = spec.get("val_check_interval"), spec.get("check_val_every_n_epoch")
    if s.fast_dev_run:
        interval, n = 1.0, 1
    else:
        if not vci.decidable or not every.decidable:
            return Validation(enabled, "unknown", None, None)
        interval = 1.0 if vci.data is None else vci.data
        n = every.data
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
            return Validation(enabled, "unknown", interval, None)
    if _is_time(interval):
        return Validation(enabled, "time", interval, n)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)):
        return Validation(enabled, "unknown", interval, n)
    v = Validation(enabled, "batches" if isinstance(interval, int) else "fraction", interval, n)
    if isinstance(interval, int):
        v.check_batch = interval if interval > 0 else None
    elif s.batches is not None and s.batches_exact:
        v.check_batch = max(1, int(s.batches * interval))
    if v.check_batch is None or s.final_epoch is None or s.batches is None or s.last_epoch_batches is None:
        return v
    if not s.batches_exact and isinstance(interval, int):
        return v  # an int limit is only an upper bound of the batches
    epochs, per_epoch, last = s.final_epoch, s.batches, s.last_epoch_batches
    if epochs == 0:
        v.runs, v.last_epoch_validated = 0, False
    elif n is None:
        total = (epochs - 1) * per_epoch + last
        v.runs = total // v.check_batch
        v.last_epoch_validated = total % v.check_batch == 0
    else:
        if v.check_batch > per_epoch:
            return v  # Lightning refuses this at fit start (LL201)
        v.runs = ((epochs - 1) // n) * (per_epoch // v.check_batch) + (last // v.check_batch if epochs % n == 0 else 0)
        v.last_epoch_validated = epochs % n == 0 and last % v.check_batch == 0
    return v


# -- checkpoints -----------------------------------------------------------------------------


@dataclass
class CheckpointPlan:
    """When one ModelCheckpoint saves (research §3.1-3.3). None means unknown."""

    trigger: str  # steps | epochs | time | unknown
    every: Any = None
    on_train_epoch_end: Optional[bool] = None  # where epoch-triggered saves happen
    saves: Optional[int] = None  # saves during the fit (``last.ckpt`` aside)
    last_save_step: Optional[int] = None
    final_saved: Optional[bool] = None  # whether the final weights are saved by the trigger
    mid_epoch: Optional[bool] = None  # whether saves can happen before an epoch ends

    def describe(self) -> str:
        if self.trigger == "steps":
            return f"every {self.every} optimizer steps"
        if self.trigger == "time":
            return f"every {self.every} of training time"
        if self.trigger == "epochs":
            where = {
                True: "at the end of the training epoch",
                False: "after validation",
                None: "at epoch end or after validation",
            }[self.on_train_epoch_end]
            return ("every epoch" if self.every == 1 else f"every {self.every} epochs") + f", {where}"
        return "unknown"


def _plain_int(value: Value) -> Optional[int]:
    return value.data if value.decidable and isinstance(value.data, int) and not isinstance(value.data, bool) else None


def checkpoint_plan(callback: Any, s: "Schedule", v: Optional[Validation]) -> CheckpointPlan:
    """The save schedule of ``callback`` (a ModelCheckpoint CallbackSpec) in the fit ``s``."""
    steps, epochs, interval = (
        callback.get(n) for n in ("every_n_train_steps", "every_n_epochs", "train_time_interval")
    )
    if not (steps.decidable and epochs.decidable and interval.decidable):
        return CheckpointPlan("unknown")
    n_steps, n_epochs = _plain_int(steps), _plain_int(epochs)
    if steps.data is None and epochs.data is None and interval.data is None:
        n_steps, n_epochs = 0, 1
    if interval.data is not None:
        return CheckpointPlan("time", interval.data, mid_epoch=True)
    if n_steps:
        plan = CheckpointPlan("steps", n_steps, mid_epoch=True)
        if s.fast_dev_run:
            plan.saves, plan.final_saved = 0, False
        elif isinstance(s.total_steps, int):
            plan.saves = s.total_steps // n_steps
            plan.last_save_step = plan.saves * n_steps if plan.saves else None
            plan.final_saved = s.total_steps % n_steps == 0 and s.total_steps > 0
            if s.steps_per_epoch:
                plan.mid_epoch = n_steps % s.steps_per_epoch != 0
        return plan
    if not n_epochs:
        return CheckpointPlan("unknown" if n_epochs is None else "none", 0, saves=0)
    plan = CheckpointPlan("epochs", n_epochs)
    plan.on_train_epoch_end = _saves_on_train_epoch_end(callback, v)
    plan.mid_epoch = (
        False
        if plan.on_train_epoch_end
        else (None if v is None or v.mode != "fraction" or v.interval != 1.0 else False)
    )
    if s.fast_dev_run:
        plan.saves, plan.final_saved = 0, False
        return plan
    final = s.epochs_run
    if final is None:
        return plan
    if plan.on_train_epoch_end is False and v is not None and v.enabled is False:
        plan.saves, plan.final_saved = 0, False  # saves follow validation, which never runs
    elif plan.on_train_epoch_end:
        plan.saves = final // n_epochs
        plan.final_saved = final > 0 and final % n_epochs == 0
    elif (
        plan.on_train_epoch_end is False
        and v is not None
        and v.every_n_epochs is not None
        and v.mode in ("fraction", "batches")
        and v.check_batch is not None
        and s.batches is not None
        and s.last_epoch_batches is not None
        and v.check_batch <= s.batches
        and (s.accumulate == 1 or v.check_batch >= (s.accumulate or 1))
        and (v.mode == "fraction" or s.batches_exact)
    ):
        # saves follow validation runs in epochs where both intervals divide the epoch number
        both = _lcm(n_epochs, v.every_n_epochs)
        per_epoch = s.batches // v.check_batch
        plan.saves = (
            ((final - 1) // both) * per_epoch + (s.last_epoch_batches // v.check_batch if final % both == 0 else 0)
            if final
            else 0
        )
        plan.final_saved = final > 0 and final % both == 0 and s.last_epoch_batches % v.check_batch == 0
    return plan


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b)


def _saves_on_train_epoch_end(callback: Any, v: Optional[Validation]) -> Optional[bool]:
    """``ModelCheckpoint._should_save_on_train_epoch_end`` (research §3.2)."""
    explicit = callback.get("save_on_train_epoch_end")
    if not explicit.decidable:
        return None
    if explicit.data is not None:
        return bool(explicit.data)
    if v is None or v.mode == "unknown":
        return None
    if v.mode == "time":
        return False
    if v.every_n_epochs != 1:
        return False
    if v.enabled is False:
        return True
    if v.interval == 1.0:
        return True  # also the int 1, as in Lightning's `val_check_interval == 1.0`
    return False if v.enabled else None


# -- learning-rate schedulers ----------------------------------------------------------------


def scheduler_steps(s: Schedule, interval: Optional[str], frequency: Optional[int]) -> Optional[int]:
    """How many times Lightning steps a scheduler in the fit ``s``
    (``_TrainingEpochLoop.update_lr_schedulers``): ``interval="step"`` after each batch that
    steps the optimizer whose ``batch_idx + 1`` is a multiple of ``frequency``;
    ``interval="epoch"`` at the end of each completed epoch whose number is a multiple of
    ``frequency`` (an epoch cut short by ``max_steps`` does not step it). None: unknown."""
    if interval not in ("step", "epoch") or not isinstance(frequency, int) or frequency < 1:
        return None
    if s.stopped_by == "no_training":
        return 0
    if interval == "epoch":
        if s.final_epoch is not None and s.batches is not None and s.last_epoch_batches is not None:
            full = s.final_epoch if s.last_epoch_batches == s.batches else s.final_epoch - 1
            return max(full, 0) // frequency
        epochs = s.epochs_run
        return epochs // frequency if epochs is not None and epochs >= 0 else None
    if (
        frequency == 1
        and s.epoch_limit == -1
        and isinstance(s.max_steps, int)
        and s.max_steps > 0
        and s.has_max_time is False
    ):
        return s.max_steps  # only max_steps ends the run: one scheduler step per optimizer step
    if s.final_epoch is None or s.batches is None or s.last_epoch_batches is None or not s.accumulate:
        return None
    if not s.batches_exact:
        return None
    acc, n = s.accumulate, s.batches
    if frequency == 1 and isinstance(s.total_steps, int):
        return s.total_steps
    if n > 1_000_000:
        return None

    def stepped(batches_run: int) -> int:
        return sum(1 for i in range(batches_run) if ((i + 1) % acc == 0 or i == n - 1) and (i + 1) % frequency == 0)

    return (s.final_epoch - 1) * stepped(n) + stepped(s.last_epoch_batches) if s.final_epoch else 0


def run_quantities(s: Schedule) -> Dict[str, Optional[float]]:
    """The run quantities a scheduler's horizon may refer to (``model.optimizers.Horizon``)."""
    # Trainer.estimated_stepping_batches: ceil(batches / accumulate) * max(max_epochs, 1), capped by max_steps
    estimated: Optional[float] = None
    if s.epoch_limit == -1:
        estimated = s.max_steps if s.max_steps not in (None, -1) else None
    elif s.epoch_limit is not None and s.steps_per_epoch is not None and s.batches_exact and s.max_steps is not None:
        estimated = s.steps_per_epoch * max(s.epoch_limit, 1)
        if s.max_steps != -1:
            estimated = min(estimated, s.max_steps)
    return {
        "trainer.estimated_stepping_batches": estimated,
        "trainer.max_steps": s.max_steps,
        "trainer.max_epochs": s.epoch_limit if s.epoch_limit is not None and s.epoch_limit >= 0 else None,
        "train_batches": s.batches if s.batches_exact else None,
    }


def scheduler_step_at(s: Schedule, interval: Optional[str], frequency: Optional[int], k: int) -> Optional[int]:
    """The optimizer step (``global_step``) right after which Lightning steps a scheduler
    for the ``k``-th time, when the run gets that far; None when unknown or never."""
    total = scheduler_steps(s, interval, frequency)
    if total is None or k < 1 or k > total or not isinstance(frequency, int):
        return None
    if s.steps_per_epoch is None or s.batches is None or not s.accumulate:
        if interval == "step" and frequency == 1:
            return k
        return None
    acc, n, per_epoch = s.accumulate, s.batches, s.steps_per_epoch
    if interval == "epoch":
        return k * frequency * per_epoch
    if n > 1_000_000:
        return None
    positions = [i for i in range(n) if ((i + 1) % acc == 0 or i == n - 1) and (i + 1) % frequency == 0]
    if not positions:
        return None
    epoch, index = divmod(k - 1, len(positions))
    return epoch * per_epoch + math.ceil((positions[index] + 1) / acc)
