"""Which class names of a project may extend a Trainer or a callback, read from the bytes.

The extractor asks the project's class index whether a called class (``MyTrainer(...)``)
extends a Lightning class (``model/subclasses.py``). On a cold run the index is not built
until the files are parsed, so such an extraction was provisional and its rules waited
for the facts (``docs/design.md``, "provisional extraction"): on a large project that is
most files, since most call some class of their own project.

The index resolves a name only through class statements: the class of that name, each of
its bases by the last part of the dotted name they resolve to (through an import alias,
``import x.Trainer as T``, or an assignment, ``T = pl.Trainer``, in the same file), down
to ``Trainer``, a Lightning callback or a library subclass of one. So a name that no chain
of ``class`` statements and aliases anywhere in the project's text leads from cannot
resolve, whatever the facts say. This scan finds the names that may: a superset, since
it reads text (comments and strings included) rather than code, and treats every alias
of the project as visible everywhere. Its "no" is exact; its "maybe" waits for the facts.
"""

from __future__ import annotations

import json
import re
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

from lightning_lint.model import lightning_api
from lightning_lint.model import subclasses as subclass_data

# The last parts of what the index resolves to (``subclasses.lightning_symbol`` and the
# library subclasses).
TARGETS = frozenset(
    {"Trainer"}
    | set(lightning_api.CALLBACKS)
    | set(lightning_api.REMOVED_CALLBACK_CLASSES)
    | {name.rsplit(".", 1)[-1] for name in subclass_data.LIBRARY_SUBCLASSES}
)

# (a literal first: the regex engine then skips to each ``class`` without trying every position)
_CLASS = re.compile(r"class[ \t]+(\w+)[ \t]*(\(?)")
_DOTTED = re.compile(r"[\w.]+")
_BEFORE_AS = re.compile(r"([\w.]+)[ \t]+$")
_AS = re.compile(r"as[ \t]+(\w+)")
_ASSIGNED_VALUE = re.compile(r"=[ \t]*([\w.][\w. \t]*?)[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_ASSIGNED_NAME = re.compile(r"[ \t]*(\w+)[ \t]*(?::[^=\n]*)?")
MAX_BASES = 4000  # characters of a class's parenthesised bases read (a longer list: may extend)


class Prescan:
    """Class statements and aliases gathered from a project's files; ``may_extend``
    answers once all are added."""

    def __init__(self) -> None:
        self.bases: Dict[str, List[Optional[Tuple[str, ...]]]] = {}  # None: bases unreadable
        self.aliases: Dict[str, Set[str]] = {}  # alias -> the names it stands for
        # the classes of the files that mention ``automatic_optimization``: the project facts'
        # manually optimized modules are among them (a class says so in its own body)
        self.maybe_manual: Set[str] = set()
        self._reaching: Optional[Set[str]] = None

    def add(self, data: bytes, notebook: bool = False) -> None:
        """One Python file's (or notebook's) bytes."""
        if b"class" not in data:
            return  # no class statement: its aliases cannot be a base of anything here
        text = _notebook_code(data) if notebook else data.decode("utf-8", errors="replace")
        self._reaching = None
        named: Set[str] = set()  # the base names of this file's classes
        manual = "automatic_optimization" in text
        for match in _CLASS.finditer(text):
            if match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] == "_"):
                continue  # ``subclass``, ``my_class``
            bases: Optional[Tuple[str, ...]] = ()
            if match.group(2):
                bases = _bases(text, match.end())
            self.bases.setdefault(match.group(1), []).append(bases)
            named.update(bases or ())
            if manual:
                self.maybe_manual.add(match.group(1))
        # An alias is followed in its own file only (the extractor's names are the file's):
        # ``import x.Trainer as T`` / ``T = pl.Trainer`` for a base ``T`` of a class here.
        named -= TARGETS  # (they reach as they are)
        if named:
            self._aliases(text, named)

    def _aliases(self, text: str, names: Set[str]) -> None:
        for match in _AS.finditer(text):
            if match.group(1) in names and match.start() and text[match.start() - 1] in " \t":
                before = _BEFORE_AS.search(text, max(0, match.start() - 300), match.start())
                if before:
                    self.aliases.setdefault(match.group(1), set()).add(before.group(1).rsplit(".", 1)[-1])
        for match in _ASSIGNED_VALUE.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            target = _ASSIGNED_NAME.fullmatch(text, line_start, match.start())
            value = "".join(match.group(1).split())
            if target and target.group(1) in names and _DOTTED.fullmatch(value):
                self.aliases.setdefault(target.group(1), set()).add(value.rsplit(".", 1)[-1])

    def may_extend(self, dotted: str) -> bool:
        """Whether the class index might resolve ``dotted`` to a Lightning class."""
        return dotted.rsplit(".", 1)[-1] in self.reaching()

    def reaching(self) -> Set[str]:
        if self._reaching is None:
            self._reaching = _closure(self.bases, self.aliases)
        return self._reaching


def _closure(bases: Dict[str, List[Optional[Tuple[str, ...]]]], aliases: Dict[str, Set[str]]) -> Set[str]:
    reaching: Set[str] = set(TARGETS)
    changed = True
    while changed:
        changed = False
        for name, definitions in bases.items():
            if name not in reaching and any(d is None or reaching.intersection(d) for d in definitions):
                reaching.add(name)
                changed = True
        for alias, names in aliases.items():
            if alias not in reaching and reaching.intersection(names):
                reaching.add(alias)
                changed = True
    return reaching


def _bases(text: str, start: int) -> Optional[Tuple[str, ...]]:
    """The last parts of the dotted names among the bases that open at ``start`` (just
    after the ``(``); None when they cannot be read (may extend anything)."""
    depth, position, end = 1, start, min(len(text), start + MAX_BASES)
    kept: List[str] = []  # the text without strings and comments
    while position < end:
        char = text[position]
        if char in "'\"":  # a string (``Generic["T"]``): skipped to its closing quote
            close = text.find(char, position + 1, end)
            while close > 0 and text[close - 1] == "\\":
                close = text.find(char, close + 1, end)
            if close < 0:
                return None
            kept.append("''")
            position = close + 1
            continue
        if char == "#":
            newline = text.find("\n", position, end)
            if newline < 0:
                return None
            position = newline
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                break
        kept.append(char)
        position += 1
    else:
        return None
    names: List[str] = []
    for part in _top_level_parts("".join(kept)):
        part = "".join(part.split())
        if part.startswith("*") or "=" in part:
            continue  # ``*bases`` and keywords (``metaclass=``) are not bases the index follows
        if _DOTTED.fullmatch(part):
            names.append(part.rsplit(".", 1)[-1])
        # anything else (``Generic[T]``, ``make_base()``) resolves to no class
    return tuple(names)


def _top_level_parts(text: str) -> Iterable[str]:
    depth, begin = 0, 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            yield text[begin:position]
            begin = position + 1
    yield text[begin:]


def _notebook_code(data: bytes) -> str:
    """A notebook's cells joined (its raw JSON text when it is not readable as one)."""
    text = data.decode("utf-8", errors="replace")
    try:
        cells = json.loads(text.lstrip("\ufeff")).get("cells", [])
        parts: List[str] = []
        for cell in cells:
            source: Union[str, list] = cell.get("source", "")
            parts.append(source if isinstance(source, str) else "".join(str(line) for line in source))
        return "\n".join(parts)
    except (ValueError, AttributeError, TypeError):
        return text
