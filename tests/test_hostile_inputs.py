"""Bad input never crashes the run: each hostile file gets its documented diagnostic
(docs/reliability.md), the exit code says so, and the files next to it are still linted.

The hostile files are generated here (never committed as binaries)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple, Optional

import pytest

from conftest import write_files
from lightning_lint.commands import check as checker
from lightning_lint.extract.yaml import MAX_DEPTH
from lightning_lint.linter.run import CheckOptions

BAD = b"import lightning as L\nL.Trainer(gpus=2, max_epochs=3)\n"  # LL302 at 2:11
HEAD = b"from lightning import Trainer\n"  # a file that names no Lightning API is never parsed
SIBLING = "sibling.py"  # linted next to every hostile file: its LL302 proves the run went on


class Case(NamedTuple):
    name: str
    data: bytes
    code: Optional[str]  # the documented finding; None: no finding at all
    line: Optional[int] = None
    fragment: Optional[str] = None  # a piece of the message


def _nest(opening: str, closing: str, depth: int, inner: str = "1") -> str:
    return opening * depth + inner + closing * depth


_BOMB = (
    "\n".join(
        ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    )
    + "\ntrainer:\n  max_epochs: 1\n  callbacks: *a9\n"
)

CASES: List[Case] = [
    # -- invalid Python, of many kinds -------------------------------------------------
    Case("unclosed_paren.py", HEAD + b"L.Trainer(max_epochs=1\n", "LL900", 2, "SyntaxError"),
    Case("unterminated_string.py", HEAD + b"x = 'abc\n", "LL900", 2, "SyntaxError"),
    Case("unterminated_triple.py", HEAD + b'x = """abc\n\n', "LL900", None, "SyntaxError"),  # 3.9: line 3
    Case("unexpected_indent.py", HEAD + b"    x = 1\n", "LL900", 2, "indent"),
    Case("missing_indent.py", HEAD + b"def f():\nreturn 1\n", "LL900", 3, "indent"),
    Case("bad_dedent.py", HEAD + b"if x:\n        a = 1\n    b = 2\n", "LL900", 4, "indent"),
    Case("mixed_tabs.py", HEAD + b"if True:\n\tx = 1\n        y = 2\n", "LL900", 4, "SyntaxError"),
    Case("invalid_token.py", HEAD + b"x = 1 $ 2\n", "LL900", 2, "SyntaxError"),
    Case("unmatched_bracket.py", HEAD + b"x = 1)\n", "LL900", 2, "SyntaxError"),
    Case("keyword_as_name.py", HEAD + b"class = 1\n", "LL900", 2, "SyntaxError"),
    Case("backslash_at_eof.py", HEAD + b"x = 1 + \\", "LL900", None, "SyntaxError"),
    Case("bad_fstring.py", HEAD + b"x = f'{'\n", "LL900", 2, "SyntaxError"),
    Case("python2_print.py", HEAD + b"print 'hello'\nL.Trainer(max_epochs=1)\n", "LL900", 2, "SyntaxError"),
    Case("python2_backticks.py", HEAD + b"x = `1`\n", "LL900", 2, "SyntaxError"),
    Case("python2_octal.py", HEAD + b"mode = 0777\n", "LL900", 2, "SyntaxError"),
    Case("python2_exec.py", HEAD + b"exec 'x = 1'\n", "LL900", 2, "SyntaxError"),
    # the prefilter: a file that names nothing Lightning is not parsed, so not reported
    Case("unrelated_broken.py", b"def f(:\n    pass\n", None),
    Case(
        "too_many_parens.py",
        HEAD + ("x = " + _nest("(", ")", 5000) + "\n").encode(),
        "LL900",
        2,
        "too many nested parentheses",
    ),
    # valid Python, but deeper than the extractor's recursion follows
    Case(
        "deep_unary.py",
        ("import lightning as L\nL.Trainer(gpus=2)\nx = " + "-" * 990 + "1\n").encode(),
        "LL900",
        1,
        "too deeply nested",
    ),
    # deeper than CPython's parser: reported, not handed to libcst (whose parser would crash)
    Case("deep_binop.py", HEAD + ("x = 1" + " + 1" * 100_000 + "\n").encode(), "LL900", 1, "too deeply nested"),
    # -- text that is not plain UTF-8 -----------------------------------------------------
    Case("bom.py", b"\xef\xbb\xbf" + BAD, "LL302", 2),
    Case("crlf.py", BAD.replace(b"\n", b"\r\n"), "LL302", 2),
    Case("cr_only.py", BAD.replace(b"\n", b"\r"), "LL302", 2),
    Case("form_feed.py", b"import lightning as L\n\x0cL.Trainer(gpus=2, max_epochs=3)\n", "LL302", 2),
    Case("tab_indented.py", b"import lightning as L\ndef main():\n\tL.Trainer(gpus=2, max_epochs=3)\n", "LL302", 3),
    Case("no_final_newline.py", BAD.rstrip(b"\n"), "LL302", 2),
    Case("latin1_declared.py", b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BAD, "LL302", 4),
    Case(
        "invalid_utf8.py",
        b"import lightning as L\n# caf\xe9 \xff\nL.Trainer(gpus=2)\n",
        "LL901",
        1,
        "not valid UTF-8 (byte 0xe9 on line 2)",
    ),
    Case("surrogate_bytes.py", BAD + b"# \xed\xa0\x80\n", "LL901", 1, "not valid UTF-8"),
    Case("unknown_encoding.py", b"# -*- coding: klingon -*-\n" + BAD, "LL901", 1, "encoding"),
    Case("utf16.py", BAD.decode().encode("utf-16"), "LL901", 1, "UTF-16"),
    Case("binary.py", bytes(range(256)) * 8, "LL901", 1, "binary file"),
    Case("binary.yaml", bytes(range(256)) * 8, "LL901", 1, "binary file"),
    Case("binary_without_nul.py", bytes(range(1, 256)) * 8, "LL901", 1, "not valid UTF-8"),
    # -- empty and odd but harmless ----------------------------------------------------
    Case("empty.py", b"", None),
    Case("empty.yaml", b"", None),
    Case("bom_only.py", b"\xef\xbb\xbf", None),
    Case("blank.yaml", b"\n\n   \n", None),
    Case("comments_only.yaml", b"# nothing\n# here\n", None),
    Case("scalar_document.yaml", b"just a string\n", None),
    Case("long_line.py", BAD.rstrip(b"\n") + b"  # " + b"x" * 1_000_000 + b"\n", "LL302", 2),
    Case("long_line.yaml", b"trainer:\n  gpus: 2\n  default_root_dir: " + b"d" * 1_000_000 + b"\n", "LL302", 2),
    Case("with space.py", BAD, "LL302", 2),
    Case("\u00fcn\u00efc\u00f6d\u00e9 \u8a13\u7df4.py", BAD, "LL302", 2),
    # -- YAML -------------------------------------------------------------------------
    Case("syntax.yaml", b"trainer:\n  max_epochs: [1\n", "LL900", None, "YAML error"),
    Case("tab_indent.yaml", b"trainer:\n\tmax_epochs: 1\n", "LL900", 2, "YAML error"),
    Case("control_char.yaml", b"trainer:\n  gpus: \x07\n", "LL900", 2, "control characters are not allowed (U+0007)"),
    Case("undefined_alias.yaml", b"trainer:\n  callbacks: *nowhere\n", "LL900", 2, "undefined alias"),
    Case("invalid_utf8.yaml", b"trainer:\n  gpus: \xff\n", "LL901", 1, "not valid UTF-8"),
    Case("crlf_bom.yaml", b"\xef\xbb\xbftrainer:\r\n  max_epochs: 1\r\n  gpus: 2\r\n", "LL302", 3),
    Case("billion_laughs.yaml", _BOMB.encode(), "LL900", None, "alias expansion exceeds"),
    Case("deep_flow.yaml", ("trainer:\n  callbacks: " + _nest("[", "]", 5000, "") + "\n").encode(), "LL900", 2, "nest"),
    Case(
        "deep_block.yaml",
        ("trainer:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(250)) + "  " * 251 + "v\n").encode(),
        "LL900",
        None,
        f"nested more than {MAX_DEPTH} levels",
    ),
    Case(
        "python_tags.yaml",
        b"trainer:\n  gpus: 2\n  max_epochs: !!python/object/apply:os.getcwd []\n"
        b"  plugins: !!python/object:builtins.dict {a: 1}\n",
        "LL900",  # the run's own loader refuses the tag (extract/yaml_tags.py); nothing is constructed
        3,
        "cannot load this file",
    ),
    Case(
        "multi_document.yaml",
        b"trainer:\n  max_epochs: 1\n  gpus: 2\n---\ntrainer:\n  max_epochs: 1\n  gpus: 4\n",
        "LL302",
        3,
    ),
    Case(
        "huge_numbers.yaml",
        b"trainer:\n  gpus: 2\n  max_epochs: " + b"9" * 5000 + b"\n  max_steps: 1e999999\n",
        "LL302",
        2,
    ),
]
if hasattr(sys.int_info, "default_max_str_digits"):  # CPython >= 3.11 (and the 3.9/3.10 security releases)
    CASES.append(
        Case(
            "huge_int_literal.py",
            b"import lightning as L\nL.Trainer(max_epochs=" + b"9" * 5000 + b")\n",
            "LL900",
            2,
            "SyntaxError",
        )
    )

