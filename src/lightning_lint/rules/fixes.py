"""Building fixes that work on every source kind.

A fix is a set of text edits. Thanks to the value model's spans, renaming an argument
or replacing a literal is the same edit in Python and in YAML; only the spelling of the
new literal differs (``"16-mixed"`` in Python, ``16-mixed`` in YAML).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple

from lightning_lint.model.diagnostics import Applicability, Edit, Fix
from lightning_lint.model.spec import FLAVOR_PYTHON, Loc, Span, Value

if TYPE_CHECKING:
    from lightning_lint.model.sources import SourceFile

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


def replace_value(
    value: Value, new: Any, flavor: str, message: str, applicability: Applicability = Applicability.SAFE
) -> Optional[Fix]:
    """Replace the literal a value was written as (None when it has no span, or when it
    is written elsewhere: a module constant or a YAML anchor may be used by other code
    too, so rewriting it is not this finding's to do)."""
    if value.value_loc is None:
        return None
    if value.loc is not None and not _inside(value.value_loc.span, value.loc.span):
        return None
    return Fix(message, applicability, (Edit(value.value_loc.span, literal(new, flavor, value)),))


def _inside(inner: Span, outer: Span) -> bool:
    return (outer.start_line, outer.start_col) <= (inner.start_line, inner.start_col) and (
        inner.end_line,
        inner.end_col,
    ) <= (outer.end_line, outer.end_col)


def key_quote(value: Value, source: Optional["SourceFile"]) -> str:
    """The quote around the key a value is given under when the key is a string literal
    (a Python dict entry, ``**{"gpus": 2}``, or a quoted YAML key); "" for a bare name."""
    if value.key_loc is None or source is None:
        return ""
    text = source.text_of(value.key_loc.span)
    return text[0] if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] else ""


def rename_key(
    value: Value,
    new_name: str,
    message: str,
    applicability: Applicability = Applicability.SAFE,
    source: Optional["SourceFile"] = None,
) -> Optional[Fix]:
    """Rename the argument or key a value is given under (keeping the quotes of a key
    written as a string)."""
    if value.key_loc is None:
        return None
    quote = key_quote(value, source)
    return Fix(message, applicability, (Edit(value.key_loc.span, f"{quote}{new_name}{quote}"),))


def insert_argument(
    call_loc: Loc,
    args: Dict[str, Value],
    name: str,
    new: Any,
    flavor: str,
    source: "SourceFile",
    message: str,
    applicability: Applicability = Applicability.SAFE,
) -> Optional[Fix]:
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
        return Fix(
            message, applicability, (Edit(Span(line, col, line, col), f"{prefix}{name}={literal(new, flavor)}"),)
        )
    placed = [v for v in args.values() if v.key_loc is not None and v.loc is not None]
    if not placed:
        return None

    def end_of(v: Value) -> Tuple[int, int]:
        assert v.loc is not None  # `placed` holds only values with a location
        return (v.loc.span.end_line, v.loc.span.end_col)

    last = max(placed, key=end_of)
    assert last.loc is not None and last.key_loc is not None  # as filtered into `placed`
    if in_flow_mapping(last, source):  # `trainer: {max_epochs: 3}`: add `, name: new` after the last entry
        at = last.loc.span
        return Fix(
            message,
            applicability,
            (Edit(Span(at.end_line, at.end_col, at.end_line, at.end_col), f", {name}: {literal(new, flavor)}"),),
        )
    indent = " " * (last.key_loc.span.start_col - 1)
    line = last.loc.span.end_line
    end_col = len(source.line(line)) + 1
    return Fix(
        message, applicability, (Edit(Span(line, end_col, line, end_col), f"\n{indent}{name}: {literal(new, flavor)}"),)
    )


def replace_argument(
    value: Value,
    pairs: Sequence[Tuple[str, Any]],
    flavor: str,
    source: "SourceFile",
    message: str,
    applicability: Applicability = Applicability.SAFE,
) -> Optional[Fix]:
    """Replace the whole ``name=value`` / ``name: value`` with one or more new
    ``(name, value)`` pairs (in YAML, one per line at the same indentation)."""
    if value.loc is None or value.key_loc is None:
        return None
    quote = key_quote(value, source)
    if flavor == FLAVOR_PYTHON and quote:  # an entry of a dict literal: `"gpus": 2`
        text = ", ".join(f"{quote}{name}{quote}: {literal(new, flavor)}" for name, new in pairs)
    elif flavor == FLAVOR_PYTHON:
        text = ", ".join(f"{name}={literal(new, flavor)}" for name, new in pairs)
    elif in_flow_mapping(value, source):
        text = ", ".join(f"{name}: {literal(new, flavor)}" for name, new in pairs)
    else:
        if value.loc.span.start_line != value.loc.span.end_line:
            return None
        indent = " " * (value.key_loc.span.start_col - 1)
        text = f"\n{indent}".join(f"{name}: {literal(new, flavor)}" for name, new in pairs)
    return Fix(message, applicability, (Edit(value.loc.span, text),))


def in_flow_mapping(value: Value, source: "SourceFile") -> bool:
    """Whether a YAML key is an entry of a flow mapping (``{a: 1, b: 2}``), where new
    entries are separated by commas, not written on lines of their own."""
    if value.key_loc is None:
        return False
    span = value.key_loc.span
    before = source.line(span.start_line)[: span.start_col - 1].rstrip()
    if before.endswith(("{", ",")):
        return True
    # a flow mapping broken over lines: look back to the previous line's end
    line = span.start_line - 1
    while not before and line >= 1:
        before = source.line(line).split(" #")[0].rstrip()
        line -= 1
    return before.endswith(("{", ","))


def removal_edit(value: Value, source: "SourceFile") -> Optional[Edit]:
    """An edit that deletes ``name=value`` from a Python call with its separating comma."""
    if value.loc is None:
        return None
    text = source.text
    start = source.offset(value.loc.span.start_line, value.loc.span.start_col)
    end = source.offset(value.loc.span.end_line, value.loc.span.end_col)
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    if after < len(text) and text[after] == ",":
        after += 1
        while after < len(text) and text[after] in " \t":
            after += 1
        return Edit(source.span_of_offsets(start, after), "")
    before = start
    while before > 0 and text[before - 1] in " \t\r\n":
        before -= 1
    if before > 0 and text[before - 1] == ",":
        return Edit(source.span_of_offsets(before - 1, end), "")
    return Edit(value.loc.span, "")


def import_edit(source: "SourceFile", module: str, name: str) -> Optional[Edit]:
    """An edit adding ``from module import name`` after the file's top-level imports
    (nothing when the name is already imported from there)."""
    import ast

    from lightning_lint.model.sources import parse_ast

    try:
        tree = parse_ast(source.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    last = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == module and any(a.name == name for a in node.names):
            return Edit(Span(1, 1, 1, 1), "")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node
        elif last is not None or not (
            isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
        ):
            break
    if last is not None:
        assert last.end_lineno is not None  # ast.parse sets end positions on every statement
        line = last.end_lineno + 1
    else:
        line = 1
    return Edit(Span(line, 1, line, 1), f"from {module} import {name}\n")
