"""Formats for CI systems: GitHub Actions workflow commands, GitLab Code Quality, JUnit XML."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Dict, List, Tuple
from xml.sax.saxutils import escape, quoteattr

from lightning_lint import rule_url
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.sources import SourceFile
from lightning_lint.report.formats import ReportContext, in_file

# -- GitHub Actions -------------------------------------------------------------------------

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _gh_data(text: str) -> str:
    """Escape a workflow command's message (the runner decodes %25, %0D, %0A)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a workflow command's property value, where `:` and `,` are separators."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """One workflow command per finding, which GitHub shows as an annotation on the pull
    request's diff::

        ::error file=train.py,line=2,col=11,endLine=2,endColumn=17,title=LL302 (removed-argument)::train.py:2:11: ...

    The runner consumes the command, so the message repeats the location to keep the job log
    readable (ruff does the same, for the same reason: astral-sh/ruff#1693)."""
    lines = []
    for d in diagnostics:
        d = in_file(d, context)
        path = context.relpath(d.path)
        props = ",".join(
            [
                f"file={_gh_property(path)}",
                f"line={d.span.start_line}",
                f"col={d.span.start_col}",
                f"endLine={d.span.end_line}",
                f"endColumn={d.span.end_col}",
                f"title={_gh_property(f'{d.code} ({d.name})')}",
            ]
        )
        confirmed = " (confirmed)" if d.confirmed else ""
        message = f"{path}:{d.span.start_line}:{d.span.start_col}: {d.code} {d.message}{confirmed}"
        if d.help:
            message += f"\nhelp: {d.help}"
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {props}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


# -- GitLab Code Quality --------------------------------------------------------------------

_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _flagged_text(d: Diagnostic, context: ReportContext) -> str:
    """The text the finding points at, whitespace-normalised (re-indenting keeps it); the
    message when the file cannot be read."""
    source = context.source(d.path)
    if source is None:
        return d.message
    if d.cell is not None:
        found = source.notebook.cell(d.cell) if source.notebook is not None else None
        if found is None:
            return d.message
        source = SourceFile(source.path, found.text, source.kind)
    return " ".join(source.text_of(d.span).split())


def fingerprints(diagnostics: List[Diagnostic], context: ReportContext) -> List[str]:
    """One fingerprint per finding, stable when lines are inserted or removed elsewhere: a hash
    of the path, the rule, the key and the flagged text, and the finding's rank among
    identical ones (two `gpus=2` in one file) in file order. Never the line number."""
    identities: List[Tuple[str, ...]] = [
        (context.relpath(d.path), d.code, d.key_path or "", _flagged_text(d, context)) for d in diagnostics
    ]
    order = sorted(
        range(len(diagnostics)), key=lambda i: (diagnostics[i].span.start_line, diagnostics[i].span.start_col, i)
    )
    seen: Dict[Tuple[str, ...], int] = defaultdict(int)
    rank = [0] * len(diagnostics)
    for i in order:
        rank[i] = seen[identities[i]]
        seen[identities[i]] += 1
    return [
        hashlib.sha256("\0".join(identity + (str(rank[i]),)).encode("utf-8", errors="surrogatepass")).hexdigest()
        for i, identity in enumerate(identities)
    ]


def gitlab(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """A GitLab Code Quality report: a JSON array of Code Climate issues, with the fields
    GitLab requires (description, check_name, fingerprint, severity, location.path,
    location.lines.begin)."""
    issues = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, context)):
        d = in_file(d, context)
        body = f"{d.help}\n\n" if d.help else ""
        issues.append(
            {
                "type": "issue",
                "description": f"{d.code} {d.message}" + (" (confirmed)" if d.confirmed else ""),
                "content": {"body": f"{body}{rule_url(d.code, d.name)}"},
                "check_name": f"{d.code} {d.name}",
                "categories": ["Bug Risk"],
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[d.severity],
                "location": {
                    "path": context.relpath(d.path),
                    "lines": {"begin": d.span.start_line, "end": d.span.end_line},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


# -- JUnit XML ------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    # a lone surrogate (a file name that is not UTF-8) is written as its escape, so the
    # name stays recognisable; other characters XML cannot carry become U+FFFD
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}" if "\ud800" <= m.group() <= "\udfff" else "\ufffd", text)


def _xml_text(text: str) -> str:
    return escape(_xml_safe(text))


def _xml_attr(text: str) -> str:
    return quoteattr(_xml_safe(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def junit(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    """JUnit XML: a test suite per file with findings, a failing test case per finding (a
    single passing case when there is none, so that CI shows the check ran)."""
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_file[context.relpath(d.path)].append(in_file(d, context))
    total = max(len(diagnostics), 1)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="lightning-lint" tests="{total}" failures="{len(diagnostics)}" errors="0">',
    ]
    if not diagnostics:
        out.append('  <testsuite name="lightning-lint" tests="1" failures="0" errors="0">')
        out.append('    <testcase name="No problems found" classname="lightning-lint"/>')
        out.append("  </testsuite>")
    for path, items in sorted(by_file.items()):
        out.append(f'  <testsuite name={_xml_attr(path)} tests="{len(items)}" failures="{len(items)}" errors="0">')
        for d in items:
            out.append(
                f"    <testcase name={_xml_attr(f'{d.code} {d.name} at {d.line}:{d.column}')} "
                f'classname={_xml_attr(path)} file={_xml_attr(path)} line="{d.line}">'
            )
            message = d.message + (" (confirmed)" if d.confirmed else "")
            detail = f"{path}:{d.line}:{d.column}: {d.severity.label}: {d.code} {message}"
            if d.help:
                detail += f"\nhelp: {d.help}"
            out.append(
                f"      <failure message={_xml_attr(message)} type={_xml_attr(d.code)}>{_xml_text(detail)}</failure>"
            )
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