if sys.version_info < (3, 12):
    # Syntax newer than this Python sends the file to libcst, to tell "newer" from "invalid";
    # libcst's parser would crash the process (or take gigabytes) on this nesting: the file
    # is reported instead.
    CASES.append(
        Case(
            "newer_syntax_then_deep.py",
            HEAD + ("type X = int\nx = " + "-" * 100_000 + "1\n").encode(),
            "LL900",
            2,
            "SyntaxError",
        )
    )

BY_NAME = {case.name: case for case in CASES}
# The multi-document case is linted document by document: both documents have a finding.
EXTRA_FINDINGS = {"multi_document.yaml": [("LL302", 7)]}


def check(paths: List[str], *flags: str, **options) -> tuple:
    """Run ``check`` in this process; returns (exit code, findings as JSON dicts)."""
    out = io.StringIO()
    code = checker.run(
        CheckOptions(paths=paths, output_format="json", color=False, no_cache=True, **options), stdout=out
    )
    text = out.getvalue()
    return code, (json.loads(text) if text.strip() else [])


def findings_for(found: List[dict], name: str) -> List[dict]:
    return [d for d in found if Path(d["path"]).name == name]


def assert_documented(case: Case, found: List[dict]) -> None:
    mine = findings_for(found, case.name)
    assert not [d for d in mine if d["code"] == "LL905"], mine  # an internal error is a bug
    if case.code is None:
        assert mine == [], mine
        return
    matching = [d for d in mine if d["code"] == case.code]
    assert matching, (case.name, mine)
    first = matching[0]
    if case.line is not None:
        assert first["line"] == case.line, (case.name, first)
    if case.fragment is not None:
        assert case.fragment in first["message"], (case.name, first["message"])
    for code, line in EXTRA_FINDINGS.get(case.name, []):
        assert any(d["code"] == code and d["line"] == line for d in mine), (case.name, mine)
    if case.code in ("LL900", "LL901"):
        # nothing else can be said about a file that could not be read or parsed
        assert {d["code"] for d in mine} == {case.code}, mine
        assert len(first["message"]) < 400 and "\n" not in first["message"]


