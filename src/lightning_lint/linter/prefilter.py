"""A cheap byte scan that decides whether a file can matter before anything is parsed.

A repository of unrelated Python should cost little more than reading it: a file that
names no Trainer, callback, loader, LightningCLI or removed Lightning hook cannot hold
anything a rule checks.
"""

from __future__ import annotations

import re
from typing import Dict, List

from lightning_lint.model import lightning_api

_PY_WORDS = sorted(
    {
        "Trainer",
        "Fabric",
        "LightningCLI",
        "DataLoader",
        "StatefulDataLoader",
        "StreamingDataLoader",
        "_epoch_end",
        "automatic_optimization",
        "configure_optimizers",
    }
    | set(lightning_api.CALLBACKS)
    | set(lightning_api.REMOVED_CALLBACK_CLASSES),
    key=len,
    reverse=True,
)
# A word that contains another (``StatefulDataLoader``) is found by that one.
_SEARCHED = [w.encode() for w in _PY_WORDS if not any(o != w and o in w for o in _PY_WORDS)]
# The commonest words of Lightning code first, each a plain substring search: most files
# that matter are found by one of them. Then the words that do not start with a capital
# (a regex would try every ``a``, ``c`` and ``_``), then one regex for the rest, grouped by
# first letter (few positions of a file start a match, and each tries one group).
_FIRST = (b"Trainer", b"DataLoader")
_PYTHON_LOWER = tuple(w for w in _SEARCHED if not w[:1].isupper())


def _by_first_letter(words: List[bytes]) -> "re.Pattern[bytes]":
    tails: Dict[bytes, List[bytes]] = {}
    for word in sorted(words):
        tails.setdefault(word[:1], []).append(re.escape(word[1:]))
    return re.compile(b"|".join(re.escape(first) + b"(?:" + b"|".join(rest) + b")" for first, rest in tails.items()))


_PYTHON = _by_first_letter([w for w in _SEARCHED if w[:1].isupper() and w not in _FIRST])

# YAML that can configure Lightning mentions a trainer, a Hydra target or a LightningCLI
# class path; anything else (CI workflows, docker-compose, conda environments) is skipped.
_YAML = re.compile(
    rb"trainer|Trainer|_target_|class_path|callbacks|"
    + b"|".join(re.escape(name.encode()) for name in sorted(lightning_api.CALLBACKS, key=len, reverse=True))
)


def python_may_matter(data: bytes) -> bool:
    return (
        any(word in data for word in _FIRST)
        or any(word in data for word in _PYTHON_LOWER)
        or _PYTHON.search(data) is not None
    )


def yaml_may_matter(data: bytes) -> bool:
    return _YAML.search(data) is not None
