"""Unit tests of extract/config.py: which YAML is a Lightning config and of which flavour,
and the Trainer and callback specs read from LightningCLI, Hydra and OmegaConf files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lightning_lint.extract.config import detect_flavor, extract
from lightning_lint.extract.failure import ParseFailure
from lightning_lint.extract.yaml import load
from lightning_lint.linter.settings import Settings
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Span


def flavor_of(text: str):
    document = load(SourceFile("c.yaml", textwrap.dedent(text).lstrip("\n"), "yaml"))[0]
    return detect_flavor(document.root, document.header)


@pytest.fixture
def read(tmp_path, monkeypatch):
    """``read(text, name="config.yaml", **settings)`` writes the file and extracts it."""
    monkeypatch.chdir(tmp_path)

    def run(text: str, name: str = "config.yaml", **settings):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(text).lstrip("\n")
        path.write_text(text, encoding="utf-8")
        return extract(SourceFile(name, text, "yaml"), Settings(root=tmp_path, **settings), Path(name))

    return run


def only_trainer(extraction):
    assert len(extraction.trainers) == 1, extraction.trainers
    return extraction.trainers[0]


# -- flavour detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, flavor",
    [
        ("trainer:\n  max_epochs: 1\nmodel:\n  class_path: my.Model\n", "lightningcli"),
        ("trainer:\n  max_epochs: 1\nmodel:\n  lr: 0.1\n", "lightningcli"),  # only LightningCLI's own keys
        ("seed_everything: 1\ntrainer:\n  max_epochs: 1\nextra: 1\n", "lightningcli"),
        ("# lightning.pytorch==2.6.0\ntrainer:\n  max_epochs: 1\nextra: 1\n", "lightningcli"),  # print_config header
        ("fit:\n  trainer:\n    max_epochs: 1\n", "lightningcli"),
        ("test:\n  ckpt_path: best.ckpt\n", "lightningcli"),
        ("trainer:\n  _target_: lightning.pytorch.Trainer\n  max_epochs: 1\n", "hydra"),
        ("defaults:\n  - trainer: default\n  - _self_\nseed: 1\n", "hydra"),
        ("# @package _global_\ntrainer:\n  max_epochs: 1\n", "hydra"),
        ("hydra:\n  run:\n    dir: out\ntrainer:\n  max_epochs: 1\n", "hydra"),
        ("trainer:\n  max_epochs: 1\nexp_manager:\n  exp_dir: null\nmodel:\n  train_ds: {}\n", "omegaconf"),  # NeMo
        ("lightning:\n  trainer:\n    max_epochs: 1\nmodel:\n  target: ldm.Model\n", "omegaconf"),  # CompVis
        # not Lightning configs
        ("name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n", None),
        ("services:\n  trainer:\n    image: me/train\n    command: python train.py\n", None),
        ("name: env\nchannels: [conda-forge]\ndependencies:\n  - pytorch-lightning=1.9\n", None),
        ("trainer: gpu\n", None),
        ("- trainer:\n    max_epochs: 1\n", None),
        ("plain: 1\n", None),
        # HuggingFace TrainingArguments under `trainer:`: other names than Lightning's
        (
            "model_name: bert\ntrainer:\n  per_device_train_batch_size: 8\n  num_train_epochs: 3\n  max_steps: 10\n",
            None,
        ),
    ],
)
def test_flavor_detection(text, flavor):
    assert flavor_of(text) == flavor


@pytest.mark.parametrize(
    "name, text",
    [
        (
            ".github/workflows/ci.yml",
            """
        name: CI
        on: [push]
        jobs:
          train:
            runs-on: ubuntu-latest
            steps:
              - run: python train.py --trainer.max_epochs 1
    """,
        ),
        (
            "docker-compose.yml",
            """
        services:
          trainer:
            image: me/trainer
            environment:
              - MAX_EPOCHS=1
    """,
        ),
        (
            "environment.yml",
            """
        name: train
        dependencies:
          - python=3.10
          - pytorch-lightning=1.9
    """,
        ),
    ],
)
def test_yaml_that_is_not_a_lightning_config_gives_nothing(read, name, text):
    extraction = read(text, name)
    assert extraction.trainers == [] and extraction.callbacks == []
    assert "flavors" not in extraction.facts


def test_invalid_yaml_is_a_parse_failure(read):
    with pytest.raises(ParseFailure) as info:
        read("trainer:\n  max_epochs: [1\n")
    assert info.value.line == 3 and "YAML error" in info.value.message


# -- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("${oc.env:MAX_EPOCHS}", "is an environment lookup"),
        ("${oc.env:MAX_EPOCHS,10}", "is an environment lookup"),
        ("${model.epochs}", "is an interpolation resolved when the config is loaded"),
        ("run_${now:%H}", "is an interpolation resolved when the config is loaded"),
        ("???", "marks a mandatory value given on the command line"),
    ],
)
def test_interpolations_and_mandatory_values_are_unknown(read, raw, reason):
    spec = only_trainer(read(f"trainer:\n  max_epochs: {raw}\nexp_manager: {{}}\n"))
    value = spec.args["max_epochs"]
    assert value.unknown and reason in value.reason
    assert value.raw == raw
    assert value.key_path == "trainer.max_epochs"


def test_lightning_cli_types_and_coercions(read):
    spec = only_trainer(
        read("""
        trainer:
          max_epochs: 1e4
          limit_train_batches: 1
          limit_val_batches: 0.5
          precision: 16-mixed
          fast_dev_run: yes
          devices: "2"
          logger: null
        model:
          class_path: my.Model
    """)
    )
    assert spec.flavor == "lightningcli" and spec.key_prefix == "trainer."
    args = spec.args
    assert args["max_epochs"].data == 10000.0 and args["max_epochs"].raw == "1e4"  # jsonargparse reads a float
    # jsonargparse tries float first for these: 1 reaches the Trainer as 1.0 (a fraction: 100%)
    assert args["limit_train_batches"].is_float() and args["limit_train_batches"].data == 1.0
    assert args["limit_train_batches"].raw == "1"
    assert args["limit_val_batches"].data == 0.5
    assert args["precision"].data == "16-mixed"
    assert args["fast_dev_run"].data is True
    assert args["devices"].data == "2" and args["devices"].raw == '"2"'
    assert args["logger"].is_none()


def test_omegaconf_keeps_integers_and_positions(read):
    spec = only_trainer(
        read("""
        name: nemo_train
        trainer:
          devices: 1
          limit_train_batches: 1
          max_epochs: 1e4
        exp_manager:
          create_checkpoint_callback: true
        model:
          train_ds:
            batch_size: 2
    """)
    )
    assert spec.flavor == "omegaconf"
    assert spec.args["limit_train_batches"].is_int()  # no jsonargparse coercion
    assert spec.args["max_epochs"].data == 10000.0  # OmegaConf's loader reads 1e4 as a float too
    value = spec.args["devices"]
    assert value.key_loc.span == Span(3, 3, 3, 10)
    assert value.value_loc.span == Span(3, 12, 3, 13)
    assert value.loc.span == Span(3, 3, 3, 13)
    assert spec.loc.span == Span(2, 1, 2, 8)  # the `trainer` key
    # NeMo's exp_manager adds callbacks and loggers of its own
    assert spec.callbacks_open == "NeMo's exp_manager adds callbacks and loggers"
    assert spec.extras["trains"] == "it configures `model.train_ds`"


def test_compvis_lightning_trainer_section(read):
    spec = only_trainer(
        read("""
        model:
          target: ldm.models.LatentDiffusion
        lightning:
          trainer:
            max_epochs: 3
    """)
    )
    assert spec.flavor == "omegaconf" and spec.key_prefix == "lightning.trainer."
    assert spec.args["max_epochs"].key_path == "lightning.trainer.max_epochs"


@pytest.mark.parametrize(
    "tag_line, shown",
    [
        ("strategy: !custom ddp", "!custom"),
    ],
)
def test_tags_a_safe_loader_refuses_are_unknown(read, tag_line, shown):
    spec = only_trainer(read(f"trainer:\n  max_epochs: 1\n  {tag_line}\nmodel: {{}}\n"))
    value = spec.args["strategy"]
    assert value.unknown
    assert value.reason == f"the YAML tag `{shown}` is not loaded by a safe loader"
    assert spec.args["max_epochs"].data == 1


def test_standard_tags_are_read(read):
    spec = only_trainer(read("trainer:\n  devices: !!str 2\n  max_epochs: !!int 3\nmodel: {}\n"))
    assert spec.args["devices"].data == "2"
    assert spec.args["max_epochs"].data == 3


# -- LightningCLI structure -----------------------------------------------------------------


def test_subcommand_nesting(read):
    extraction = read("""
        fit:
          trainer:
            max_epochs: 5
          ckpt_path: last
        test:
          trainer:
            max_epochs: 2
    """)
    assert extraction.facts["cli_sections"] == [("fit.", "fit"), ("test.", "test")]
    fit, test = extraction.trainers
    assert fit.key_prefix == "fit.trainer." and fit.args["max_epochs"].key_path == "fit.trainer.max_epochs"
    assert [(run.method, run.args["ckpt_path"].data) for run in fit.runs] == [("fit", "last")]
    assert fit.fits is True and fit.trains is True
    assert [run.method for run in test.runs] == ["test"] and test.fits is False
    assert test.runs[0].args == {}


def test_top_level_ckpt_path_is_recorded_for_the_trainer(read):
    spec = only_trainer(read("trainer:\n  max_epochs: 1\nckpt_path: best.ckpt\n"))
    assert spec.runs == []
    assert spec.extras["ckpt_path"].data == "best.ckpt"


def test_class_path_callbacks(read):
    extraction = read("""
        trainer:
          callbacks:
            - class_path: lightning.pytorch.callbacks.ModelCheckpoint
              init_args:
                monitor: val_loss
                save_top_k: 2
            - class_path: EarlyStopping
              init_args: {monitor: val_acc, mode: max}
            - LearningRateMonitor
            - class_path: my_project.callbacks.Custom
              dict_kwargs:
                every: 3
        model:
          class_path: my.Model
    """)
    spec = only_trainer(extraction)
    summary = [(cb.kind, cb.qualname, cb.key_path, {k: v.data for k, v in cb.args.items()}) for cb in spec.callbacks]
    assert summary == [
        (
            "ModelCheckpoint",
            "lightning.pytorch.callbacks.ModelCheckpoint",
            "trainer.callbacks[0].init_args",
            {"monitor": "val_loss", "save_top_k": 2},
        ),
        ("EarlyStopping", "EarlyStopping", "trainer.callbacks[1].init_args", {"monitor": "val_acc", "mode": "max"}),
        ("LearningRateMonitor", "LearningRateMonitor", "trainer.callbacks[2].init_args", {}),
        ("", "my_project.callbacks.Custom", "trainer.callbacks[3].init_args", {"every": 3}),
    ]
    checkpoint, early, monitor, _ = spec.callbacks
    assert checkpoint.loc.span == Span(3, 7, 3, 17)  # the `class_path` key
    assert checkpoint.get("save_last").key_path == "trainer.callbacks[0].init_args.save_last"
    assert early.args["monitor"].key_path == "trainer.callbacks[1].init_args.monitor"
    assert monitor.loc.span == Span(9, 7, 9, 26)  # the whole class name
    assert spec.callbacks_open is None
    assert extraction.callbacks == spec.callbacks


def test_a_single_callback_mapping_and_callbacks_that_cannot_be_read(read):
    spec = only_trainer(read("trainer:\n  callbacks:\n    class_path: ModelCheckpoint\nmodel: {}\n"))
    assert [cb.kind for cb in spec.callbacks] == ["ModelCheckpoint"]
    spec = only_trainer(
        read("trainer:\n  callbacks:\n    - {monitor: x}\n    - class_path: EarlyStopping\nmodel: {}\n")
    )
    assert [cb.kind for cb in spec.callbacks] == ["EarlyStopping"]
    assert spec.callbacks_open == "`trainer.callbacks[0]` is not a callback the linter can read"
    spec = only_trainer(read("trainer:\n  callbacks: ${oc.env:CB}\nmodel: {}\n"))
    assert spec.callbacks == [] and "environment lookup" in spec.callbacks_open


# -- Hydra ----------------------------------------------------------------------------------


def test_hydra_target_trainer_and_callbacks(read):
    extraction = read(
        """
        trainer:
          _target_: lightning.pytorch.Trainer
          _convert_: partial
          max_epochs: 3
          callbacks:
            - _target_: lightning.pytorch.callbacks.ModelCheckpoint
              monitor: val/acc
            - _target_: lightning.pytorch.callbacks.EarlyStopping
              _partial_: true
        model:
          _target_: my.Model
    """,
        "run.yaml",
    )
    spec = only_trainer(extraction)
    assert spec.flavor == "hydra"
    assert set(spec.args) == {"max_epochs", "callbacks"}  # Hydra's own `_keys_` are not arguments
    assert spec.loc.span == Span(2, 3, 2, 11)  # the `_target_` key
    checkpoint, early = spec.callbacks
    assert checkpoint.kind == "ModelCheckpoint" and checkpoint.args["monitor"].data == "val/acc"
    assert checkpoint.key_path == "trainer.callbacks[0]"
    assert early.open_reason == "`_partial_: true`: the remaining arguments are given in code"
    assert early.get("patience").unknown


def test_hydra_callbacks_plus_appends(read):
    spec = only_trainer(
        read(
            """
        trainer:
          _target_: lightning.Trainer
          callbacks+:
            - _target_: lightning.pytorch.callbacks.RichProgressBar
    """,
            "run.yaml",
        )
    )
    assert [cb.kind for cb in spec.callbacks] == ["RichProgressBar"]
    assert spec.callbacks_open == "`callbacks+` appends to callbacks given in other configs"


def test_hydra_template_callbacks_group_replaces_trainer_callbacks(read):
    spec = only_trainer(
        read(
            """
        trainer:
          _target_: lightning.pytorch.trainer.Trainer
          max_epochs: 10
        callbacks:
          model_checkpoint:
            _target_: lightning.pytorch.callbacks.ModelCheckpoint
            monitor: val/acc
          not_instantiated:
            monitor: x
        logger: null
    """,
            "train.yaml",
        )
    )
    assert [(cb.kind, cb.key_path) for cb in spec.callbacks] == [("ModelCheckpoint", "callbacks.model_checkpoint")]
    assert [path for path, _ in spec.extras["untargeted"]] == ["callbacks.not_instantiated"]
    assert spec.args["logger"].is_list() and spec.args["logger"].data == ()  # no logger instantiated


# -- inclusion, documents, evidence ---------------------------------------------------------


def test_included_file_of_bare_trainer_arguments(read):
    extraction = read("max_epochs: 3\nprecision: 16-mixed\n", "args.yaml", include=("args.yaml",))
    spec = only_trainer(extraction)
    assert spec.flavor == "omegaconf" and spec.key_prefix == "trainer."
    assert spec.args["max_epochs"].data == 3
    assert read("max_epochs: 3\nprecision: 16-mixed\n", "args.yaml").trainers == []  # not included


def test_every_document_of_a_file_is_read(read):
    extraction = read("trainer:\n  max_epochs: 1\nmodel: {}\n---\ntrainer:\n  max_epochs: 2\nmodel: {}\n")
    assert [spec.args["max_epochs"].data for spec in extraction.trainers] == [1, 2]
    assert extraction.trainers[1].args["max_epochs"].key_loc.span.start_line == 6
    assert extraction.facts["flavors"] == ["lightningcli", "lightningcli"]


def test_duplicate_keys_become_facts(read):
    extraction = read("trainer:\n  max_epochs: 1\n  max_epochs: 2\nmodel: {}\n")
    assert [d.key_path for d in extraction.facts["duplicates"]] == ["trainer.max_epochs"]
    assert only_trainer(extraction).args["max_epochs"].data == 2


@pytest.mark.parametrize(
    "name, text, evidence",
    [
        ("predict.yaml", "trainer:\n  max_epochs: 1\nmodel: {}\n", False),
        ("eval_cfg.yaml", "trainer:\n  max_epochs: 1\nmodel: {}\n", False),
        (
            "config.yaml",
            "trainer:\n  max_epochs: 1\noptimizer:\n  class_path: torch.optim.Adam\n",
            "it configures `optimizer` (read only by `fit`)",
        ),
        (
            "config.yaml",
            "trainer:\n  max_epochs: 1\nmodel:\n  init_args:\n    lr: 0.1\n",
            "it configures `model.init_args.lr`",
        ),
        ("config.yaml", "train: false\ntrainer:\n  max_epochs: 1\nexp_manager: {}\n", False),
        ("config.yaml", "trainer:\n  max_epochs: 1\nmodel: {}\n", None),
    ],
)
def test_training_evidence(read, name, text, evidence):
    spec = only_trainer(read(text, name))
    assert spec.extras.get("trains") == evidence


@pytest.mark.parametrize(
    "tag_line",
    [
        "strategy: !!python/object:my.Strategy {}",
        "strategy: !!python/name:os.system",
        "strategy: !!python/tuple [a, b]",
    ],
)
def test_python_tags_lightningcli_refuses_fail_the_file(read, tag_line):
    from lightning_lint.extract.failure import ParseFailure

    with pytest.raises(ParseFailure, match="LightningCLI"):
        read(f"trainer:\n  max_epochs: 1\n  {tag_line}\nmodel: {{}}\n")
