"""Building fixes that work on every source kind.

A fix is a set of text edits. Thanks to the value model's spans, renaming an argument
or replacing a literal is the same edit in Python and in YAML; only the spelling of the
new literal differs (``"16-mixed"`` in Python, ``16-mixed`` in YAML).
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from lightning_lint.linter.diagnostics import Applicability, Edit, Fix
from lightning_lint.linter.model import FLAVOR_PYTHON, Span, Value

_YAML_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$|^-?[0-9]+$|^-?[0-9]+\.[0-9]+$")
_YAML_SPECIAL = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"}


def literal(new: Any, flavor: str, like: Optional[Value] = None) -> str:
    """``new`` written as a literal of the given source kind, keeping the quote style of
    the value it replaces where there was one."""
    raw = (like.raw or "") if like is not None else ""
    quote = raw[:1] if raw[:1] in ("'", '"') else None
    if flavor == FLAVOR_PYTHON:
        if isinstance(new, str):
            q = quote or '"'
            body = new.replace("\\", "\\\\").replace(q, "\\" + q)
            return f"{q}{body}{q}"
        return repr(new)
    if isinstance(new, bool):
        return "true" if new else "false"
    if new is None:
        return "null"
    if isinstance(new, str):
        if quote:
            return f"'{new}'" if quote == "'" else json.dumps(new)
        if _YAML_PLAIN.match(new) and new.lower() not in _YAML_SPECIAL and not _looks_numeric(new):
            return new
        return json.dumps(new)
    return json.dumps(new)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def replace_value(value: Value, new: Any, flavor: str, message: str,
                  applicability: Applicability = Applicability.SAFE) -> Optional[Fix]:
    """Replace the literal a value was written as (None when it has no span)."""
    if value.value_loc is None:
        return None
    return Fix(message, applicability, (Edit(value.value_loc.span, literal(new, flavor, value)),))


def rename_key(value: Value, new_name: str, message: str,
               applicability: Applicability = Applicability.SAFE) -> Optional[Fix]:
    """Rename the argument or key a value is given under."""
    if value.key_loc is None:
        return None
    return Fix(message, applicability, (Edit(value.key_loc.span, new_name),))


def insert_argument(call_loc, args, name: str, new: Any, flavor: str, source, message: str,
                    applicability: Applicability = Applicability.SAFE) -> Optional[Fix]:
    """Add ``name=new`` to a call (Python) or a ``name: new`` key beside the call's last
    argument (YAML). ``call_loc`` spans the whole call / node; ``args`` are its written
    arguments. None when there is no safe place to insert."""
    if flavor == FLAVOR_PYTHON:
        span = call_loc.span
        end = source.offset(span.end_line, span.end_col)
        text = source.text
        if end < 1 or text[end - 1] != ")":
            return None
        before = end - 1
        while before > 0 and text[before - 1] in " \t\r\n":
            before -= 1
        prefix = "" if text[before - 1] in "(," else ", "
        if text[before - 1] == ",":
            prefix = " "
        line, col = source.position(before)
        return Fix(message, applicability, (Edit(Span(line, col, line, col), f"{prefix}{name}={literal(new, flavor)}"),))
    placed = [v for v in args.values() if v.key_loc is not None and v.loc is not None]
    if not placed:
        return None
    last = max(placed, key=lambda v: (v.loc.span.end_line, v.loc.span.end_col))
    indent = " " * (last.key_loc.span.start_col - 1)
    line = last.loc.span.end_line
    end_col = len(source.line(line)) + 1
    return Fix(message, applicability,
               (Edit(Span(line, end_col, line, end_col), f"\n{indent}{name}: {literal(new, flavor)}"),))