def _write_case(root: Path, case: Case) -> None:
    (root / case.name).write_bytes(case.data)


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'hostile'\n"})
    (tmp_path / SIBLING).write_bytes(BAD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_gets_its_documented_diagnostic(project, case):
    _write_case(project, case)
    code, found = check([case.name])
    assert_documented(case, found)
    assert code == (0 if case.code is None else 1)
    assert (
        checker.run(
            CheckOptions(paths=[case.name], output_format="json", exit_zero=True, no_cache=True), stdout=io.StringIO()
        )
        == 0
    )
    # the file next to it is still linted
    code, found = check([case.name, SIBLING])
    assert code == 1
    assert [(d["code"], d["line"]) for d in findings_for(found, SIBLING)] == [("LL302", 2)]


# -- files that are not plain files ---------------------------------------------------------


def test_broken_symlink_and_symlink_loop(project):
    os.symlink("nowhere.py", project / "broken.py")
    os.symlink("loop_b.py", project / "loop_a.py")
    os.symlink("loop_a.py", project / "loop_b.py")
    code, found = check(["."])
    assert code == 1
    assert [d["message"] for d in findings_for(found, "broken.py")] == [
        "cannot lint this file: broken symbolic link (points to nowhere.py)"
    ]
    for name in ("loop_a.py", "loop_b.py"):
        assert [(d["code"], d["message"]) for d in findings_for(found, name)] == [
            ("LL901", "cannot lint this file: symbolic link loop")
        ]
    assert findings_for(found, SIBLING)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_is_not_read(project):
    """Reading a FIFO would block for ever."""
    os.mkfifo(project / "pipe.py")
    code, found = check(["."])
    assert code == 1
    assert [(d["code"], d["message"]) for d in findings_for(found, "pipe.py")] == [
        ("LL901", "cannot lint this file: not a regular file (a pipe, socket or device)")
    ]
    assert findings_for(found, SIBLING)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_real_permissions(project):
    (project / "secret.py").write_bytes(BAD)
    os.chmod(project / "secret.py", 0)
    try:
        code, found = check(["."])
    finally:
        os.chmod(project / "secret.py", 0o644)
    assert [(d["code"], d["message"]) for d in findings_for(found, "secret.py")] == [
        ("LL901", "cannot lint this file: permission denied")
    ]
    assert code == 1 and findings_for(found, SIBLING)


def test_unreadable_file(project, monkeypatch):
    """Permission denied on open (simulated, so that the test also means something as root)."""
    import builtins

    (project / "secret.py").write_bytes(BAD)
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    code, found = check(["."])
    assert [(d["code"], d["message"]) for d in findings_for(found, "secret.py")] == [
        ("LL901", "cannot lint this file: permission denied")
    ]
    assert code == 1 and findings_for(found, SIBLING)


def test_file_deleted_during_the_run(project, monkeypatch):
    from lightning_lint.linter import discovery

    (project / "doomed.py").write_bytes(BAD)
    real_discover = discovery.discover

    def discover_then_delete(*args, **kwargs):
        found = real_discover(*args, **kwargs)
        (project / "doomed.py").unlink()  # gone after discovery, before it is read
        return found

    monkeypatch.setattr(discovery, "discover", discover_then_delete)
    code, found = check(["."])
    assert [(d["code"], d["message"]) for d in findings_for(found, "doomed.py")] == [
        ("LL901", "cannot lint this file: file does not exist (it may have been deleted during the run)")
    ]
    assert code == 1 and findings_for(found, SIBLING)


def test_directory_named_like_a_file(project):
    """A folder is walked, even one named ``x.py``; one that replaced a file during the
    run is LL901."""
    (project / "package.py").mkdir()
    (project / "package.py" / "train.py").write_bytes(BAD)
    code, found = check(["package.py"])
    assert code == 1 and [(d["code"], Path(d["path"]).name) for d in found] == [("LL302", "train.py")]
    from lightning_lint.linter.engine import Linter
    from lightning_lint.linter.settings import Overrides, SettingsResolver

    result = Linter(SettingsResolver(project, Overrides())).lint_path(project / "package.py", "package.py")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("LL901", "cannot lint this file: is a directory, not a file")
    ]


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes only on Linux")
def test_file_name_that_is_not_utf8(project):
    """os.fsdecode gives such a name lone surrogates; every report must still be written."""
    try:
        (project / os.fsdecode(b"caf\xe9.py")).write_bytes(BAD)
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses the name")
    runs = [
        (f, encoding, to_file)
        for f in ("full", "json", "sarif", "gitlab", "junit", "github")
        for encoding, to_file in (("utf-8", False), ("utf-8:surrogateescape", False), ("utf-8", True))
    ]
    for output_format, encoding, to_file in runs:
        env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING=encoding)
        args = ["--output-format", output_format, "."] + (["-o", "report.out"] if to_file else [])
        result = subprocess.run(
            [sys.executable, "-m", "lightning_lint", *args], cwd=project, env=env, capture_output=True, timeout=120
        )
        assert result.returncode == 1, (output_format, result.stderr)
        assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
        report = (project / "report.out").read_bytes() if to_file else result.stdout
        assert b"caf\\udce9.py" in report and b"sibling.py" in report  # escaped: valid UTF-8
        report.decode("utf-8")
        if output_format in ("json", "sarif", "gitlab"):
            json.loads(report)


