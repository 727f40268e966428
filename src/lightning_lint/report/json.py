"""``json`` (one array) and ``json-lines`` (one object per line)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from lightning_lint import rule_url
from lightning_lint.model.diagnostics import Diagnostic
from lightning_lint.report.formats import ReportContext, fix_dict


def as_dict(d: Diagnostic, context: ReportContext) -> Dict[str, Any]:
    found = {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.label,
        "message": d.message,
        "path": context.relpath(d.path),
        "line": d.span.start_line,
        "column": d.span.start_col,
        "end_line": d.span.end_line,
        "end_column": d.span.end_col,
        "key_path": d.key_path,
        "help": d.help,
        "fix": fix_dict(d),
        "url": rule_url(d.code, d.name),
        "confirmed": d.confirmed,
    }
    if d.cell is not None:  # a notebook: line and column are within this cell (as ruff writes it)
        found["cell"] = d.cell
    return found


def render(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    return json.dumps([as_dict(d, context) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


def render_lines(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    return "".join(json.dumps(as_dict(d, context), ensure_ascii=False) + "\n" for d in diagnostics)
