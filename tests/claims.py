"""The registry of tests that check a rule's claim about Lightning's behaviour.

Decorate a test in any ``tests/test_lightning_behaviour*.py`` module with
``@claim("LL123")``; ``test_every_rule_has_a_claim`` fails for a rule without one."""

from __future__ import annotations

from typing import Dict, List

CLAIMS: Dict[str, List[str]] = {}


def claim(*codes: str):
    def register(func):
        for code in codes:
            CLAIMS.setdefault(code, []).append(func.__name__)
        return func

    return register
