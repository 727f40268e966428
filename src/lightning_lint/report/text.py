"""Human-readable output: ``full`` (ruff-like, with the source line and a caret) and
``concise`` (one line per finding)."""

from __future__ import annotations

from collections import Counter
from typing import List

from lightning_lint.model.diagnostics import Applicability, Diagnostic, Severity
from lightning_lint.model.sources import SourceFile
from lightning_lint.report.formats import ReportContext

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, context: ReportContext) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if context.color else text


def _fixable(diagnostic: Diagnostic) -> bool:
    return diagnostic.fix is not None and diagnostic.fix.applicability == Applicability.SAFE


def _header(d: Diagnostic, context: ReportContext) -> str:
    cell = f"cell {d.cell}:" if d.cell is not None else ""  # ruff's notebook convention
    location = f"{context.relpath(d.path)}:{cell}{d.line}:{d.column}:"
    code = _paint(d.code, "1;" + _COLORS[d.severity], context)
    marker = " [*]" if _fixable(d) else ""
    confirmed = " (confirmed)" if d.confirmed else ""
    return f"{_paint(location, '1', context)} {code}{marker} {d.message}{confirmed}"


def concise(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    lines = [_header(d, context) for d in diagnostics]
    summary = summarize(diagnostics, context)
    if summary:
        lines.append(summary)
    return "\n".join(lines) + ("\n" if lines else "")


def full(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    blocks = []
    for d in diagnostics:
        block = [_header(d, context)]
        block.extend(_frame(d, context))
        if d.help:
            block.append(f"   = help: {d.help}")
        if d.fix is not None:
            block.append(f"   = fix ({d.fix.applicability.value}): {d.fix.message}")
        if d.key_path and "." in d.key_path:
            block.append(f"   = key: {d.key_path}")
        blocks.append("\n".join(block))
    summary = summarize(diagnostics, context)
    text = "\n\n".join(blocks)
    if summary:
        text = text + ("\n\n" if text else "") + summary
    return text + ("\n" if text else "")


def _frame(d: Diagnostic, context: ReportContext) -> List[str]:
    source = context.sources.get(d.path)
    if source is not None and d.cell is not None:
        found = source.notebook.cell(d.cell) if source.notebook is not None else None
        # the frame shows the cell's own lines
        source = SourceFile(source.path, found.text, source.kind) if found is not None else None
    if source is None or d.line > source.line_count:
        return []
    first = max(1, d.line - 1)
    last = min(source.line_count, d.line + 1)
    width = len(str(last))
    gutter = " " * width
    out = [f"{gutter} |"]
    for number in range(first, last + 1):
        text = source.line(number).replace("\t", "    ")
        out.append(f"{number:>{width}} | {text}")
        if number == d.line:
            raw = source.line(number)
            start = d.column - 1
            end = d.span.end_col - 1 if d.span.end_line == d.line else len(raw)
            end = max(end, start + 1)
            prefix = raw[:start].replace("\t", "    ")
            carets = "^" * max(1, len(raw[start:end].replace("\t", "    ")))
            label = _paint(f"{carets} {d.code} {d.severity.label}", _COLORS[d.severity], context)
            out.append(f"{gutter} | {' ' * len(prefix)}{label}")
    out.append(f"{gutter} |")
    return out


def summarize(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    if context.quiet:
        return ""
    parts = []
    if context.fixed:
        parts.append(f"Fixed {context.fixed} problem{'s' if context.fixed != 1 else ''}.")
    if not diagnostics:
        if not context.fixed:
            parts.append("All checks passed!")
        return "\n".join(parts)
    counts = Counter(d.severity for d in diagnostics)
    detail = ", ".join(
        f"{counts[s]} {_plural(s, counts[s])}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]
    )
    files = len({d.path for d in diagnostics})
    parts.append(
        f"Found {len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''} ({detail}) "
        f"in {files} file{'s' if files != 1 else ''}."
    )
    fixable = sum(1 for d in diagnostics if _fixable(d))
    if fixable and not context.fix_mode:
        parts.append(f"[*] {fixable} fixable with the `--fix` option.")
    if context.unsafe_hidden:
        parts.append(
            f"({context.unsafe_hidden} more fix{'es' if context.unsafe_hidden != 1 else ''} available "
            "with `--unsafe-fixes`.)"
        )
    return "\n".join(parts)


def _plural(severity: Severity, count: int) -> str:
    label = severity.label
    if severity == Severity.INFO:
        return label
    return label + ("s" if count != 1 else "")


def statistics(diagnostics: List[Diagnostic]) -> str:
    """``--statistics``: one line per rule with its count, most frequent first."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    fixable = {d.code for d in diagnostics if _fixable(d)}
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = []
    for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][0])):
        marker = "[*]" if code in fixable else "[ ]"
        lines.append(f"{count:>{width}}\t{code}\t{marker} {name}")
    return "\n".join(lines) + ("\n" if lines else "")
