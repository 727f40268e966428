"""Every rule's VALID and INVALID examples, run through the real engine (and fixer)."""

from __future__ import annotations

import pytest

from conftest import lint_files
from lightning_lint import rules
from lightning_lint.linter import fixer
from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver
from lightning_lint.model.sources import read_source

CASES = [
    (rule.code, kind, index, ex)
    for rule in rules.all_rules()
    for kind, examples in (("valid", rule.valid_examples()), ("invalid", rule.invalid_examples()))
    for index, ex in enumerate(examples)
]


def _files(ex):
    files = dict(ex.files)
    files[ex.path] = ex.code
    return files


@pytest.mark.parametrize("code,kind,index,ex", CASES, ids=[f"{c}-{k}-{i}" for c, k, i, _ in CASES])
def test_example(tmp_path, code, kind, index, ex):
    # LL904 (unused suppression) needs the suppressed rules enabled to judge them
    select = ("ALL",) if code == "LL904" else (code,)
    result = lint_files(tmp_path, _files(ex), ex.path, select=select)
    found = [d for d in result.diagnostics if d.code == code]
    if kind == "valid":
        assert not found, f"{code} fired on a VALID example ({ex.note}):\n{ex.code}\n{found}"
        return
    assert found, f"{code} did not fire on an INVALID example:\n{ex.code}"
    if ex.message:
        assert any(ex.message in d.message for d in found), [d.message for d in found]
    for d in found:  # every finding has a sane range inside the file
        assert 1 <= d.span.start_line <= d.span.end_line <= result.source.line_count + 1
        assert d.span.start_col >= 1
    if ex.fixed is not None:
        linter = Linter(SettingsResolver(tmp_path, Overrides(select=select)))
        source = read_source(tmp_path / ex.path, ex.path)
        outcome = fixer.fix_source(linter, source, tmp_path / ex.path, unsafe=ex.unsafe)
        assert outcome.text == ex.fixed
        assert not outcome.problems
        again = fixer.fix_source(
            linter, read_source_text(outcome.text, ex.path, source.kind), tmp_path / ex.path, unsafe=ex.unsafe
        )
        assert again.text == outcome.text, "fixing is not idempotent"


def read_source_text(text, path, kind):
    from lightning_lint.model.sources import SourceFile

    return SourceFile(path, text, kind)


def test_every_rule_has_examples_and_docs():
    for rule in rules.all_rules():
        if rule.code.startswith("LL9"):
            continue  # the tool's own findings are tested in test_cli / test_reliability
        assert rule.invalid_examples(), f"{rule.code} has no INVALID example"
        assert rule.valid_examples(), f"{rule.code} has no VALID example"
        text = rule.explanation()
        for section in ("## What it does", "## Why is this bad?"):
            assert section in text, f"{rule.code} docs lack {section!r}"
        assert rule.summary, rule.code


def test_fixable_rules_show_a_fix_in_examples():
    for rule in rules.all_rules():
        if rule.fix_availability == "none":
            continue
        assert any(ex.fixed is not None for ex in rule.invalid_examples()), (
            f"{rule.code} says it can fix but no example shows the fixed text"
        )
        assert "## Fix safety" in rule.explanation(), f"{rule.code} does not say which fixes are safe"
