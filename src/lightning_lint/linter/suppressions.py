"""Silencing a finding on purpose, and noticing a silence that silences nothing.

Python and YAML accept the same comments:

* ``# noqa`` / ``# noqa: LL101, LL102`` at the end of the finding's line;
* ``# lightning-lint: ignore[LL101]`` at the end of the line, or alone on the line
  before it;
* ``# lightning-lint: file-ignore[LL101]`` (or bare ``file-ignore``) anywhere, for the
  whole file.

A suppression naming an enabled LL code that matches no finding is reported as LL904.
Bare ``# noqa`` and codes of other tools (``E501``) are left alone: they may belong to
flake8 or ruff.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Edit, Fix
from lightning_lint.model.sources import PYTHON, SourceFile
from lightning_lint.model.spec import Span

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*))?", re.IGNORECASE)
_DIRECTIVE = re.compile(r"#\s*lightning-lint:\s*(?P<kind>ignore|file-ignore)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_CODE = re.compile(r"^LL[0-9]{3}$")


@dataclass
class Suppression:
    line: int  # the line it silences (0: the whole file)
    codes: Optional[Tuple[str, ...]]  # None: every code
    comment_span: Span  # where the comment is written (for LL904 and its fix)
    text: str  # the comment as written
    kind: str
    used: Set[str] = field(default_factory=set)


def _comments(source: SourceFile) -> Iterable[Tuple[int, int, str, bool]]:
    """(line, column, comment text, stands alone on its line) for each comment."""
    if source.kind == PYTHON:
        # only the comments up to the last line that may hold a directive matter: the
        # tokenizer (pure Python, slow on a large file) stops there
        lowered = source.text.lower()
        offset = max(lowered.rfind("noqa"), lowered.rfind("lightning-lint:"))
        last = bisect.bisect_right(source.line_starts, offset)  # the line of that offset
        tokens = []
        try:
            # newline=None: a lone "\r" ends a line for Python too, so line numbers agree
            for tok in tokenize.generate_tokens(io.StringIO(source.text, newline=None).readline):
                if tok.start[0] > last:
                    break
                tokens.append(tok)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            tokens = []
        for tok in tokens:
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                alone = not source.line(line)[:col].strip()
                yield line, col + 1, tok.string, alone
        return
    for number, text in enumerate(source.lines, start=1):
        start = _yaml_comment_start(text)
        if start is not None:
            yield number, start + 1, text[start:], not text[:start].strip()


def _yaml_comment_start(text: str) -> Optional[int]:
    """Where a YAML comment starts: a ``#`` at the line start or after a space, outside
    quotes."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return i
    return None


def find(source: SourceFile) -> List[Suppression]:
    if "noqa" not in source.text.lower() and "lightning-lint:" not in source.text.lower():
        return []
    found: List[Suppression] = []
    lines = source.lines
    for line, col, comment, alone in _comments(source):
        for match in _DIRECTIVE.finditer(comment):
            codes = _codes(match.group("codes"))
            span = Span(line, col + match.start(), line, col + match.end())
            kind = match.group("kind").lower()
            if kind == "file-ignore":
                found.append(Suppression(0, codes, span, match.group(0), kind))
            else:
                target = _next_code_line(lines, line) if alone else line
                found.append(Suppression(target, codes, span, match.group(0), kind))
        for match in _NOQA.finditer(comment):
            codes = _codes(match.group("codes")) if match.group("codes") else None
            span = Span(line, col + match.start(), line, col + match.end())
            found.append(Suppression(line, codes, span, match.group(0), "noqa"))
    return found


# ``noqa`` with a code list that may hold an ``LL`` code (bare ones, and those of other
# tools only, are never reported unused): a file without any is not tokenized for LL904
_OUR_NOQA = re.compile(r"noqa\s*:[^\n]*ll", re.IGNORECASE)


def may_name_our_codes(text: str) -> bool:
    """Whether a comment of ``text`` may name an ``LL`` code: else no suppression in it
    can be reported unused (LL904), and a file without findings needs no tokenizing."""
    return "lightning-lint:" in text.lower() or _OUR_NOQA.search(text) is not None


def _codes(text: Optional[str]) -> Optional[Tuple[str, ...]]:
    if text is None or not text.strip():
        return None
    return tuple(code.strip().upper() for code in re.split(r"[,\s]+", text) if code.strip())


def _next_code_line(lines: Sequence[str], line: int) -> int:
    """The first line after ``line`` that is neither blank nor a comment."""
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return line + 1


def _matches(suppression: Suppression, diagnostic: Diagnostic) -> bool:
    if suppression.line and suppression.line != diagnostic.span.start_line:
        return False
    return suppression.codes is None or diagnostic.code in suppression.codes


