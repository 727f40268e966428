"""Claims of the LightningCLI, Hydra and YAML rules, checked against the installed tools.

LightningCLI runs in-process with ``run=False`` so it parses the config and builds the
Trainer without fitting; jsonargparse reports a bad config with ``SystemExit``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lightning")
pytest.importorskip("jsonargparse")
pytestmark = pytest.mark.lightning

import yaml  # noqa: E402
from lightning.pytorch.cli import LightningCLI  # noqa: E402

from claims import claim  # noqa: E402
from tiny import TinyModel  # noqa: E402


def _cli(tmp_path, *configs: str, subcommand: str = ""):
    """Build LightningCLI from config texts; returns the CLI (or raises SystemExit)."""
    args = [subcommand] if subcommand else []
    for index, text in enumerate(configs):
        path = tmp_path / f"config{index}.yaml"
        path.write_text(text)
        args += ["--config", str(path)]
    return LightningCLI(
        TinyModel,
        run=bool(subcommand),
        args=args,
        save_config_callback=None,
        trainer_defaults={
            "default_root_dir": str(tmp_path),
            "logger": False,
            "enable_progress_bar": False,
            "max_epochs": 0,
        },
    )


@claim("LL307")
def test_cli_reads_limit_one_as_all_batches(tmp_path):
    cli = _cli(tmp_path, "trainer:\n  limit_train_batches: 1\n  limit_val_batches: 2\n")
    assert cli.trainer.limit_train_batches == 1.0 and isinstance(cli.trainer.limit_train_batches, float)
    assert cli.trainer.limit_val_batches == 2 and isinstance(cli.trainer.limit_val_batches, int)


@claim("LL308")
def test_cli_rejects_scientific_int(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _cli(tmp_path, "trainer:\n  log_every_n_steps: 1e4\n")
    assert "log_every_n_steps" in capsys.readouterr().err
    cli = _cli(tmp_path, "trainer:\n  log_every_n_steps: 10000\n")
    assert cli.trainer.log_every_n_steps == 10000


@claim("LL309")
def test_cli_subcommand_config_must_not_nest_the_subcommand(tmp_path, capsys):
    # `fit --config c.yaml` with `fit:` nesting inside c.yaml is rejected ...
    with pytest.raises(SystemExit):
        _cli(tmp_path, "fit:\n  trainer:\n    max_epochs: 3\n", subcommand="fit")
    assert "fit" in capsys.readouterr().err
    # ... while the same keys at the top level are accepted.
    cli = _cli(tmp_path, "trainer:\n  max_epochs: 0\n", subcommand="fit")
    assert cli.trainer.max_epochs == 0


@claim("LL310")
def test_cli_later_config_replaces_callbacks(tmp_path):
    first = (
        "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.EarlyStopping\n"
        "      init_args:\n        monitor: val_loss\n"
    )
    second = "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.LearningRateMonitor\n"
    cli = _cli(tmp_path, first, second)
    names = {type(callback).__name__ for callback in cli.trainer.callbacks}
    assert "LearningRateMonitor" in names and "EarlyStopping" not in names


@claim("LL311")
def test_hydra_node_without_target_is_not_instantiated():
    pytest.importorskip("hydra")
    from hydra.utils import instantiate
    from omegaconf import DictConfig, OmegaConf

    config = OmegaConf.create(
        {
            "callbacks": {
                "early": {"_target_": "lightning.pytorch.callbacks.EarlyStopping", "monitor": "val_loss"},
                "lr": {"logging_interval": "step"},  # `_target_` forgotten
            }
        }
    )
    built = instantiate(config.callbacks)
    assert type(built["early"]).__name__ == "EarlyStopping"
    assert isinstance(built["lr"], (dict, DictConfig))  # a plain mapping, no error, no callback


@claim("LL313")
def test_duplicate_key_last_wins_or_is_refused(tmp_path):
    text = "trainer:\n  max_epochs: 5\n  max_epochs: 0\n"
    assert yaml.safe_load(text)["trainer"]["max_epochs"] == 0  # PyYAML: the last one, silently
    cli = _cli(tmp_path, text)
    assert cli.trainer.max_epochs == 0  # LightningCLI: the last one, silently
    pytest.importorskip("omegaconf")
    from omegaconf import OmegaConf

    with pytest.raises(Exception, match=r"(?i)duplicate"):
        OmegaConf.create(text)
