"""Output formats: SARIF validates against the 2.1.0 schema; every format carries the
same fields."""

from __future__ import annotations

import io
import json

from conftest import SARIF_SCHEMA, write_files
from lightning_lint.commands.check import run
from lightning_lint.linter.run import CheckOptions

BAD = {
    "train.py": "import lightning as L\nL.Trainer(gpus=2, max_epochs=3, precision=16)\n",
    "conf.yaml": "trainer:\n  max_epochs: 3\n  precision: bf16\n  accelerator: CPU\n",
}


def render(in_tmp, fmt: str) -> str:
    write_files(in_tmp, BAD)
    out = io.StringIO()
    code = run(CheckOptions(paths=["."], output_format=fmt, color=False), stdout=out, cwd=in_tmp)
    assert code == 1
    return out.getvalue()


def test_sarif_validates_against_the_schema(in_tmp):
    import jsonschema

    sarif = json.loads(render(in_tmp, "sarif"))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(sarif, schema)
    run_ = sarif["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["LL302"]["name"] == "removed-argument" and rules["LL302"]["fullDescription"]["text"]
    locations = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run_["results"]
    }
    assert ("LL302", "train.py") in locations and ("LL402", "conf.yaml") in locations


def test_full_shows_source_and_caret(in_tmp):
    text = render(in_tmp, "full")
    assert "train.py:2:11: LL302" in text
    assert "L.Trainer(gpus=2" in text and "^^^^^^" in text
    assert "conf.yaml:4:3: LL402" in text


def test_formats_agree_on_findings(in_tmp):
    found = json.loads(render(in_tmp, "json"))
    lines = [json.loads(line) for line in render(in_tmp, "json-lines").splitlines()]
    key = lambda d: (d["path"], d["line"], d["column"], d["code"])  # noqa: E731
    assert sorted(map(key, found)) == sorted(map(key, lines))
    concise = render(in_tmp, "concise").splitlines()
    for d in found:
        assert any(line.startswith(f"{d['path']}:{d['line']}:{d['column']}: {d['code']}") for line in concise)


def test_json_carries_fixes(in_tmp):
    found = json.loads(render(in_tmp, "json"))
    precision = next(d for d in found if d["code"] == "LL306" and d["path"] == "train.py")
    fix = precision["fix"]
    assert fix["applicability"] == "safe"
    [edit] = fix["edits"]
    assert edit["content"] == '"16-mixed"'
    assert (edit["line"], edit["column"], edit["end_line"], edit["end_column"]) == (2, 43, 2, 45)
