"""The train data as the dry run measured it, per device of the configured run, and the
rule context whose schedule uses it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Tuple

from lightning_lint.confirm.configuration import Anchor
from lightning_lint.confirm.runner import ProbeRun
from lightning_lint.model.schedule import DataFacts, Schedule, compute
from lightning_lint.model.spec import TrainerSpec
from lightning_lint.rules.context import RuleContext

PLAIN_SAMPLERS = ("torch.utils.data.sampler.SequentialSampler", "torch.utils.data.sampler.RandomSampler")
PLAIN_BATCH_SAMPLER = "torch.utils.data.sampler.BatchSampler"


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
        return DataFacts(
            batches=self.batches,
            source=self.text,
            dataset_size=self.dataset_size,
            batch_size=self.batch_size,
            drop_last=self.drop_last,
            world_size=self.world_size,
            val_batches=self.val_batches,
            measured=True,
        )

    def saved_facts(self, entry: str) -> Dict[str, Any]:
        """The keys of ``[tool.lightning-lint.facts]`` (read back by the static check)."""
        facts: Dict[str, Any] = {
            "train-batches-per-epoch": self.batches,
            "measured-by": f"lightning-lint confirm {entry}",
        }
        for key, value in (
            ("dataset-size", self.dataset_size),
            ("batch-size", self.batch_size),
            ("world-size", self.world_size),
            ("val-batches", self.val_batches),
        ):
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
    if (
        loader.get("sampler") in PLAIN_SAMPLERS
        and loader.get("batch_sampler") == PLAIN_BATCH_SAMPLER
        and isinstance(size, int)
        and isinstance(batch, int)
        and batch > 0
    ):
        per_device = math.ceil(size / world)  # DistributedSampler pads every rank to ceil(N / W)
        return (per_device // batch if loader.get("drop_last") else math.ceil(per_device / batch)), ""
    return None, (
        f"the train dataloader uses its own sampler ({loader.get('batch_sampler') or loader.get('sampler')}): "
        f"its batches on each of {world} devices cannot be computed from one process"
    )


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
        notes.append(
            f"the number of devices is unknown ({record.get('world_size_reason') or 'not resolved'}): "
            "the batches per device, and the findings that need them, cannot be decided"
        )
    counts, problems = [], []
    for loader in loaders:
        count, problem = _per_device(loader, world, distributed)
        counts.append(count)
        if problem:
            problems.append(problem)
    batches = (
        _combine([c for c in counts if c is not None], mode)
        if counts and None not in counts and world is not None
        else None
    )
    notes.extend(problems)
    first = loaders[0]
    single = len(loaders) == 1
    val = run.of("measured_val")
    val_batches = None
    if val and val[-1].get("loaders"):
        val_lengths = [loader.get("len") for loader in val[-1]["loaders"]]
        val_batches = sum(val_lengths) if all(isinstance(n, int) for n in val_lengths) else None
    stateful_flags = [bool(loader.get("stateful")) for loader in loaders]
    details = []
    if single and isinstance(first.get("dataset_len"), int):
        details.append(f"{first['dataset_len']} samples")
    if single and isinstance(first.get("batch_size"), int):
        details.append(f"batch_size={first['batch_size']}")
    lengths = ", ".join(str(loader.get("len")) for loader in loaders)
    detail = (
        f"len(train_dataloader)={lengths}"
        if single
        else f"len of the {len(loaders)} train dataloaders={lengths} ({mode})"
    )
    detail += "".join(f", {d}" for d in details)
    if world and world > 1 and batches is not None:
        detail += f"; {batches} per device on {world} devices"
    return Measured(
        batches=batches,
        dataset_size=first.get("dataset_len") if single else None,
        batch_size=first.get("batch_size") if single else None,
        drop_last=bool(first.get("drop_last")) and single,
        world_size=world,
        stateful=all(stateful_flags) if stateful_flags else None,
        val_batches=val_batches,
        text=f"measured by confirm: {detail}",
        detail=detail,
        kinds=[str(loader.get("type", "")).rsplit(".", 1)[-1] for loader in loaders],
        notes=notes,
    )


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


def measured_project_facts(project: Any, measured: Optional[Measured], anchor: Anchor) -> Any:
    facts = project.facts
    if measured is None or measured.stateful is None:
        return facts
    if measured.stateful:
        return replace(facts, stateful_loaders=[(measured.kinds[0], anchor.loc)], train_plain_loaders=[])
    return replace(facts, stateful_loaders=[], train_plain_loaders=list(facts.train_plain_loaders) or [anchor.loc])
