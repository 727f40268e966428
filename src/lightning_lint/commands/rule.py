"""``lightning-lint rule``: a rule's documentation."""

from __future__ import annotations

import argparse
import json
import sys

from lightning_lint import rule_url


def main(args: argparse.Namespace) -> int:
    from lightning_lint import rules

    if args.all:
        selected = rules.all_rules()
    elif args.rule:
        rule = rules.get(args.rule)
        if rule is None:
            print(f"lightning-lint: error: unknown rule `{args.rule}`", file=sys.stderr)
            return 2
        selected = [rule]
    else:
        print("lightning-lint: error: name a rule (`lightning-lint rule LL101`) or pass --all", file=sys.stderr)
        return 2
    if args.output_format == "json":
        payload = [rule_record(rule) for rule in selected]
        print(json.dumps(payload if args.all else payload[0], indent=2))
        return 0
    print("\n\n".join(rule_text(rule) for rule in selected))
    return 0


def rule_record(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.label,
        "default_enabled": rule.default_enabled,
        "summary": rule.summary,
        "needs": rule.needs,
        "fix_availability": rule.fix_availability,
        "explanation": rule.explanation(),
        "url": rule_url(rule.code, rule.name),
    }


def rule_text(rule) -> str:
    status = "on by default" if rule.default_enabled else "opt-in"
    fix = {"none": "no fix", "sometimes": "fix sometimes available", "always": "fix always available"}[
        rule.fix_availability
    ]
    header = f"# {rule.name} ({rule.code})\n\nSeverity: {rule.severity.label}; {status}; {fix}.\n\n{rule.summary}"
    return f"{header}\n\n{rule.explanation()}"
