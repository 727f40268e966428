"""What a finding is: code, severity, message, place, and an optional fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Optional, Tuple

from lightning_lint.model.spec import Loc, Span


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; expected error, warning or info") from None


class Applicability(str, enum.Enum):
    """How much a fix can be trusted (ruff's model)."""

    SAFE = "safe"  # keeps the meaning; applied by --fix
    UNSAFE = "unsafe"  # plausible, may change behaviour; needs --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # a suggestion, never applied


@dataclass(frozen=True)
class Edit:
    """Replace the text in ``span`` (of the diagnostic's file) with ``content``."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    fix: Optional[Fix] = None
    help: Optional[str] = None
    key_path: Optional[str] = None
    related: Tuple[Loc, ...] = ()
    confirmed: bool = False
    properties: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # a notebook's cell (counted from 1 over all cells); then ``span`` and the fix's edits
    # are lines and columns within that cell
    cell: Optional[int] = None

    @property
    def line(self) -> int:
        return self.span.start_line

    @property
    def column(self) -> int:
        return self.span.start_col

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.cell or 0, self.span.start_line, self.span.start_col, self.code, self.message)

    def with_changes(self, **changes: Any) -> "Diagnostic":
        return replace(self, **changes)
