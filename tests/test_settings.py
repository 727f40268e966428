"""Configuration files: which one applies, what each key changes, and `config --show`.

Runs the command line in-process (``cli.main``) in a temporary project, so each case is
a real run over real files without a subprocess per case.
"""

from __future__ import annotations

import json
from typing import List

import pytest

from conftest import write_files
from lightning_lint.commands import cli

V1_SCRIPT = "import lightning as L\nL.Trainer(max_epochs=3, replace_sampler_ddp=False)\n"  # LL302 on 2.x
NO_LIMIT = "import lightning as L\nL.Trainer()\n"  # LL001


def check(monkeypatch, capsys, root, *args: str):
    """Run `lightning-lint check --output-format json ARGS` in ``root``; (exit code, codes by file)."""
    monkeypatch.chdir(root)
    monkeypatch.delenv("LIGHTNING_LINT_OUTPUT_FORMAT", raising=False)
    code = cli.main(["check", "--output-format", "json", "--no-cache", *args])
    out, err = capsys.readouterr()
    found = {}
    if out.strip():
        for item in json.loads(out):
            found.setdefault(item["path"].replace("\\", "/"), []).append(item["code"])
    return code, found, err


def codes(found, name) -> List[str]:
    return sorted(found.get(name, []))


def test_closest_configuration_file_wins_without_merging(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.lightning-lint]\nignore = ['LL302']\n",
            "train.py": V1_SCRIPT,
            "sub/lightning-lint.toml": "extend-select = ['LL007']\n",  # no `ignore`: the parent's is not inherited
            "sub/train.py": V1_SCRIPT,
        },
    )
    code, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert "LL302" not in codes(found, "train.py")
    assert "LL302" in codes(found, "sub/train.py")
    assert code == 1


def test_lightning_lint_toml_beats_pyproject_in_the_same_folder(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.lightning-lint]\nignore = ['LL302']\n",
            "lightning-lint.toml": "ignore = ['LL001']\n",
            "train.py": V1_SCRIPT,
        },
    )
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert "LL302" in codes(found, "train.py")


def test_per_file_ignores(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.lightning-lint.per-file-ignores]\n'legacy/*.py' = ['LL302']\n'scripts/**' = ['LL0']\n",
            "legacy/old.py": V1_SCRIPT,
            "new.py": V1_SCRIPT,
            "scripts/deep/run.py": NO_LIMIT,
        },
    )
    _, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert "LL302" not in codes(found, "legacy/old.py")
    assert "LL302" in codes(found, "new.py")
    assert not [c for c in codes(found, "scripts/deep/run.py") if c.startswith("LL0")]


def test_target_version_changes_what_is_removed(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\ntarget-version = '1.9'\n", "train.py": V1_SCRIPT})
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert "LL302" not in codes(found, "train.py")  # replace_sampler_ddp still exists in 1.9
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\ntarget-version = '2.1'\n"})
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert "LL302" in codes(found, "train.py")


def test_target_version_from_the_project_pin(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"setup.py": "", "requirements.txt": "pytorch-lightning==1.9.5\n", "train.py": V1_SCRIPT})
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert "LL302" not in codes(found, "train.py")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["config", "train.py"]) == 0
    assert "1.9.5 (requirements.txt" in capsys.readouterr().out


def test_select_extend_select_and_command_line_override(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\nselect = ['LL0']\n", "train.py": V1_SCRIPT})
    code, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert code == 0 and not found  # LL302 is not selected
    code, found, _ = check(monkeypatch, capsys, tmp_path, "--extend-select", "LL302", "train.py")
    assert code == 1 and codes(found, "train.py") == ["LL302"]
    code, found, _ = check(monkeypatch, capsys, tmp_path, "--select", "LL3", "train.py")
    assert code == 1 and codes(found, "train.py") == ["LL302"]


def test_fail_on_from_configuration(tmp_path, monkeypatch, capsys):
    info_only = "import lightning as L\nL.Trainer(max_epochs=3, precision=16)\n"  # LL306 is info
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\nfail-on = 'info'\n", "train.py": info_only})
    code, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert codes(found, "train.py") == ["LL306"] and code == 1
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\nfail-on = 'warning'\n"})
    code, _, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert code == 0


def test_exclude_and_extend_exclude(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.lightning-lint]\nextend-exclude = ['generated/']\n",
            "generated/a.py": V1_SCRIPT,
            "train.py": V1_SCRIPT,
        },
    )
    _, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert list(found) == ["train.py"]
    # A file named explicitly is linted unless --force-exclude (what pre-commit passes).
    _, found, _ = check(monkeypatch, capsys, tmp_path, "generated/a.py")
    assert "generated/a.py" in found
    code, found, _ = check(monkeypatch, capsys, tmp_path, "--force-exclude", "generated/a.py")
    assert code == 0 and not found