def apply(diagnostics: List[Diagnostic], source: SourceFile, enabled: Iterable[str]) -> List[Diagnostic]:
    """The findings that no comment silences, plus LL904 for each unused suppression."""
    if not diagnostics and not may_name_our_codes(source.text):
        return []  # only LL904 could come of it, and no comment names an LL code
    suppressions = find(source)
    if not suppressions:
        return diagnostics
    kept: List[Diagnostic] = []
    for diagnostic in diagnostics:
        silenced = False
        for suppression in suppressions:
            if diagnostic.code not in ("LL900", "LL901") and _matches(suppression, diagnostic):
                suppression.used.add(diagnostic.code)
                silenced = True
        if not silenced:
            kept.append(diagnostic)
    enabled = set(enabled)
    if "LL904" in enabled:
        kept.extend(_unused(suppressions, source, enabled))
    return kept


def _unused(suppressions: List[Suppression], source: SourceFile, enabled: Set[str]) -> Iterable[Diagnostic]:
    from lightning_lint import rules

    rule = rules.get("LL904")
    assert rule is not None
    for suppression in suppressions:
        if suppression.codes is None:
            if suppression.kind != "noqa" and not suppression.used:
                yield _ll904(
                    rule,
                    source,
                    suppression,
                    f"unused suppression `{suppression.text}`: it silences no finding",
                    suppression.comment_span,
                    "",
                )
            continue
        ours = [c for c in suppression.codes if c.startswith("LL")]
        unknown = [c for c in ours if not _CODE.match(c) or rules.get(c) is None]
        unused = [c for c in ours if c not in unknown and c in enabled and c not in suppression.used]
        if not unknown and not unused:
            continue
        keep = [c for c in suppression.codes if c not in unknown and c not in unused]
        parts = []
        if unknown:
            parts.append("unknown rule code" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown))
        if unused:
            parts.append("no " + ", ".join(unused) + " finding here")
        yield _ll904(
            rule,
            source,
            suppression,
            f"unused suppression `{suppression.text}`: " + "; ".join(parts),
            suppression.comment_span,
            _rewrite(suppression, keep),
        )


def _rewrite(suppression: Suppression, keep: List[str]) -> str:
    """The comment with only the codes that still do something ('' removes it)."""
    if not keep:
        return ""
    if suppression.kind == "noqa":
        return "# noqa: " + ", ".join(keep)
    return f"# lightning-lint: {suppression.kind}[{', '.join(keep)}]"


def _ll904(
    rule, source: SourceFile, suppression: Suppression, message: str, span: Span, replacement: str
) -> Diagnostic:
    line_text = source.line(span.start_line)
    edit_span, new_text = span, replacement
    rest = line_text[span.end_col - 1 :]
    if not replacement and rest.strip():
        # the comment goes on after the directive (`
        # must stay a comment, never become code or part of a YAML value
        if rest.lstrip().startswith("#"):
            spaces = len(rest) - len(rest.lstrip())
            edit_span = Span(span.start_line, span.start_col, span.end_line, span.end_col + spaces)
        else:
            new_text = "#"
    elif not replacement:
        # remove the comment and the spaces before it; a comment alone removes its line
        before = line_text[: span.start_col - 1]
        last_line = span.start_line >= source.line_count  # no line break after it
        if not before.strip() and not rest.strip() and not last_line:
            edit_span = Span(span.start_line, 1, span.start_line + 1, 1)
        elif not before.strip() and not rest.strip() and span.start_line > 1:
            previous = span.start_line - 1  # take the line break before it instead
            edit_span = Span(previous, len(source.line(previous)) + 1, span.start_line, len(line_text) + 1)
        else:
            edit_span = Span(span.start_line, len(before.rstrip()) + 1, span.end_line, span.end_col)
    fix = Fix(
        "Remove the unused suppression" if not replacement else f"Change it to `{replacement}`",
        Applicability.SAFE,
        (Edit(edit_span, new_text),),
    )
    return Diagnostic(
        code=rule.code, name=rule.name, severity=rule.severity, message=message, path=source.path, span=span, fix=fix
    )


def noqa_edits(diagnostics: List[Diagnostic], source: SourceFile) -> List[Edit]:
    """Edits that add ``# noqa: CODES`` for every finding (``--add-noqa``), merging with
    an existing ``# noqa`` on the line."""
    by_line: Dict[int, Set[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.code in ("LL900", "LL901", "LL904"):
            continue
        by_line.setdefault(diagnostic.span.start_line, set()).add(diagnostic.code)
    existing = {s.line: s for s in find(source) if s.kind == "noqa"}
    edits: List[Edit] = []
    for line, codes in sorted(by_line.items()):
        text = source.line(line)
        current = existing.get(line)
        if current is not None:
            if current.codes is None:
                continue
            merged = list(current.codes) + sorted(c for c in codes if c not in current.codes)
            edits.append(Edit(current.comment_span, "# noqa: " + ", ".join(merged)))
            continue
        end = len(text) + 1
        if source.kind == PYTHON and _ends_inside_string(source, line):
            continue
        edits.append(Edit(Span(line, end, line, end), "  # noqa: " + ", ".join(sorted(codes))))
    return edits


def _ends_inside_string(source: SourceFile, line: int) -> bool:
    """A line whose end is inside a multi-line string cannot take a comment."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source.text, newline=None).readline):
            if tok.type == tokenize.STRING and tok.start[0] <= line < tok.end[0]:
                return True
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return True
    return False
