"""SARIF 2.1.0, as uploaded to GitHub code scanning: every rule in ``tool.driver.rules``
with its documentation, results with regions and fixes, paths relative to the working
directory (``%SRCROOT%``)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from lightning_lint import HOMEPAGE, __version__, rule_url
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.report.formats import ReportContext, in_file

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptor(rule) -> Dict[str, Any]:
    explanation = rule.explanation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": explanation, "markdown": explanation},
        "help": {"text": explanation, "markdown": explanation},
        "helpUri": rule_url(rule.code, rule.name),
        "defaultConfiguration": {"level": _LEVELS[rule.severity], "enabled": rule.default_enabled},
        "properties": {"tags": [rule.code[:3] + "xx"], "needs": rule.needs, "fix": rule.fix_availability},
    }


def _region(span) -> Dict[str, int]:
    return {
        "startLine": span.start_line,
        "startColumn": span.start_col,
        "endLine": span.end_line,
        "endColumn": span.end_col,
    }


def _location(path: str, span, context: ReportContext) -> Dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": context.relpath(path), "uriBaseId": "%SRCROOT%"},
            "region": _region(span),
        }
    }


def render(diagnostics: List[Diagnostic], context: ReportContext) -> str:
    from lightning_lint import rules

    all_rules = rules.all_rules()
    index = {rule.code: i for i, rule in enumerate(all_rules)}
    results = []
    for d in diagnostics:
        d = in_file(d, context)
        result: Dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVELS[d.severity],
            "message": {"text": d.message + (f" (help: {d.help})" if d.help else "")},
            "locations": [_location(d.path, d.span, context)],
            "properties": {"name": d.name, "severity": d.severity.label, "confirmed": d.confirmed},
        }
        if d.key_path:
            result["properties"]["keyPath"] = d.key_path
        if d.related:
            result["relatedLocations"] = [
                dict(_location(loc.path, loc.span, context), id=i) for i, loc in enumerate(d.related)
            ]
        if d.fix is not None:
            result["fixes"] = [
                {
                    "description": {"text": f"{d.fix.message} ({d.fix.applicability.value})"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": context.relpath(d.path), "uriBaseId": "%SRCROOT%"},
                            "replacements": [
                                {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                                for edit in d.fix.edits
                            ],
                        }
                    ],
                }
            ]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lightning-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": [_rule_descriptor(rule) for rule in all_rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": context.cwd.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
