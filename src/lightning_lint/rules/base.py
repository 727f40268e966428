"""The rule interface every rule uses.

A rule is a class with a stable code (``LL`` + 3 digits), a kebab-case name, a default
severity, whether it is on by default, its documentation (the class docstring, in
ruff's sections), and VALID / INVALID examples that the test suite runs through the real
engine. A rule reads specs, never syntax, so one rule serves Python and YAML alike.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from lightning_lint.model.spec import CallbackSpec, ClassSpec, Extraction, LoaderSpec, Loc, Span, TrainerSpec, Value

if TYPE_CHECKING:
    from lightning_lint.rules.context import RuleContext

CODE_PATTERN = re.compile(r"^LL[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Example:
    """A configuration that a rule must flag (INVALID) or leave alone (VALID).

    ``path`` decides how it is read (``train.py`` as Python, ``*.yaml`` as YAML).
    ``files`` are other files of the same little project (a LightningModule that logs
    metrics, a ``pyproject.toml`` with settings or pins). ``message`` is a substring the
    finding's message must contain; ``fixed`` is the text after ``--fix`` (and
    ``--unsafe-fixes`` when ``unsafe`` is true)."""

    source: str
    path: str = "train.py"
    files: Tuple[Tuple[str, str], ...] = ()
    message: Optional[str] = None
    fixed: Optional[str] = None
    unsafe: bool = False
    note: str = ""

    @property
    def code(self) -> str:
        return textwrap.dedent(self.source).lstrip("\n")


def example(
    source: str,
    path: str = "train.py",
    files: Optional[Dict[str, str]] = None,
    message: Optional[str] = None,
    fixed: Optional[str] = None,
    unsafe: bool = False,
    note: str = "",
) -> Example:
    return Example(
        source,
        path,
        tuple(sorted((files or {}).items())),
        message,
        textwrap.dedent(fixed).lstrip("\n") if fixed is not None else None,
        unsafe,
        note,
    )


class Rule:
    """Base class; see the module docstring."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    summary: ClassVar[str] = ""  # one sentence: what it flags
    needs: ClassVar[str] = "S"  # S: one object's literals; S*: several objects; D: batch counts
    fix_availability: ClassVar[str] = "none"  # none | sometimes | always
    # settings under [tool.lightning-lint.rules.LLxxx]: name -> (type, default); checked on load
    OPTIONS: ClassVar[Dict[str, Tuple[type, Any]]] = {}
    VALID: ClassVar[Sequence[Union[str, Example]]] = ()
    INVALID: ClassVar[Sequence[Union[str, Example]]] = ()

    # -- hooks a rule overrides ----------------------------------------------------------
    def check_trainer(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return ()

    def check_fabric(self, spec: TrainerSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        """A ``Fabric(...)`` call (its arguments in a TrainerSpec); only the hardware,
        strategy, precision and plugin rules, which share Fabric's connector, read it."""
        return ()

    def check_callback(self, callback: CallbackSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return ()

    def check_loader(self, loader: LoaderSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return ()

    def check_class(self, cls: ClassSpec, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return ()

    def check_file(self, extraction: Extraction, ctx: "RuleContext") -> Iterable[Diagnostic]:
        return ()

    # -- helpers -------------------------------------------------------------------------
    @classmethod
    def explanation(cls) -> str:
        """The rule's documentation (markdown), from its docstring."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def valid_examples(cls) -> List[Example]:
        return [e if isinstance(e, Example) else example(e) for e in cls.VALID]

    @classmethod
    def invalid_examples(cls) -> List[Example]:
        return [e if isinstance(e, Example) else example(e) for e in cls.INVALID]

    @classmethod
    def overrides(cls, hook: str) -> bool:
        return getattr(cls, hook) is not getattr(Rule, hook)

    def report(
        self,
        at: Union[Value, Loc, TrainerSpec, CallbackSpec, LoaderSpec, ClassSpec],
        message: str,
        *,
        fix: Optional[Fix] = None,
        help: Optional[str] = None,
        related: Sequence[Optional[Loc]] = (),  # a None (a value with no location) is left out
        key_path: Optional[str] = None,
        severity: Optional[Severity] = None,
        properties: Optional[Dict[str, Any]] = None,
    ) -> Diagnostic:
        loc = anchor_of(at)
        if key_path is None and isinstance(at, Value) and at.key_path:
            key_path = at.key_path
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            path=loc.path,
            span=loc.span,
            fix=fix,
            help=help,
            key_path=key_path,
            related=tuple(r for r in related if r is not None),
            properties=dict(properties or {}),
        )


def anchor_of(at: Any) -> Loc:
    if isinstance(at, Loc):
        return at
    if isinstance(at, Value):
        loc = at.anchor
        if loc is None:
            raise ValueError(f"value {at.key_path!r} has no location to report at")
        return loc
    if isinstance(at, (TrainerSpec, CallbackSpec, LoaderSpec, ClassSpec)):
        return at.loc
    raise TypeError(f"cannot report at {at!r}")


def replace_span(span: Span, content: str) -> Edit:
    return Edit(span, content)


def make_fix(message: str, applicability: Applicability, *edits: Edit) -> Fix:
    return Fix(message, applicability, tuple(edits))


@dataclass
class RuleDoc:
    """A rule's metadata as plain data (for ``lightning-lint rule``, SARIF, docs)."""

    code: str
    name: str
    severity: str
    default_enabled: bool
    summary: str
    explanation: str
    fix_availability: str
    needs: str
    extra: Dict[str, Any] = field(default_factory=dict)
