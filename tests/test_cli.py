"""The command line, end to end in a subprocess: exit codes, formats, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO, write_files

BAD = "import lightning as L\nL.Trainer(gpus=2, max_epochs=3)\n"
GOOD = "import lightning as L\nL.Trainer(accelerator='gpu', devices=2, max_epochs=3)\n"


def run(*args, cwd=None, stdin=None, env=None):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.pop("LIGHTNING_LINT_OUTPUT_FORMAT", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "lightning_lint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_examples_fail_and_exit_zero():
    found = run("examples/", cwd=REPO)
    assert found.returncode == 1, found.stderr
    assert "LL302" in found.stdout and "examples/train.py" in found.stdout
    assert run("--exit-zero", "examples/", cwd=REPO).returncode == 0


def test_missing_path_is_a_usage_error(tmp_path):
    result = run("nosuchdir", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "nosuchdir" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flag_is_a_usage_error(tmp_path):
    result = run("--select", "LL999", ".", cwd=tmp_path)
    assert result.returncode == 2 and "LL999" in result.stderr
    assert run("--output-format", "nonsense", cwd=tmp_path).returncode == 2


def test_no_matching_files_exits_zero_quietly(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    result = run(".", cwd=tmp_path)
    assert result.returncode == 0


def test_check_word_is_optional_and_version(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    assert run("check", "train.py", cwd=tmp_path).returncode == 1
    assert run("train.py", cwd=tmp_path).returncode == 1
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("lightning-lint ")


def test_syntax_error_does_not_stop_other_files(tmp_path):
    write_files(
        tmp_path,
        {"broken.py": "import lightning\ndef f(:\n    return lightning.Trainer()\n", "train.py": BAD, "good.py": GOOD},
    )
    result = run("--output-format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    found = json.loads(result.stdout)
    codes = {(d["path"], d["code"]) for d in found}
    assert ("broken.py", "LL900") in codes and ("train.py", "LL302") in codes
    assert not any(d["path"] == "good.py" for d in found)
    broken = next(d for d in found if d["code"] == "LL900")
    assert broken["line"] == 2


def test_json_fields(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    [d] = [
        d for d in json.loads(run("--output-format", "json", "train.py", cwd=tmp_path).stdout) if d["code"] == "LL302"
    ]
    for key in ("code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix"):
        assert key in d
    assert (d["line"], d["column"], d["end_column"]) == (2, 11, 17)
    assert d["name"] == "removed-argument" and d["severity"] == "error"


def test_concise_and_statistics(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    concise = run("--output-format", "concise", "train.py", cwd=tmp_path).stdout
    assert concise.splitlines()[0].startswith("train.py:2:11: LL302")
    stats = run("--statistics", "train.py", cwd=tmp_path).stdout
    assert "LL302" in stats and "removed-argument" in stats


def test_fail_on_threshold(tmp_path):
    write_files(tmp_path, {"train.py": "import lightning as L\nL.Trainer(max_epochs=3, precision=16)\n"})
    assert run("train.py", cwd=tmp_path).returncode == 0  # LL306 is info, default fail-on is warning
    assert run("--fail-on", "info", "train.py", cwd=tmp_path).returncode == 1


def test_stdin(tmp_path):
    result = run("-", "--stdin-filename", "train.py", "--output-format", "concise", cwd=tmp_path, stdin=BAD)
    assert result.returncode == 1 and result.stdout.startswith("train.py:2:11: LL302")
    yaml_result = run(
        "-",
        "--stdin-filename",
        "conf.yaml",
        "--output-format",
        "concise",
        cwd=tmp_path,
        stdin="trainer:\n  max_epochs: 3\n  gpus: 2\n",
    )
    assert yaml_result.returncode == 1 and "conf.yaml:3:3: LL302" in yaml_result.stdout


def test_select_ignore_and_noqa(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    assert run("--ignore", "LL302", "train.py", cwd=tmp_path).returncode == 0
    assert run("--select", "LL0", "train.py", cwd=tmp_path).returncode == 0
    write_files(tmp_path, {"train.py": BAD.replace("max_epochs=3)", "max_epochs=3)  # noqa: LL302")})
    assert run("train.py", cwd=tmp_path).returncode == 0


def test_output_file(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    result = run("-o", "out.json", "--output-format", "json", "train.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text())[0]["code"] == "LL302"


def test_fix_diff_and_idempotence(tmp_path):
    source = "import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False, precision=16)\n"
    write_files(tmp_path, {"train.py": source})
    diff = run("--diff", "train.py", cwd=tmp_path)
    assert diff.returncode == 1 and "+L.Trainer(max_epochs=3, use_distributed_sampler=False" in diff.stdout
    assert (tmp_path / "train.py").read_text() == source  # --diff changes nothing
    fixed = run("--fix", "train.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    text = (tmp_path / "train.py").read_text()
    assert (
        text == 'import lightning as L\nL.Trainer(max_epochs=3, use_distributed_sampler=False, precision="16-mixed")\n'
    )
    again = run("--fix", "--exit-non-zero-on-fix", "train.py", cwd=tmp_path)
    assert again.returncode == 0 and (tmp_path / "train.py").read_text() == text


def test_static_path_imports_neither_torch_nor_lightning(tmp_path):
    """Linting Python and YAML never imports torch or lightning (nor the LSP libraries, which
    only ``lsp/server.py`` imports: its pygls-free helpers are part of the static path)."""
    write_files(tmp_path, {"train.py": BAD, "config.yaml": "trainer:\n  gpus: 2\n"})
    code = (
        "import sys\nfrom lightning_lint.commands.cli import main\n"
        "import lightning_lint.linter.engine, lightning_lint.lsp.session, lightning_lint.lsp.positions\n"
        "rc = main(['--output-format', 'json', '-o', 'out.json', 'train.py', 'config.yaml'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'lightning', 'pytorch_lightning', 'pygls', 'lsprotocol', 'numpy'))\n"
        "print(rc, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "1 []", result.stdout + result.stderr
    assert len(json.loads((tmp_path / "out.json").read_text())) == 2


def _modules_after(args, cwd):
    """The modules a fresh interpreter has imported after running the command line."""
    code = (
        "import sys\nfrom lightning_lint.commands.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "open('modules.txt', 'w').write('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert (cwd / "modules.txt").exists(), result.stderr
    return set((cwd / "modules.txt").read_text().split())


def test_version_and_help_import_almost_nothing(tmp_path):
    for args in (["--version"], ["--help"], ["check", "--help"]):
        modules = _modules_after(args, tmp_path)
        ours = {m for m in modules if m.startswith("lightning_lint")}
        assert ours <= {"lightning_lint", "lightning_lint.commands", "lightning_lint.commands.cli"}, (args, ours)
        assert not modules & {"libcst", "yaml", "packaging", "pathspec", "ast"}, args


def test_yaml_only_run_never_imports_libcst(tmp_path):
    write_files(
        tmp_path, {"conf.yaml": "trainer:\n  gpus: 2\n  max_epochs: 3\n", "other.yaml": "name: ci\non: [push]\n"}
    )
    for args in (["--no-cache", "."], ["."], ["."]):  # uncached, cold, warm
        modules = _modules_after(args, tmp_path)
        assert "libcst" not in modules and "lightning_lint.extract.python" not in modules, args
    # the warm run takes every finding from the cache: no parser, no rule
    assert not modules & {"yaml", "lightning_lint.extract.config", "lightning_lint.rules"}, modules


def test_python_run_imports_libcst_only_for_a_syntax_error(tmp_path):
    write_files(tmp_path, {"train.py": BAD})
    assert "libcst" not in _modules_after(["--no-cache", "train.py"], tmp_path)
    write_files(tmp_path, {"broken.py": "import lightning\ndef f(:\n    lightning.Trainer()\n"})
    assert "libcst" in _modules_after(["--no-cache", "broken.py"], tmp_path)