def test_console_that_cannot_show_a_character(project):
    (project / "caf\u00e9 \u8a13\u7df4.py").write_bytes(BAD)
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="ascii")
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "."], cwd=project, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    assert b"caf\\xe9 \\u8a13\\u7df4.py" in result.stdout


# -- standard input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"import lightning as L\nL.Trainer(gpus=2)  # \xff\n", "not valid UTF-8 (byte 0xff on line 2)"),
        (b"import lightning as L\x00\n", "binary file"),
        (b"# " + b"x" * (5 * 1024 * 1024) + b"\n", "larger than"),
    ],
    ids=["invalid-utf8", "binary", "too-large"],
)
def test_bad_standard_input(tmp_path, data, fragment):
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "--output-format", "json", "-", "--stdin-filename", "train.py"],
        cwd=tmp_path,
        input=data,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "LL901" and fragment in finding["message"]


# -- internal errors ------------------------------------------------------------------------


def test_a_crashing_rule_is_that_rules_failure_on_that_file(project, monkeypatch):
    from lightning_lint import rules

    rule = rules.get("LL001")

    def explode(self, spec, ctx):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(rule, "check_trainer", explode)
    (project / "other.py").write_bytes(b"import lightning as L\nL.Trainer(precision=16)\n")
    code, found = check(["."], select=("ALL",))
    assert code == 1
    failures = [d for d in found if d["code"] == "LL905"]
    assert {Path(d["path"]).name for d in failures} == {"other.py", SIBLING}
    assert all(
        d["message"].startswith("rule LL001 (missing-stop-condition) failed on this file: ZeroDivisionError: boom")
        for d in failures
    )
    # the other rules still ran on the same files
    assert {(Path(d["path"]).name, d["code"]) for d in found} >= {(SIBLING, "LL302"), ("other.py", "LL306")}


