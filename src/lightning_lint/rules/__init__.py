"""Rules: the model -> findings. One module per family of rules (``run_length``,
``checkpoints``, ``validation``, ...), the interface they share (``base``: the ``Rule``
class; ``context``: what a rule may consult), their helpers (``common``, ``fixes``) and,
here, the registry: every rule class in this package, by code.

Imports only ``model``: rules read specs, never syntax or files, so one rule serves every
source kind. What a rule needs of the settings or the project comes through the protocols
of ``context``.

Rule modules are found by listing the package, so adding a rule is adding a class.
Selection follows ruff: ``ALL``, a code prefix (``LL1``), a code (``LL101``) or a rule
name (``mid-epoch-checkpoint-not-resumable``); when several selectors match a rule, the
most specific wins, and ``ignore`` wins a tie.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Type

from lightning_lint.rules.base import CODE_PATTERN, NAME_PATTERN, Rule

_REGISTRY: Optional[Dict[str, Type[Rule]]] = None


class UnknownSelector(ValueError):
    pass


def _load() -> Dict[str, Type[Rule]]:
    global _REGISTRY
    if _REGISTRY is None:
        registry: Dict[str, Type[Rule]] = {}
        for module in pkgutil.iter_modules(__path__):
            if module.name == "base":
                continue
            loaded = importlib.import_module(f"{__name__}.{module.name}")
            for value in vars(loaded).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Rule)
                    and value.code
                    and value.__module__ == loaded.__name__
                ):
                    if not CODE_PATTERN.match(value.code) or not NAME_PATTERN.match(value.name):
                        raise RuntimeError(f"rule {value.__name__} has a malformed code or name")
                    if value.code in registry:
                        raise RuntimeError(f"rule code {value.code} is defined twice")
                    registry[value.code] = value
        _REGISTRY = dict(sorted(registry.items()))
    return _REGISTRY


def all_rules() -> List[Type[Rule]]:
    return list(_load().values())


def get(code_or_name: str) -> Optional[Type[Rule]]:
    registry = _load()
    key = code_or_name.strip()
    if key.upper() in registry:
        return registry[key.upper()]
    for rule in registry.values():
        if rule.name == key:
            return rule
    return None


def _specificity(selector: str, rule: Type[Rule]) -> int:
    """How closely a selector names a rule: 0 no match, higher is more specific."""
    if selector == "ALL":
        return 1
    if selector == rule.name:
        return 10
    upper = selector.upper()
    if upper.startswith("LL") and rule.code.startswith(upper):
        return 1 + len(upper)
    return 0


def validate_selectors(selectors: Iterable[str]) -> None:
    registry = _load()
    for selector in selectors:
        if not any(_specificity(selector, rule) for rule in registry.values()):
            import difflib

            names = list(registry) + [rule.name for rule in registry.values()]
            close = difflib.get_close_matches(selector, names, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise UnknownSelector(f"unknown rule selector `{selector}`{hint}")


def resolve_selection(
    select: Optional[Sequence[str]], extend_select: Sequence[str], ignore: Sequence[str]
) -> Tuple[str, ...]:
    """The codes that are on."""
    registry = _load()
    enabled = []
    for code, rule in registry.items():
        positive = max((_specificity(s, rule) for s in list(select or []) + list(extend_select)), default=0)
        if select is None and rule.default_enabled:
            positive = max(positive, 1)
        negative = max((_specificity(s, rule) for s in ignore), default=0)
        if positive and positive > negative:
            enabled.append(code)
    return tuple(enabled)


def codes_matching(selectors: Sequence[str]) -> Tuple[str, ...]:
    registry = _load()
    return tuple(code for code, rule in registry.items() if any(_specificity(s, rule) for s in selectors))