def test_include_makes_a_yaml_file_a_config(tmp_path, monkeypatch, capsys):
    # Without Lightning-looking keys a YAML file is not read as a Lightning config ...
    yaml_text = "max_epochs: 3\ngpus: 2\n"
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "conf/run.yaml": yaml_text})
    _, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert not found
    # ... unless `include` says it is one (its keys are then trainer arguments).
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\ninclude = ['conf/*.yaml']\n"})
    _, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert "LL302" in codes(found, "conf/run.yaml")


def test_hydra_group_option_without_lightning_words_is_read(tmp_path, monkeypatch, capsys):
    # lightning-hydra-template's trainer/gpu.yaml names nothing Lightning-like; its folder does.
    write_files(
        tmp_path,
        {
            "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 3\n",
            "configs/trainer/gpu.yaml": "defaults:\n  - default\naccelerator: gpu\ngpus: 1\n",
            "configs/paths/default.yaml": "gpus: 1\n",  # not a Lightning group: still skipped
        },
    )
    _, found, _ = check(monkeypatch, capsys, tmp_path, ".")
    assert list(found) == ["configs/trainer/gpu.yaml"] and codes(found, "configs/trainer/gpu.yaml") == ["LL302"]


@pytest.mark.parametrize(
    "config, message",
    [
        ("[tool.lightning-lint]\nignor = ['LL302']\n", "unknown setting `ignor`"),
        ("[tool.lightning-lint]\nfail-on = 'sometimes'\n", "fail-on"),
        ("[tool.lightning-lint]\ntarget-version = 'two'\n", "two"),
        ("[tool.lightning-lint\nselect = 1\n", "invalid TOML"),
        ("[tool.lightning-lint]\nselect = [302]\n", "`select` must be a list of strings"),
        ("[tool.lightning-lint]\nselect = ['LL3O2']\n", "LL3O2"),
    ],
)
def test_bad_configuration_is_a_usage_error(tmp_path, monkeypatch, capsys, config, message):
    write_files(tmp_path, {"pyproject.toml": config, "train.py": V1_SCRIPT})
    code, _, err = check(monkeypatch, capsys, tmp_path, "train.py")
    assert code == 2 and message in err and "Traceback" not in err


def test_unknown_setting_suggests_the_right_one(tmp_path, monkeypatch, capsys):
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\nper-file-ignore = {}\n", "train.py": V1_SCRIPT})
    _, _, err = check(monkeypatch, capsys, tmp_path, "train.py")
    assert "did you mean `per-file-ignores`?" in err


def test_config_show_text_and_json(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.lightning-lint]\nignore = ['LL302']\nextend-select = ['LL007']\n"
            "[tool.lightning-lint.per-file-ignores]\n'tests/*' = ['LL001']\n",
            "tests/test_x.py": NO_LIMIT,
        },
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["config", "--show", "tests/test_x.py"]) == 0
    text = capsys.readouterr().out
    assert f"configuration file: {tmp_path / 'pyproject.toml'}" in text
    assert 'ignore = ["LL302"]' in text and "Ignored for this path by per-file-ignores: LL001" in text
    assert cli.main(["config", "--output-format", "json", "tests/test_x.py"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "LL302" not in report["enabled_rules"] and "LL001" not in report["enabled_rules"]
    assert "LL007" in report["enabled_rules"] and "LL101" in report["enabled_rules"]
    assert report["settings"]["per-file-ignores"] == {"tests/*": ["LL001"]}
    assert cli.main(["config", "--output-format", "json", "."]) == 0
    assert "LL001" in json.loads(capsys.readouterr().out)["enabled_rules"]


def test_config_without_a_file_and_for_a_missing_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["config"]) == 0
    assert "none found" in capsys.readouterr().out
    assert cli.main(["config", "missing.py"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_rule_options(tmp_path, monkeypatch, capsys):
    # LL003 stays quiet when a few batches per epoch would let max_steps win ...
    script = "import lightning as L\nL.Trainer(max_epochs=100, max_steps=1000)\n"  # needs 10 batches per epoch
    write_files(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n", "train.py": script})
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert codes(found, "train.py") == []
    # ... and the threshold is a per-rule option
    write_files(tmp_path, {"pyproject.toml": "[tool.lightning-lint.rules.LL003]\nmin-batches-per-epoch = 5\n"})
    _, found, _ = check(monkeypatch, capsys, tmp_path, "train.py")
    assert codes(found, "train.py") == ["LL003"]


@pytest.mark.parametrize(
    "table, message",
    [
        ("[tool.lightning-lint.rules.LL003]\nmin-batches = 5\n", "did you mean `min-batches-per-epoch`?"),
        ("[tool.lightning-lint.rules.LL003]\nmin-batches-per-epoch = 'many'\n", "must be int"),
        ("[tool.lightning-lint.rules.LL101]\nstrict = true\n", "has no options"),
        ("[tool.lightning-lint.rules.LL999]\nx = 1\n", "not a rule code"),
    ],
)
def test_bad_rule_options(tmp_path, monkeypatch, capsys, table, message):
    write_files(tmp_path, {"pyproject.toml": table, "train.py": NO_LIMIT})
    code, _, err = check(monkeypatch, capsys, tmp_path, "train.py")
    assert code == 2 and message in err
