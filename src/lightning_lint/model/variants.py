"""Configurations a Trainer may run with, one per consistent choice of candidates.

An argument whose value depends on a branch carries *candidates* (``model/spec.py``):
``strategy="ddp" if n > 1 else "dp"`` is unknown to the rules, with the candidates "ddp"
when ``n > 1`` and "dp" when not. ``expand`` turns a spec into *variants*: copies in which
every such argument holds one candidate, chosen consistently (two arguments that depend on
the same test take the arms of the same outcome). The engine runs the rules on each variant
and keeps a finding with the condition under which it holds (``describe``).

Bounded: at most ``MAX_TESTS`` distinct tests are split on (2**4 = 16 variants); the
arguments that depend on further tests stay unknown.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lightning_lint.model.spec import ABSENT, CallbackSpec, Candidate, Condition, TrainerSpec, Value

MAX_TESTS = 4

# An outcome of the tests: test text -> whether it holds.
Outcome = Dict[str, bool]


@dataclasses.dataclass
class Variant:
    """A spec with one candidate chosen for each argument that has several."""

    outcome: Outcome
    spec: TrainerSpec
    chosen: Tuple[Value, ...]  # the candidate values put in, for their locations


def has_candidates(spec: TrainerSpec) -> bool:
    return any(v.candidates for v in _arguments(spec))


def expand(spec: TrainerSpec) -> List[Variant]:
    """The variants of ``spec``; ``[]`` when no argument has candidates."""
    tests = _tests(spec)
    if not tests:
        return []
    variants = []
    for bits in itertools.product((True, False), repeat=len(tests)):
        outcome = dict(zip(tests, bits))
        chosen: List[Value] = []
        args = {name: _choose(value, outcome, chosen) for name, value in spec.args.items()}
        callbacks = [_callback_variant(cb, outcome, chosen) for cb in spec.callbacks]
        variant = dataclasses.replace(
            spec,
            args={name: value for name, value in args.items() if not value.absent},
            callbacks=callbacks,
            extras=dict(spec.extras),
        )
        variants.append(Variant(outcome, variant, tuple(chosen)))
    return variants


def describe(outcomes: Sequence[Outcome], all_outcomes: Sequence[Outcome]) -> Optional[str]:
    """The condition under which something holds in ``outcomes`` (a subset of
    ``all_outcomes``): the tests whose result is the same in all of them, in words.
    None when it holds in every outcome (no condition to state)."""
    if len(outcomes) == len(all_outcomes):
        return None
    fixed = [
        (test, outcomes[0][test])
        for test in outcomes[0]
        if all(outcome[test] == outcomes[0][test] for outcome in outcomes)
    ]
    if not fixed:
        return "on some paths"
    return " and ".join(phrase(test, holds) for test, holds in fixed)


_FLIP = {" > ": " <= ", " >= ": " < ", " < ": " >= ", " <= ": " > ", " == ": " != ", " != ": " == "}
_SIMPLE_OPERAND = re.compile(r"^[\w.\[\]'\"()-]+$")


def phrase(test: str, holds: bool) -> str:
    """``n > 1`` held or not, in words: ``n > 1`` / ``n <= 1``; ``not x`` / ``x``;
    ``the `try` at line 5 raises``."""
    if test.startswith("~"):  # a described event, not an expression: "~try:12"
        kind, _, line = test[1:].partition(":")
        if kind == "try":
            return f"the `try` block at line {line} {'completes' if holds else 'raises'}"
        if kind == "loop":
            return f"the loop at line {line} {'runs' if holds else 'does not run'}"
        return f"the `case` at line {line} {'matches' if holds else 'does not match'}"
    if holds:
        return test
    if test.startswith("not ") and _SIMPLE_OPERAND.match(test[4:]):
        return test[4:]
    for operator, flipped in _FLIP.items():
        left, found, right = test.partition(operator)
        if found and _SIMPLE_OPERAND.match(left) and _SIMPLE_OPERAND.match(right):
            return f"{left}{flipped}{right}"
    if test.endswith((" is None", " is not None")):
        return test[:-8] + " is not None" if test.endswith(" is None") else test[:-12] + " is None"
    if _SIMPLE_OPERAND.match(test):
        return f"not {test}"
    return f"not ({test})"


def holds(when: Condition, outcome: Outcome) -> bool:
    """Whether a candidate's condition is met by an outcome (tests not split on are
    taken as met: ``_choose`` only chooses among candidates whose tests were split on)."""
    return all(outcome.get(test, value) == value for test, value in when)


def _tests(spec: TrainerSpec) -> List[str]:
    seen: Dict[str, None] = {}
    for value in _arguments(spec):
        for candidate in value.candidates:
            for test, _ in candidate.when:
                seen.setdefault(test, None)
    return list(seen)[:MAX_TESTS]


def _arguments(spec: TrainerSpec) -> Iterable[Value]:
    yield from spec.args.values()
    for callback in spec.callbacks:
        yield from callback.args.values()


def _choose(value: Value, outcome: Outcome, chosen: List[Value]) -> Value:
    if not value.candidates:
        return value
    if any(test not in outcome for c in value.candidates for test, _ in c.when):
        return value  # depends on a test beyond the bound: stays unknown
    matching = [c for c in value.candidates if holds(c.when, outcome)]
    if len(matching) != 1:
        return value
    candidate = matching[0].value
    if candidate.kind == ABSENT:
        return candidate
    # a finding points at the whole ``key=value`` as written (the same in every variant, so
    # a finding of every arm is one finding); the candidate keeps its own value location
    placed = dataclasses.replace(
        candidate,
        key_loc=value.key_loc or candidate.key_loc,
        key_path=value.key_path,
        loc=value.loc or candidate.loc or candidate.value_loc,
    )
    chosen.append(placed)
    return placed


def _callback_variant(callback: CallbackSpec, outcome: Outcome, chosen: List[Value]) -> CallbackSpec:
    if not any(v.candidates for v in callback.args.values()):
        return callback
    args = {name: _choose(value, outcome, chosen) for name, value in callback.args.items()}
    return dataclasses.replace(callback, args={name: value for name, value in args.items() if not value.absent})


def candidate_set(items: Sequence[Tuple[Condition, Value]], reason: str, **where: object) -> Value:
    """An unknown value with these candidates; a single known value when every candidate
    is the same literal."""
    from lightning_lint.model.spec import KNOWN, unknown

    values = [v for _, v in items]
    if values and all(v.kind == KNOWN and _literal(v) for v in values):
        first = values[0].data
        if all(type(v.data) is type(first) and v.data == first for v in values):
            return dataclasses.replace(values[0], **where)  # type: ignore[arg-type]
    result = unknown(reason, **where)
    return dataclasses.replace(result, candidates=tuple(Candidate(when, value) for when, value in items))


def dict_of_candidates(value: Value) -> Optional[Dict[str, Value]]:
    """A candidate set of dicts (a helper with two ``return {...}``) as one dict whose
    entries are candidate sets: each key under the conditions of the dicts that hold it,
    absent under the others. None when a candidate is not a known dict."""
    from lightning_lint.model.spec import absent

    if not value.candidates or not all(c.value.is_dict() for c in value.candidates):
        return None
    keys: Dict[str, None] = {}
    for c in value.candidates:
        keys.update(dict.fromkeys(c.value.data))
    merged: Dict[str, Value] = {}
    for key in keys:
        items: List[Tuple[Condition, Value]] = []
        for c in value.candidates:
            entry = c.value.data.get(key)
            if entry is None:
                items.append((c.when, absent(key_path=key)))
            elif entry.candidates:
                items.extend((c.when + inner.when, inner.value) for inner in entry.candidates)
            else:
                items.append((c.when, entry))
        where = next((c.value.data[key] for c in value.candidates if key in c.value.data), None)
        merged[key] = candidate_set(
            items,
            value.reason,
            key_path=key,
            loc=where.loc if where is not None else None,
            key_loc=where.key_loc if where is not None else None,
        )
    return merged


def _literal(value: Value) -> bool:
    return isinstance(value.data, (str, int, float, bool)) or value.data is None
