"""LL5xx stay quiet in debugging code: the ``debug-paths`` setting (its default, its
configuration and its validation), and Trainers built in a debugging branch."""

from __future__ import annotations

import pytest

from conftest import lint_files
from lightning_lint.linter.settings import DEFAULT_DEBUG_PATHS, ConfigError, Settings, settings_from_table
from test_cli import run

FDR_PY = "from lightning import Trainer\nTrainer(max_epochs=10, fast_dev_run=True)\n"
FDR_YAML = "trainer:\n  max_epochs: 10\n  fast_dev_run: true\n"
DEBUG_FLAGS_YAML = "trainer:\n  max_epochs: 10\n  overfit_batches: 3\n  detect_anomaly: true\n  profiler: simple\n"
LL5 = ("LL501", "LL502", "LL503")


def codes(root, files, target, select=LL5):
    return sorted(d.code for d in lint_files(root, files, target, select=select).diagnostics)


@pytest.mark.parametrize(
    "path",
    [
        "debug/train.py",
        "scripts/debug/run.py",
        "debug_train.py",
        "train_debug.py",
        "configs/debug/fdr.yaml",
        "tests/test_model.py",
        "tests/helpers.py",
        "src/pkg/test_fit.py",
        "fit_test.py",
        "conftest.py",
    ],
)
def test_default_debug_paths_are_exempt(tmp_path, path):
    text = FDR_YAML if path.endswith(".yaml") else FDR_PY
    assert codes(tmp_path, {path: text}, path) == []


@pytest.mark.parametrize(
    "path", ["train.py", "configs/fit.yaml", "src/pkg/train.py", "scripts/testing.py", "configs/experiment/fast.yaml"]
)
def test_other_paths_are_not(tmp_path, path):
    text = FDR_YAML if path.endswith(".yaml") else FDR_PY
    assert codes(tmp_path, {path: text}, path) == ["LL501"]


def test_every_ll5_rule_is_exempt_in_debug_configs(tmp_path):
    assert codes(tmp_path, {"configs/fit.yaml": DEBUG_FLAGS_YAML}, "configs/fit.yaml") == ["LL502", "LL503", "LL503"]
    assert codes(tmp_path, {"configs/debug/flags.yaml": DEBUG_FLAGS_YAML}, "configs/debug/flags.yaml") == []


def test_hydra_trainer_debug_option_is_exempt_but_not_other_options(tmp_path):
    files = {
        "configs/train.yaml": "defaults:\n  - trainer: default\n",
        "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 10\n",
        "configs/trainer/debug.yaml": "defaults:\n  - default\nfast_dev_run: true\n",
        "configs/trainer/quick.yaml": "defaults:\n  - default\nfast_dev_run: true\n",
    }
    assert codes(tmp_path, files, "configs/trainer/debug.yaml") == []
    assert codes(tmp_path, files, "configs/trainer/quick.yaml") == ["LL501"]


def test_configured_debug_paths_replace_the_default(tmp_path):
    files = {
        "pyproject.toml": '[tool.lightning-lint]\ndebug-paths = ["smoke/**"]\n',
        "smoke/run.py": FDR_PY,
        "debug/train.py": FDR_PY,
        "tests/test_model.py": FDR_PY,
    }
    assert codes(tmp_path, files, "smoke/run.py") == []
    assert codes(tmp_path, files, "debug/train.py") == ["LL501"]
    assert codes(tmp_path, files, "tests/test_model.py") == ["LL501"]


def test_empty_debug_paths_exempt_nothing(tmp_path):
    files = {"pyproject.toml": "[tool.lightning-lint]\ndebug-paths = []\n", "configs/debug/fdr.yaml": FDR_YAML}
    assert codes(tmp_path, files, "configs/debug/fdr.yaml") == ["LL501"]


def test_debug_paths_are_relative_to_the_project(tmp_path):
    # a project that happens to live under a folder named `tests` or `debug` is still linted
    root = tmp_path / "debug" / "tests" / "project"
    assert codes(root, {"train.py": FDR_PY}, "train.py") == ["LL501"]


def test_debug_paths_setting_is_validated(tmp_path):
    where = tmp_path / "pyproject.toml"
    assert settings_from_table({}, where).debug_paths == DEFAULT_DEBUG_PATHS
    assert settings_from_table({"debug-paths": ["a/**", "*.dbg.py"]}, where).debug_paths == ("a/**", "*.dbg.py")
    with pytest.raises(ConfigError, match="`debug-paths` must be a list of strings"):
        settings_from_table({"debug-paths": [1]}, where)
    with pytest.raises(ConfigError, match="did you mean `debug-paths`"):
        settings_from_table({"debug-path": ["a/**"]}, where)


def test_bad_debug_paths_is_a_clear_cli_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lightning-lint]\ndebug-paths = true\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(FDR_PY, encoding="utf-8")
    result = run("train.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "`debug-paths` must be a list of strings" in result.stderr and "Traceback" not in result.stderr


def test_is_debug_path_matches_folders_and_names(tmp_path):
    settings = Settings(root=tmp_path)
    assert settings.is_debug_path(tmp_path / "a" / "debug" / "b.yaml")
    assert settings.is_debug_path(tmp_path / "debug_utils.py")
    assert not settings.is_debug_path(tmp_path / "configs" / "fit.yaml")


@pytest.mark.parametrize(
    "source",
    [
        "from lightning import Trainer\ndef main(args):\n    if args.debug:\n        return Trainer(fast_dev_run=True)\n",
        "from lightning import Trainer\ndef main(cfg):\n    if cfg.trainer.fast_dev_run:\n"
        "        return Trainer(fast_dev_run=True)\n",
        "from lightning import Trainer\ndef debug_run():\n    Trainer(fast_dev_run=True)\n",
        "from lightning import Trainer\ndef test_fit():\n    Trainer(fast_dev_run=True)\n",
        "from lightning import Trainer\nclass TestFit:\n    def check(self):\n        Trainer(fast_dev_run=True)\n",
        "from lightning import Trainer\ndef main(smoke_test):\n    while smoke_test:\n        Trainer(fast_dev_run=True)\n",
    ],
)
def test_debugging_branches_are_exempt(tmp_path, source):
    assert codes(tmp_path, {"train.py": source}, "train.py") == []


def test_a_main_guard_is_not_a_debugging_branch(tmp_path):
    source = "from lightning import Trainer\nif __name__ == '__main__':\n    Trainer(fast_dev_run=True)\n"
    assert codes(tmp_path, {"train.py": source}, "train.py") == ["LL501"]


def test_ll503_and_ll603_are_opt_in(tmp_path):
    files = {
        "train.py": "from lightning import Trainer\nfrom torch.utils.data import DataLoader\n"
        "Trainer(max_epochs=1, detect_anomaly=True)\nDataLoader([1, 2])\n"
    }
    assert codes(tmp_path, files, "train.py", select=None) == []
    files["pyproject.toml"] = '[tool.lightning-lint]\nextend-select = ["LL503", "LL603"]\n'
    assert codes(tmp_path, files, "train.py", select=None) == ["LL503", "LL603"]
