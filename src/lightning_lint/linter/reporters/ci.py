"""Formats for CI systems: GitHub Actions workflow commands, GitLab Code Quality, JUnit."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Dict, List
from xml.sax.saxutils import escape, quoteattr

from lightning_lint.linter.diagnostics import Diagnostic, Severity
from lightning_lint.linter.reporters import ReportContext

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """``::error file=...,line=...,col=...,endLine=...,endColumn=...,title=...::message``:
    GitHub shows each finding inline on the pull request's diff."""
    lines = []
    for d in diagnostics:
        props = ",".join([
            f"file={_gh_property(context.relpath(d.path))}",
            f"line={d.span.start_line}",
            f"col={d.span.start_col}",
            f"endLine={d.span.end_line}",
            f"endColumn={d.span.end_col}",
            f"title={_gh_property(f'lightning-lint ({d.code} {d.name})')}",
        ])
        message = f"{d.code} {d.message}" + (f" (help: {d.help})" if d.help else "")
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {props}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


def fingerprint(d: Diagnostic, context: ReportContext, occurrence: int) -> str:
    """Stable across runs and line shifts: built from the path, the rule, the message,
    the text of the flagged line, and the finding's rank among identical ones."""
    source = context.sources.get(d.path)
    line_text = source.line(d.span.start_line).strip() if source is not None else ""
    key = "\0".join([context.relpath(d.path), d.code, d.key_path or "", d.message, line_text, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def gitlab(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """GitLab Code Quality report (a JSON array of issues)."""
    seen: Dict[tuple, int] = defaultdict(int)
    issues = []
    for d in diagnostics:
        source = context.sources.get(d.path)
        line_text = source.line(d.span.start_line).strip() if source is not None else ""
        identity = (d.path, d.code, d.key_path, d.message, line_text)
        occurrence = seen[identity]
        seen[identity] += 1
        issues.append({
            "description": f"{d.code} {d.message}",
            "check_name": f"{d.code} {d.name}",
            "fingerprint": fingerprint(d, context, occurrence),
            "severity": _GITLAB_SEVERITY[d.severity],
            "location": {
                "path": context.relpath(d.path),
                "positions": {
                    "begin": {"line": d.span.start_line, "column": d.span.start_col},
                    "end": {"line": d.span.end_line, "column": d.span.end_col},
                },
            },
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def junit(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """JUnit XML: a test suite per file, a failing test case per finding."""
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_file[context.relpath(d.path)].append(d)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="lightning-lint" tests="{max(len(diagnostics), 1)}" failures="{len(diagnostics)}" '
           'errors="0">']
    if not diagnostics:
        out.append('  <testsuite name="lightning-lint" tests="1" failures="0" errors="0">')
        out.append('    <testcase name="No problems found" classname="lightning-lint"/>')
        out.append("  </testsuite>")
    for path, items in sorted(by_file.items()):
        out.append(f"  <testsuite name={quoteattr(path)} tests=\"{len(items)}\" failures=\"{len(items)}\" "
                   'errors="0">')
        for d in items:
            out.append(f"    <testcase name={quoteattr(f'{d.code} {d.name}')} classname={quoteattr(path)} "
                       f"file={quoteattr(path)} line=\"{d.span.start_line}\">")
            detail = f"{path}:{d.span.start_line}:{d.span.start_col}: {d.severity.label}: {d.message}"
            out.append(f"      <failure message={quoteattr(d.message)} type={quoteattr(d.severity.label)}>"
                       f"{escape(detail)}</failure>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
