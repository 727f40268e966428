"""The CI output formats, shape by shape: GitHub Actions workflow commands, GitLab Code
Quality JSON, JUnit XML, and choosing a format through $LIGHTNING_LINT_OUTPUT_FORMAT."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

import pytest

from conftest import REPO, write_files
from lightning_lint.commands.check import run
from lightning_lint.linter.run import CheckOptions
from lightning_lint.model.diagnostics import Diagnostic, Severity
from lightning_lint.model.spec import Span
from lightning_lint.report.formats import ReportContext, render

FIXTURE = {
    "train.py": "import lightning as L\nL.Trainer(gpus=2, max_epochs=3, precision=16)\n",
    "conf.yaml": "trainer:\n  max_epochs: 3\n  precision: bf16\n  accelerator: CPU\n",
}


def report(root: Path, fmt: str) -> str:
    out = io.StringIO()
    code = run(CheckOptions(paths=[str(root)], output_format=fmt, color=False, no_cache=True), stdout=out, cwd=root)
    assert code == 1
    return out.getvalue()


SPAN = Span(2, 11, 2, 17)


def diagnostic(
    message: str = "something is wrong",
    severity: Severity = Severity.ERROR,
    path: str = "train.py",
    span: Span = SPAN,
    code: str = "LL302",
    name: str = "removed-argument",
    help: Optional[str] = None,
) -> Diagnostic:
    return Diagnostic(code=code, name=name, severity=severity, message=message, path=path, span=span, help=help)


# -- GitHub Actions -------------------------------------------------------------------------


def test_github_lines_for_a_fixture(tmp_path):
    write_files(tmp_path, FIXTURE)
    assert report(tmp_path, "github").splitlines() == [
        "::notice file=conf.yaml,line=3,col=3,endLine=3,endColumn=18,title=LL306 (legacy-precision)::"
        'conf.yaml:3:3: LL306 `trainer.precision: bf16` is the Lightning 1.x spelling; write `"bf16-mixed"` '
        "(the same setting)",
        "::error file=conf.yaml,line=4,col=3,endLine=4,endColumn=19,title=LL402 (invalid-accelerator)::"
        "conf.yaml:4:3: LL402 `trainer.accelerator: CPU`: accelerator names are case-sensitive; use `cpu`"
        "%0Ahelp: accelerators: auto, cpu, cuda, gpu, mps, tpu",
        "::error file=train.py,line=2,col=11,endLine=2,endColumn=17,title=LL302 (removed-argument)::"
        'train.py:2:11: LL302 `Trainer(gpus=...)` was removed in Lightning 2.0; use `accelerator="gpu", devices=N`'
        "%0Ahelp: Lightning 2.6.6 does not accept `gpus`",
        "::notice file=train.py,line=2,col=33,endLine=2,endColumn=45,title=LL306 (legacy-precision)::"
        'train.py:2:33: LL306 `precision=16` is the Lightning 1.x spelling; write `"16-mixed"` (the same setting)',
    ]


def test_github_escapes_messages_and_properties(tmp_path):
    """%, CR and LF are escaped everywhere; `:` and `,` also in properties (file, title)."""
    path = str(tmp_path / "odd, name: 100%.yaml")
    d = diagnostic(
        "50% of\r\nthe batches: a, b",
        path=path,
        span=Span(1, 1, 3, 4),
        code="LL001",
        name="x-y",
        help="write 1.0\nnot 1",
    )
    line = render("github", [d], ReportContext(cwd=tmp_path))
    assert line == (
        "::error file=odd%2C name%3A 100%25.yaml,line=1,col=1,endLine=3,endColumn=4,title=LL001 (x-y)::"
        "odd, name: 100%25.yaml:1:1: LL001 50%25 of%0D%0Athe batches: a, b%0Ahelp: write 1.0%0Anot 1\n"
    )


def test_github_levels(tmp_path):
    diagnostics = [diagnostic(severity=s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    lines = render("github", diagnostics, ReportContext(cwd=tmp_path)).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]


# -- GitLab Code Quality --------------------------------------------------------------------

# The fields GitLab documents for a Code Quality report (docs.gitlab.com, "Code Quality": "Code
# Quality report format"), plus the Code Climate fields we also write.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "type": {"const": "issue"},
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "categories": {"type": "array", "items": {"type": "string"}},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
    },
}


def test_gitlab_report_shape(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    write_files(tmp_path, FIXTURE)
    issues = json.loads(report(tmp_path, "gitlab"))
    jsonschema.validate(issues, GITLAB_SCHEMA)
    found = {(i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"], i["severity"]) for i in issues}
    assert found == {
        ("conf.yaml", 3, "LL306 legacy-precision", "info"),
        ("conf.yaml", 4, "LL402 invalid-accelerator", "major"),
        ("train.py", 2, "LL302 removed-argument", "major"),
        ("train.py", 2, "LL306 legacy-precision", "info"),
    }
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def _fingerprints(root: Path) -> dict:
    return {(i["location"]["path"], i["check_name"]): i["fingerprint"] for i in json.loads(report(root, "gitlab"))}


def test_gitlab_fingerprints_survive_lines_inserted_above(tmp_path):
    write_files(tmp_path, FIXTURE)
    before = json.loads(report(tmp_path, "gitlab"))
    write_files(
        tmp_path,
        {
            "train.py": '"""Training."""\n\n# the run\n'
            + FIXTURE["train.py"].replace("L.Trainer(", "\n\nL.Trainer(", 1),
            "conf.yaml": "# the config\n\n" + FIXTURE["conf.yaml"].replace("trainer:\n", "trainer:\n  # limits\n"),
        },
    )
    after = json.loads(report(tmp_path, "gitlab"))
    assert [i["location"]["lines"]["begin"] for i in after] != [i["location"]["lines"]["begin"] for i in before]
    assert sorted(i["fingerprint"] for i in after) == sorted(i["fingerprint"] for i in before)


def test_gitlab_fingerprints_of_duplicates(tmp_path):
    """Identical findings differ by their rank in the file; adding one more keeps the old
    fingerprints and adds one (GitLab reports one new issue, not three)."""
    call = "L.Trainer(gpus=2, max_epochs=3)\n"
    write_files(tmp_path, {"train.py": "import lightning as L\n" + call * 2})
    two = {i["fingerprint"] for i in json.loads(report(tmp_path, "gitlab"))}
    write_files(tmp_path, {"train.py": "import lightning as L\n" + call * 3})
    three = {i["fingerprint"] for i in json.loads(report(tmp_path, "gitlab"))}
    assert len(two) == 2 and len(three) == 3 and two < three


def test_gitlab_fingerprint_changes_with_the_flagged_text_and_not_with_the_cache(tmp_path):
    write_files(tmp_path, {"train.py": FIXTURE["train.py"]})
    first = _fingerprints(tmp_path)
    write_files(tmp_path, {"train.py": FIXTURE["train.py"].replace("gpus=2", "gpus=4")})
    second = _fingerprints(tmp_path)
    assert first[("train.py", "LL302 removed-argument")] != second[("train.py", "LL302 removed-argument")]
    assert first[("train.py", "LL306 legacy-precision")] == second[("train.py", "LL306 legacy-precision")]
    # a result without its source text (from a cache or a worker process) gets the same fingerprint
    d = diagnostic(path=str(tmp_path / "train.py"), span=Span(2, 11, 2, 17))
    without = json.loads(render("gitlab", [d], ReportContext(cwd=tmp_path)))[0]["fingerprint"]
    from lightning_lint.model.sources import read_source

    kept = ReportContext(cwd=tmp_path, sources={d.path: read_source(d.path)})
    assert json.loads(render("gitlab", [d], kept))[0]["fingerprint"] == without


# -- JUnit ----------------------------------------------------------------------------------


def test_junit_parses_and_counts_match(tmp_path):
    write_files(tmp_path, FIXTURE)
    root = ET.fromstring(report(tmp_path, "junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert sorted(s.get("name") for s in suites) == ["conf.yaml", "train.py"]
    cases = root.findall("testsuite/testcase")
    failures = root.findall("testsuite/testcase/failure")
    assert int(root.get("tests")) == len(cases) == 4 and int(root.get("failures")) == len(failures) == 4
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        for case in suite.findall("testcase"):
            assert case.get("classname") == case.get("file") == suite.get("name") and int(case.get("line")) >= 1
    removed = next(f for f in failures if f.get("type") == "LL302")
    assert removed.text.startswith("train.py:2:11: error: LL302 `Trainer(gpus=...)`")


def test_junit_escapes_markup_and_control_characters(tmp_path):
    message = "a <b> & \"c\" 'd' \x1b[31mred\x1b[0m\nnext"
    d = diagnostic(message, path=str(tmp_path / "a&b.py"), help="use <x>")
    root = ET.fromstring(render("junit", [d], ReportContext(cwd=tmp_path)))
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == message.replace("\x1b", "\ufffd")
    assert root.find("testsuite").get("name") == "a&b.py"
    assert "use <x>" in failure.text and 'a <b> & "c"' in failure.text


def test_junit_without_findings_has_one_passing_case(tmp_path):
    root = ET.fromstring(render("junit", [], ReportContext(cwd=tmp_path)))
    assert root.get("tests") == "1" and root.get("failures") == "0"
    assert len(root.findall("testsuite/testcase")) == 1 and not root.findall(".//failure")


# -- choosing the format --------------------------------------------------------------------


def cli(*args, cwd, env=None):
    full_env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO / "src"))
    for name in ("LIGHTNING_LINT_OUTPUT_FORMAT", "GITHUB_ACTIONS", "GITLAB_CI", "CI"):
        full_env.pop(name, None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "lightning_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_output_format_from_the_environment(tmp_path):
    write_files(tmp_path, {"train.py": FIXTURE["train.py"]})
    github = cli("--no-cache", "train.py", cwd=tmp_path, env={"LIGHTNING_LINT_OUTPUT_FORMAT": "github"})
    assert github.returncode == 1 and github.stdout.startswith("::error file=train.py,line=2,col=11,")
    flag_wins = cli(
        "--no-cache",
        "--output-format",
        "concise",
        "train.py",
        cwd=tmp_path,
        env={"LIGHTNING_LINT_OUTPUT_FORMAT": "github"},
    )
    assert flag_wins.stdout.startswith("train.py:2:11: LL302")


def test_an_invalid_format_in_the_environment_is_a_usage_error(tmp_path):
    write_files(tmp_path, {"train.py": FIXTURE["train.py"]})
    result = cli("train.py", cwd=tmp_path, env={"LIGHTNING_LINT_OUTPUT_FORMAT": "gihtub"})
    assert result.returncode == 2 and result.stdout == ""
    assert "LIGHTNING_LINT_OUTPUT_FORMAT" in result.stderr and "'gihtub'" in result.stderr
    assert "github" in result.stderr and "Traceback" not in result.stderr


def test_github_actions_is_not_detected(tmp_path):
    """Annotations are opt-in (--output-format github or the variable), as in ruff: running
    under GitHub Actions does not change the output."""
    write_files(tmp_path, {"train.py": FIXTURE["train.py"]})
    plain = cli("--no-cache", "train.py", cwd=tmp_path)
    in_actions = cli("--no-cache", "train.py", cwd=tmp_path, env={"GITHUB_ACTIONS": "true", "CI": "true"})
    assert in_actions.stdout == plain.stdout and not in_actions.stdout.startswith("::")
