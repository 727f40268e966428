"""Unit tests of extract/hydra.py: the config root, the defaults list, packages, merging, and
composition, checked against Hydra's own compose API (hydra-core imports neither torch
nor Lightning)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest

from lightning_lint.extract import hydra
from lightning_lint.extract.config import extract
from lightning_lint.extract.hydra import Entry, Undecidable, defaults_of, find_config_dir, group_of, merge, package_of
from lightning_lint.extract.yaml import CONSUMER_OMEGACONF, YNode, load
from lightning_lint.linter.settings import Settings
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Extraction


def document(text: str, name: str = "c.yaml"):
    return load(SourceFile(name, textwrap.dedent(text).lstrip("\n"), "yaml"))[0]


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def plain(node: YNode) -> Any:
    if node.kind == "map":
        return {key: plain(child) for key, child in node.entries.items()}
    if node.kind == "seq":
        return [plain(child) for child in node.items]
    return node.scalar(CONSUMER_OMEGACONF)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def extract_file(root: Path, name: str) -> Extraction:
    text = (root / name).read_text(encoding="utf-8")
    return extract(SourceFile(name, text, "yaml"), Settings(root=root), Path(name))


# -- the defaults list ----------------------------------------------------------------------


def test_defaults_list_entries():
    entries = defaults_of(
        document("""
        defaults:
          - _self_
          - default
          - trainer: gpu
          - optional logger: wandb
          - override /callbacks: none
          - experiment: null
          - data: [a, b]
          - /model/net: small
    """)
    )
    assert entries == [
        Entry(None, ()),
        Entry(None, ("default",), same_group=True),
        Entry("trainer", ("gpu",)),
        Entry("logger", ("wandb",), optional=True),
        Entry("callbacks", ("none",), override=True, absolute=True),
        Entry("experiment", ()),
        Entry("data", ("a", "b")),
        Entry("model/net", ("small",), absolute=True),
    ]
    assert entries[0].is_self and not entries[1].is_self


def test_config_without_defaults():
    assert defaults_of(document("trainer:\n  max_epochs: 1\n")) is None


@pytest.mark.parametrize(
    "text, why",
    [
        ("defaults: trainer\n", "not a list"),
        ("defaults:\n  - trainer@pl: gpu\n", "package override `trainer@pl`"),
        ("defaults:\n  - trainer: ${oc.env:TRAINER}\n", "is `${oc.env:TRAINER}`"),
        ("defaults:\n  - ${oc.env:X}\n", "is interpolated"),
        ("defaults:\n  - trainer: ???\n", "is `???`"),
        ("defaults:\n  - {a: 1, b: 2}\n", "unsupported defaults entry"),
        ("defaults:\n  - trainer: {a: 1}\n", "unsupported choice"),
    ],
)
def test_defaults_that_cannot_be_decided(text, why):
    with pytest.raises(
        Undecidable, match=why.replace("$", r"\$").replace("?", r"\?").replace("{", r"\{").replace("}", r"\}")
    ):
        defaults_of(document(text))


@pytest.mark.parametrize(
    "header, group, package",
    [
        ("", "trainer", "trainer"),
        ("", "model/net", "model.net"),
        ("# @package _global_", "experiment", ""),
        ("# @package _group_", "trainer", "trainer"),
        ("# @package _group_.inner", "model/net", "model.net.inner"),
        ("# @package trainer.strategy", "strategy", "trainer.strategy"),
        ("# a comment\n# @package _global_", "experiment", ""),
    ],
)
def test_package_of(header, group, package):
    assert package_of(document(f"{header}\nx: 1\n"), group) == package


def test_place_in_package_nests_the_content():
    root = document("max_epochs: 1\n").root
    placed = hydra.place_in_package(root, "trainer", "")
    assert plain(placed) == {"trainer": {"max_epochs": 1}}
    assert plain(hydra.place_in_package(root, "trainer", "# @package _global_")) == {"max_epochs": 1}


def test_merge_maps_merge_everything_else_replaces():
    base = document("trainer:\n  max_epochs: 1\n  devices: [0, 1]\n  plugins: {a: 1}\n").root
    over = document("trainer:\n  devices: [2]\n  plugins: null\n  precision: 16\n").root
    merged = merge(base, over)
    assert plain(merged) == {"trainer": {"max_epochs": 1, "devices": [2], "plugins": None, "precision": 16}}
    # every value still points into the file that set it
    trainer = merged.get("trainer")
    assert trainer.get("max_epochs").span.start_line == 2 and trainer.get("devices").span.start_line == 2
    assert plain(base) == {"trainer": {"max_epochs": 1, "devices": [0, 1], "plugins": {"a": 1}}}  # unchanged


def test_resolve_interpolations():
    root = document("""
        epochs: 5
        alias: ${epochs}
        trainer:
          max_epochs: ${alias}
          min_epochs: ${trainer.max_epochs}
          default_root_dir: runs/${epochs}
          devices: ${oc.env:DEVICES}
          accelerator: "${epochs}"
          max_steps: ${missing}
    """).root
    trainer = hydra.resolve_interpolations(root).get("trainer")
    assert trainer.get("max_epochs").raw == "5" and trainer.get("max_epochs").span.start_line == 4
    assert trainer.get("min_epochs").raw == "5"
    # only a whole `${a.b}` reference to a plain value is resolved
    assert trainer.get("default_root_dir").raw == "runs/${epochs}"
    assert trainer.get("devices").raw == "${oc.env:DEVICES}"
    assert trainer.get("accelerator").raw == "${epochs}"  # quoted: left as written
    assert trainer.get("max_steps").raw == "${missing}"


def test_interpolation_cycles_are_left_alone():
    root = document("a: ${b}\nb: ${a}\n").root
    resolved = hydra.resolve_interpolations(root)
    assert {resolved.get("a").raw, resolved.get("b").raw} <= {"${a}", "${b}"}


# -- the config root ------------------------------------------------------------------------


def test_find_config_dir_and_group(project):
    write(
        project,
        {
            "configs/train.yaml": "defaults:\n  - trainer: default\n  - model: small\n  - _self_\n",
            "configs/eval.yaml": "defaults:\n  - trainer: default\n  - _self_\n",
            "configs/trainer/default.yaml": "max_epochs: 1\n",
            "configs/model/net/small.yaml": "width: 1\n",
            "configs/model/small.yaml": "width: 2\n",
            "other/trainer/default.yaml": "max_epochs: 1\n",
        },
    )
    found = find_config_dir(project / "configs/trainer/default.yaml")
    assert found.root == project / "configs" and found.group == "trainer"
    assert [p.name for p in found.primaries] == ["train.yaml", "eval.yaml"]  # train first
    primary = find_config_dir(project / "configs/train.yaml")
    assert primary.group == "" and primary.primaries == (project / "configs/train.yaml",)
    assert find_config_dir(project / "configs/model/net/small.yaml").group == "model/net"
    assert group_of(project / "configs/trainer/default.yaml") == "trainer"
    # no primary config: a folder named like a Lightning group still tells the group
    assert find_config_dir(project / "other/trainer/default.yaml") is None
    assert group_of(project / "other/trainer/default.yaml") == "trainer"
    write(project, {"misc/data/x.yaml": "a: 1\n"})
    assert group_of(project / "misc/data/x.yaml") is None


def test_the_config_root_is_remembered_for_one_file_only(project, monkeypatch):
    """While one file is extracted its config root is worked out once, and every file read
    for it is still recorded in its dependencies; afterwards a change on disk is seen (a
    server lints the same files again and again)."""
    from lightning_lint.model import dependencies

    write(project, {"configs/trainer/default.yaml": "max_epochs: 1\n", "configs/eval.yaml": "a: 1\n"})
    option = project / "configs/trainer/default.yaml"
    computed = []
    real = hydra._find_config_dir
    monkeypatch.setattr(hydra, "_find_config_dir", lambda path: computed.append(path) or real(path))
    dependencies.start()
    with hydra.remembering():
        assert find_config_dir(option) is None and find_config_dir(option) is None
        assert group_of(option) == "trainer"
    deps = dependencies.stop()
    assert len(computed) == 1
    assert (dependencies.FILE, str(project / "configs/eval.yaml")) in deps  # read, and recorded
    write(project, {"configs/train.yaml": "defaults:\n  - trainer: default\n  - _self_\n"})
    assert find_config_dir(option).primaries == (project / "configs/train.yaml",)  # seen: not remembered
    assert len(computed) == 2


# -- composition, against Hydra -------------------------------------------------------------

CONFIGS = {
    "configs/train.yaml": """
        defaults:
          - _self_
          - trainer: default
          - callbacks: default
          - optional logger: none
          - experiment: null
        seed: 1
        trainer:
          max_epochs: 99
    """,
    "configs/self_last.yaml": """
        defaults:
          - trainer: default
          - _self_
        trainer:
          max_epochs: 99
    """,
    "configs/trainer/default.yaml": """
        _target_: lightning.pytorch.trainer.Trainer
        max_epochs: 10
        accelerator: cpu
        devices: 1
        plugins: [a]
    """,
    "configs/trainer/gpu.yaml": """
        defaults:
          - default
        accelerator: gpu
        devices: 2
    """,
    "configs/trainer/ddp.yaml": """
        defaults:
          - gpu
        strategy: ddp
        plugins: [b]
    """,
    "configs/trainer/flat.yaml": """
        # @package _global_
        trainer:
          _target_: lightning.pytorch.Trainer
          max_epochs: 7
    """,
    "configs/callbacks/default.yaml": """
        defaults:
          - model_checkpoint
          - early_stopping
          - _self_
        model_checkpoint:
          monitor: val/acc
    """,
    "configs/callbacks/model_checkpoint.yaml": """
        model_checkpoint:
          _target_: lightning.pytorch.callbacks.ModelCheckpoint
          monitor: val/loss
          save_top_k: 1
    """,
    "configs/callbacks/early_stopping.yaml": """
        early_stopping:
          _target_: lightning.pytorch.callbacks.EarlyStopping
          monitor: val/loss
    """,
    "configs/experiment/exp1.yaml": """
        # @package _global_
        defaults:
          - override /trainer: ddp
        trainer:
          max_epochs: 5
        callbacks:
          early_stopping:
            patience: 3
    """,
}


def hydra_compose(config_dir: Path, name: str, overrides):
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        cfg = compose(config_name=name, overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=False)


@pytest.mark.parametrize(
    "linted, primary, overrides",
    [
        ("configs/train.yaml", "train", []),
        ("configs/self_last.yaml", "self_last", []),
        ("configs/trainer/default.yaml", "train", ["trainer=default"]),
        ("configs/trainer/gpu.yaml", "train", ["trainer=gpu"]),
        ("configs/trainer/ddp.yaml", "train", ["trainer=ddp"]),
        ("configs/trainer/flat.yaml", "train", ["trainer=flat"]),
        ("configs/callbacks/default.yaml", "train", []),
        ("configs/experiment/exp1.yaml", "train", ["experiment=exp1"]),
    ],
)
def test_composition_matches_hydra(project, linted, primary, overrides):
    write(project, CONFIGS)
    path = Path(linted)
    extraction = Extraction(linted, "yaml")
    composed = hydra.compose_for(path, load(SourceFile(linted, path.read_text(), "yaml"))[0], extraction)
    assert composed is not None, extraction.facts
    root, flavor = composed
    assert flavor == "hydra"
    expected = hydra_compose(project / "configs", primary, overrides)
    ours = plain(root)
    for section in ("trainer", "callbacks"):
        assert ours.get(section) == expected.get(section), section
    # a missing optional option is noted, and composition goes on
    assert extraction.facts["hydra"]["missing"] == ([] if primary == "self_last" else ["logger/none"])


def test_composed_values_remember_their_files(project):
    write(project, CONFIGS)
    extraction = extract_file(project, "configs/experiment/exp1.yaml")
    (spec,) = extraction.trainers
    where = {name: (value.data, value.value_loc.path) for name, value in spec.args.items()}
    assert where == {
        "max_epochs": (5, "configs/experiment/exp1.yaml"),
        "accelerator": ("gpu", "configs/trainer/gpu.yaml"),
        "devices": (2, "configs/trainer/gpu.yaml"),
        "strategy": ("ddp", "configs/trainer/ddp.yaml"),
        "plugins": (spec.args["plugins"].data, "configs/trainer/ddp.yaml"),
    }
    assert [(cb.kind, cb.loc.path) for cb in spec.callbacks] == [
        ("ModelCheckpoint", "configs/callbacks/model_checkpoint.yaml"),
        ("EarlyStopping", "configs/callbacks/early_stopping.yaml"),
    ]
    assert spec.callbacks[0].args["monitor"].data == "val/acc"  # callbacks/default.yaml's own value, after
    assert spec.callbacks[1].args["patience"].value_loc.path == "configs/experiment/exp1.yaml"
    assert extraction.facts["composed"] is True
    assert extraction.facts["hydra"]["primary"] == "train.yaml" and extraction.facts["hydra"]["group"] == "experiment"


def test_group_option_without_a_config_root_inherits_from_its_siblings(project):
    write(
        project,
        {
            "trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 1\naccelerator: cpu\n",
            "trainer/gpu.yaml": "defaults:\n  - default\naccelerator: gpu\n",
        },
    )
    (spec,) = extract_file(project, "trainer/gpu.yaml").trainers
    assert {k: v.data for k, v in spec.args.items()} == {"max_epochs": 1, "accelerator": "gpu"}
    assert spec.key_prefix == "trainer."


# -- what cannot be composed ----------------------------------------------------------------


def test_missing_optional_and_missing_other_groups_do_not_stop_composition(project):
    write(
        project,
        {
            "configs/train.yaml": """
            defaults:
              - trainer: default
              - optional db: none
              - model: nope
              - _self_
        """,
            "configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
            "configs/model/other.yaml": "x: 1\n",
        },
    )
    extraction = extract_file(project, "configs/train.yaml")
    assert extraction.facts["hydra"]["missing"] == ["db/none", "model/nope"]
    assert [spec.args["max_epochs"].data for spec in extraction.trainers] == [1]


def test_missing_trainer_option_falls_back_to_the_file_alone(project):
    write(
        project,
        {
            "configs/train.yaml": "defaults:\n  - trainer: nope\n  - _self_\n",
            "configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
        },
    )
    extraction = extract_file(project, "configs/train.yaml")
    assert extraction.facts["hydra_undecidable"] == "`trainer/nope` cannot be loaded"
    assert "composed" not in extraction.facts


@pytest.mark.parametrize(
    "files, linted, why",
    [
        (
            {
                "configs/train.yaml": "defaults:\n  - trainer: a\n  - _self_\n",
                "configs/trainer/a.yaml": "defaults:\n  - b\n_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
                "configs/trainer/b.yaml": "defaults:\n  - a\nmax_epochs: 2\n",
            },
            "configs/trainer/a.yaml",
            "defaults nest too deeply",
        ),
        (
            {
                "configs/train.yaml": "defaults:\n  - trainer: a\n  - extra: x\n  - _self_\n",
                "configs/trainer/a.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
                "configs/extra/x.yaml": "# @package _global_\ndefaults:\n  - override /extra: y\n",
                "configs/extra/y.yaml": "# @package _global_\ndefaults:\n  - override /extra: x\n",
            },
            "configs/train.yaml",
            "the defaults overrides do not settle",
        ),
    ],
)
def test_cycles_are_bounded(project, files, linted, why):
    write(project, files)
    extraction = extract_file(project, linted)
    assert extraction.facts["hydra_undecidable"] == why


@pytest.mark.parametrize(
    "files, linted",
    [
        # the defaults' base option is missing (or the file is linted alone)
        (
            {"trainer/gpu.yaml": "defaults:\n  - base\n_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n"},
            "trainer/gpu.yaml",
        ),
        # a cycle makes composition undecidable
        (
            {
                "configs/train.yaml": "defaults:\n  - trainer: a\n  - _self_\n",
                "configs/trainer/a.yaml": "defaults:\n  - b\n_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
                "configs/trainer/b.yaml": "defaults:\n  - a\nmax_epochs: 2\n",
            },
            "configs/trainer/a.yaml",
        ),
        # a trainer at the root of a primary config whose defaults cannot be decided
        (
            {
                "configs/train.yaml": "defaults:\n  - trainer@pl: x\n_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n"
            },
            "configs/train.yaml",
        ),
    ],
)
def test_uncomposed_file_never_passes_its_defaults_list_to_the_trainer(project, files, linted):
    write(project, files)
    extraction = extract_file(project, linted)
    (spec,) = extraction.trainers
    assert spec.flavor == "hydra"
    assert "defaults" not in spec.args
    assert spec.args["max_epochs"].data == 1


def test_uncomposed_file_gives_no_unknown_argument_finding(project):
    from lightning_lint.linter.engine import Linter
    from lightning_lint.linter.settings import SettingsResolver

    write(
        project,
        {
            "trainer/gpu.yaml": "defaults:\n  - base\n_target_: lightning.pytorch.Trainer\nmax_epochs: 1\n",
            "pyproject.toml": "[project]\nname = 'x'\n",
        },
    )
    result = Linter(SettingsResolver(project)).lint_path(project / "trainer/gpu.yaml", "trainer/gpu.yaml")
    assert result.parsed
    assert [d.code for d in result.diagnostics] == []
    write(project, {"trainer/gpu.yaml": "defaults:\n  - base\n_target_: lightning.pytorch.Trainer\nmax_epoch: 1\n"})
    result = Linter(SettingsResolver(project)).lint_path(project / "trainer/gpu.yaml", "trainer/gpu.yaml")
    assert [d.code for d in result.diagnostics] == ["LL301"]  # a real unknown argument is still found