def test_a_crashing_extractor_is_reported_not_raised(project, monkeypatch):
    from lightning_lint.extract import python as python_extract

    def explode(tree, source, *args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(python_extract, "extract", explode)
    (project / "config.yaml").write_bytes(b"trainer:\n  gpus: 2\n")
    code, found = check(["."])
    assert code == 1
    assert {(Path(d["path"]).name, d["code"]) for d in found} == {(SIBLING, "LL905"), ("config.yaml", "LL302")}
    assert "KeyError" in findings_for(found, SIBLING)[0]["message"]


# -- everything at once, in a real process --------------------------------------------------


def test_the_whole_hostile_corpus_in_one_run(tmp_path):
    """One process over every hostile file (a crash of the interpreter would show here),
    then ``--fix``: files that could not be read or parsed are left byte for byte."""
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'hostile'\n"})
    (tmp_path / SIBLING).write_bytes(BAD)
    for case in CASES:
        _write_case(tmp_path, case)
    os.symlink("nowhere.yaml", tmp_path / "broken.yaml")
    env = dict(os.environ, NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "--output-format", "json", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip() == "", result.stderr
    found = json.loads(result.stdout)
    for case in CASES:
        assert_documented(case, found)
    assert [d["code"] for d in findings_for(found, "broken.yaml")] == ["LL901"]
    assert [d["code"] for d in findings_for(found, SIBLING)] == ["LL302"]

    untouchable = {case.name: case.data for case in CASES if case.code in ("LL900", "LL901")}
    fixed = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "--fix", "--unsafe-fixes", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fixed.returncode == 1 and "Traceback" not in fixed.stderr, fixed.stderr
    for name, data in untouchable.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert b"accelerator=" in (tmp_path / "crlf.py").read_bytes()
    assert not list(tmp_path.glob(".*.lightning-lint.tmp"))


def test_the_files_own_syntax_warnings_are_not_printed(project):
    """An invalid escape in a regex string is the file's business: Python 3.12+ would
    print a SyntaxWarning for it on every parse (3.11: a DeprecationWarning)."""
    (project / "regex.py").write_bytes(HEAD + b'PATTERN = "\\d+"\nok = PATTERN is "x"\nTrainer(gpus=2, max_epochs=1)\n')
    env = dict(os.environ, NO_COLOR="1", PYTHONWARNINGS="default")
    for args in (["regex.py"], ["--fix", "regex.py"]):
        result = subprocess.run(
            [sys.executable, "-m", "lightning_lint", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    assert b'accelerator="gpu"' in (project / "regex.py").read_bytes()


@pytest.mark.parametrize("name", ["deep_unary.py", "binary.py", "unclosed_paren.py", "billion_laughs.yaml"])
def test_explain_on_a_hostile_file_says_why_in_one_line(project, name):
    _write_case(project, BY_NAME[name])
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "explain", name],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"lightning-lint: error: cannot read `{name}`: ")
    assert result.stderr.count("\n") == 1
