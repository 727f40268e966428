"""Configs recognised by shape (issue 17): Trainer arguments without ``_target_`` in a
Hydra ``trainer/`` group or a structured config's ``trainer:`` section, and the
``target``/``params`` convention of latent-diffusion's ``main.py`` and its YAML configs.
Fixtures are small projects of the same shape as the public ones."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import write_files

pytestmark = pytest.mark.usefixtures("in_tmp")


def codes(diagnostics):
    return sorted((d.code, d.line) for d in diagnostics)


# -- Hydra option files and structured configs, by shape ---------------------------------------

_TEMPLATE = {
    "requirements.txt": "lightning>=2.1\n",
    "configs/train.yaml": """
        defaults:
          - trainer: default
          - _self_
        seed: 1
    """,
    "configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 10\n",
}


def test_a_trainer_option_without_target_is_checked_as_trainer_arguments(lint):
    # a trainer/ option file of an old project: no `_target_`, no defaults list
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "configs/trainer/ddp.yaml": "gpus: 2\nmax_epochs: 30\nweights_summary: full\ncheckpoint_callback: true\n",
    }
    found = lint(files, "configs/trainer/ddp.yaml", select=["LL302"])
    assert codes(found) == [("LL302", 1), ("LL302", 3), ("LL302", 4)]
    assert found[0].key_path == "trainer.gpus"


def test_removed_arguments_follow_the_projects_pin(lint):
    files = {
        "requirements.txt": "pytorch-lightning==1.6.5\n",
        "configs/trainer/ddp.yaml": "gpus: 2\nmax_epochs: 30\nweights_summary: full\n",
    }
    # gpus and weights_summary are still accepted by 1.6 (weights_summary deprecated, removed in 1.7)
    assert lint(files, "configs/trainer/ddp.yaml", select=["LL302"]) == []


def test_an_untargeted_option_among_targeted_siblings_is_not_instantiated(lint):
    files = dict(_TEMPLATE)
    files["configs/trainer/lm.yaml"] = "gpus: 8\nmax_epochs: 50\nweights_summary: top\n"
    found = lint(files, "configs/trainer/lm.yaml", select=["LL302", "LL311"])
    assert ("LL311", 1) in codes(found) and ("LL302", 3) in codes(found)
    # the targeted sibling is not affected
    assert lint(files, "configs/trainer/default.yaml", select=["LL311"]) == []


def test_a_structured_config_trainer_section_is_checked(lint):
    # the primary config of a Hydra app that builds the Trainer in library code
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "conf/config.yaml": """
            defaults:
              - model: small
              - _self_
            trainer:
              max_epochs: 5
              accelerator: gpu
              devices: 1
              replace_sampler_ddp: false
        """,
        "conf/model/small.yaml": "hidden: 16\n",
    }
    found = lint(files, "conf/config.yaml", select=["LL302"])
    assert [(d.code, d.key_path) for d in found] == [("LL302", "trainer.replace_sampler_ddp")]


@pytest.mark.parametrize(
    "trainer",
    [
        # HuggingFace TrainingArguments: one Lightning name in three
        "  per_device_train_batch_size: 8\n  num_train_epochs: 3\n  max_steps: 10\n",
        # a project's own trainer settings sharing a name or two with Lightning's
        "  epochs: 10\n  lr: 0.001\n  batch_size: 32\n  max_epochs: 10\n",
        # half of the keys is not most of them
        "  gpus: 2\n  output_dir: out\n",
        # an interpolation, not a mapping
        "  ${oc.select:base.trainer}\n",
    ],
)
def test_trainer_like_sections_that_are_not_trainer_arguments_stay_silent(lint, trainer):
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "conf/config.yaml": "defaults:\n  - _self_\ntrainer:\n" + trainer,
        "conf/trainer/ddp.yaml": trainer.replace("\n  ", "\n").lstrip(" ") if "${" not in trainer else "x: 1\n",
    }
    assert lint(files, "conf/config.yaml") == []
    assert lint(files, "conf/trainer/ddp.yaml") == []


def test_interpolated_values_of_a_recognised_section_are_unknown(lint):
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "configs/trainer/ddp.yaml": "max_epochs: ${oc.env:EPOCHS}\nmax_steps: null\ngpus: ${n_gpus}\n",
    }
    found = lint(files, "configs/trainer/ddp.yaml")
    # `gpus` is removed whatever its value; `max_steps: null` raises in 2.x; nothing about max_epochs
    assert codes(found) == [("LL006", 2), ("LL302", 3)]


# -- the target/params convention ----------------------------------------------------------------

_MAIN = """
import os
from omegaconf import OmegaConf
from pytorch_lightning import Trainer
from torch.utils.data import DataLoader
import pytorch_lightning as pl


def instantiate_from_config(config):
    ...


class DataModuleFromConfig(pl.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(self.datasets["train"], batch_size=self.batch_size, shuffle=True)


if __name__ == "__main__":
    config = OmegaConf.load(opt.base)
    lightning_config = config.pop("lightning", OmegaConf.create())
    trainer_config = lightning_config.get("trainer", OmegaConf.create())
    model = instantiate_from_config(config.model)
    default_modelckpt_cfg = {
        "target": "pytorch_lightning.callbacks.ModelCheckpoint",
        "params": {"dirpath": ckptdir, "filename": "{epoch:06}", "verbose": True, "save_last": True},
    }
    if hasattr(model, "monitor"):
        default_modelckpt_cfg["params"]["monitor"] = model.monitor
        default_modelckpt_cfg["params"]["save_top_k"] = 3
    modelckpt_cfg = lightning_config.get("modelcheckpoint", OmegaConf.create())
    modelckpt_cfg = OmegaConf.merge(default_modelckpt_cfg, modelckpt_cfg)
    default_callbacks_cfg = {
        "setup_callback": {"target": "main.SetupCallback", "params": {"resume": opt.resume}},
        "learning_rate_logger": {
            "target": "pytorch_lightning.callbacks.LearningRateMonitor",
            "params": {"logging_interval": "step"},
        },
    }
    default_callbacks_cfg.update({"checkpoint_callback": modelckpt_cfg})
    callbacks_cfg = lightning_config.get("callbacks", OmegaConf.create())
    if "metrics_over_trainsteps_checkpoint" in callbacks_cfg:
        default_callbacks_cfg.update(
            {
                "metrics_over_trainsteps_checkpoint": {
                    "target": "pytorch_lightning.callbacks.ModelCheckpoint",
                    "params": {"dirpath": os.path.join(ckptdir, "steps"), "save_top_k": -1,
                               "every_n_train_steps": 10000, "save_weights_only": True},
                }
            }
        )
    callbacks_cfg = OmegaConf.merge(default_callbacks_cfg, callbacks_cfg)
    trainer_kwargs = {"callbacks": [instantiate_from_config(callbacks_cfg[k]) for k in callbacks_cfg]}
    trainer = Trainer(**trainer_config, **trainer_kwargs)
    data = instantiate_from_config(config.data)
    trainer.fit(model, data)
"""

_LDM_CONFIG = """
model:
  target: ldm.models.LatentDiffusion
  params:
    monitor: val/loss
data:
  target: main.DataModuleFromConfig
  params:
    batch_size: 4
    train:
      target: ldm.data.Train
lightning:
  modelcheckpoint:
    params:
      every_n_train_steps: 5000
  callbacks:
    image_logger:
      target: main.ImageLogger
      params:
        batch_frequency: 500
  trainer:
    benchmark: true
    max_epochs: 10
"""


def _ldm(config=_LDM_CONFIG, main=_MAIN):
    return {"requirements.txt": "pytorch-lightning==2.0.1\n", "main.py": main, "configs/ldm/run.yaml": config}


def test_a_step_checkpoint_of_the_lightning_section_is_reported_at_its_yaml_key(lint):
    found = lint(_ldm(), "configs/ldm/run.yaml", select=["LL101"])
    assert [(d.code, d.line, d.key_path) for d in found] == [
        ("LL101", 14, "lightning.modelcheckpoint.params.every_n_train_steps")
    ]
    assert "DataModuleFromConfig.train_dataloader()" in found[0].message


def test_the_entry_points_step_checkpoint_selected_by_name_is_merged(lint):
    config = _LDM_CONFIG.replace(
        "  callbacks:\n",
        "  callbacks:\n    metrics_over_trainsteps_checkpoint:\n      params:\n        save_weights_only: false\n",
    ).replace("  modelcheckpoint:\n    params:\n      every_n_train_steps: 5000\n", "")
    found = lint(_ldm(config), "configs/ldm/run.yaml", select=["LL101"])
    # main.py's every_n_train_steps=10000 applies; reported at the YAML key that selects it
    assert [(d.line, d.key_path) for d in found] == [
        (13, "lightning.callbacks.metrics_over_trainsteps_checkpoint.params.every_n_train_steps")
    ]
    assert "every_n_train_steps=10000" in found[0].message


def test_weights_only_and_epoch_checkpoints_are_not_mid_epoch_resume_problems(lint):
    config = _LDM_CONFIG.replace(
        "  callbacks:\n",
        "  callbacks:\n    metrics_over_trainsteps_checkpoint:\n      params:\n        every_n_train_steps: 2000\n",
    ).replace("every_n_train_steps: 5000", "every_n_epochs: 1")
    assert lint(_ldm(config), "configs/ldm/run.yaml", select=["LL101"]) == []


def test_a_stateful_loader_in_the_data_module_is_resumable(lint):
    main = _MAIN.replace(
        "from torch.utils.data import DataLoader",
        "from torchdata.stateful_dataloader import StatefulDataLoader as DataLoader",
    )
    assert lint(_ldm(main=main), "configs/ldm/run.yaml", select=["LL101"]) == []


def test_without_the_entry_point_the_callbacks_are_open(lint):
    files = _ldm()
    del files["main.py"]
    files["ldm/data.py"] = "from torch.utils.data import DataLoader\nDataLoader(ds, shuffle=True)\n"
    # the modelcheckpoint's class is main.py's: not guessed
    assert lint(files, "configs/ldm/run.yaml", select=["LL101", "LL104"]) == []


def test_explain_shows_the_real_checkpoint_triggers_and_the_loader(tmp_path):
    write_files(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", **_ldm()})
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "explain", "configs/ldm/run.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "the default ModelCheckpoint" not in out
    assert "every 5000 optimizer steps" in out
    assert "DataModuleFromConfig" in out and "plain DataLoader, not resumable" in out
    assert "LL101" in out


def test_entry_point_values_computed_at_run_time_are_unknown(in_tmp):
    from pathlib import Path

    from lightning_lint.extract.target_params import find_entry_point

    write_files(in_tmp, _ldm())
    entry = find_entry_point(Path("configs/ldm/run.yaml"))
    assert entry is not None and entry.checkpoint is not None
    target, params = entry.checkpoint
    assert target.endswith("ModelCheckpoint") and params["save_last"] is True
    assert type(params["dirpath"]).__name__ == "_Runtime"
    assert sorted(entry.checkpoint_runtime) == ["monitor", "save_top_k"]
    # the unconditional defaults are the dict merged with the YAML; the step checkpoint only by name
    assert sorted(entry.always) == ["learning_rate_logger", "setup_callback"]
    assert "metrics_over_trainsteps_checkpoint" in entry.by_name


# -- sections the project's Python passes to Trainer(**...) ---------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        '@hydra.main(config_path="conf", config_name="config")\ndef main(cfg):\n'
        "    trainer = pl.Trainer(**cfg.pl_trainer)\n",
        'cfg = OmegaConf.load("conf/config.yaml")\ntrainer = pl.Trainer(**cfg["pl_trainer"])\n',
        'def run():\n    config = yaml.safe_load(open("conf/config.yaml"))\n'
        '    return Trainer(**config.get("pl_trainer"), logger=False)\n',
    ],
)
def test_a_section_passed_to_the_trainer_is_checked_whatever_its_keys(lint, script):
    files = {
        "requirements.txt": "lightning>=2.1\n",
        # two keys in three are not Lightning's: not recognised by shape
        "conf/config.yaml": "pl_trainer:\n  gpus: 1\n  my_option: 3\n  other: x\nmodel:\n  hidden: 4\n",
        "train.py": "import hydra, yaml\nimport pytorch_lightning as pl\nfrom pytorch_lightning import Trainer\n"
        "from omegaconf import OmegaConf\n" + script,
    }
    found = lint(files, "conf/config.yaml", select=["LL301", "LL302"])
    assert [(d.code, d.key_path) for d in found] == [
        ("LL302", "pl_trainer.gpus"),
        ("LL301", "pl_trainer.my_option"),
        ("LL301", "pl_trainer.other"),
    ]


def test_a_section_of_another_file_or_not_passed_is_not_checked(lint):
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "conf/config.yaml": "pl_trainer:\n  gpus: 1\n  my_option: 3\n  other: x\n",
        "conf/other.yaml": "pl_trainer:\n  gpus: 1\n  my_option: 3\n  other: x\n",
        "train.py": "from pytorch_lightning import Trainer\nfrom omegaconf import OmegaConf\n"
        'cfg = OmegaConf.load("conf/config.yaml")\nTrainer(**cfg.model)\nTrainer(max_epochs=1, **cfg.pl_trainer)\n'
        'other = OmegaConf.load("conf/other.yaml")\nprint(other.pl_trainer)\n',
    }
    assert lint(files, "conf/other.yaml") == []
    assert [d.key_path for d in lint(files, "conf/config.yaml", select=["LL302"])] == ["pl_trainer.gpus"]


def test_the_cache_relints_the_yaml_when_the_script_that_splats_it_changes(in_tmp):
    from test_cache import check, edit, relinted

    write_files(
        in_tmp,
        {
            "pyproject.toml": "[project]\nname='x'\n",
            "requirements.txt": "lightning>=2.1\n",
            "conf/config.yaml": "pl_trainer:\n  gpus: 1\n  my_option: 3\n  other: x\n",
            "train.py": "from pytorch_lightning import Trainer\nfrom omegaconf import OmegaConf\n"
            'cfg = OmegaConf.load("conf/config.yaml")\nTrainer(**cfg.model)\n',
            "utils.py": "def add(a, b):\n    return a + b\n",
        },
    )
    run, _ = check(in_tmp)
    assert not [d for d in run.diagnostics if d.path.endswith("config.yaml")]
    edit(in_tmp, "utils.py", "def add(a, b):\n    return b + a\n")
    run, _ = check(in_tmp)
    assert relinted(run) == {"utils.py"}  # a script without `Trainer(**` does not matter
    edit(in_tmp, "train.py", (in_tmp / "train.py").read_text().replace("cfg.model", "cfg.pl_trainer"))
    run, _ = check(in_tmp)
    assert "conf/config.yaml" in relinted(run)
    assert any(d.code == "LL302" and d.path.endswith("config.yaml") for d in run.diagnostics)


def test_a_target_params_dict_built_in_python_is_the_callback_it_names(lint):
    script = (
        "import pytorch_lightning as pl\nfrom torch.utils.data import DataLoader\nfrom ldm.util import instantiate_from_config\n"
        'ckpt = instantiate_from_config({"target": "pytorch_lightning.callbacks.ModelCheckpoint", '
        '"params": {"every_n_train_steps": 500, "save_last": True}})\n'
        "trainer = pl.Trainer(max_epochs=3, callbacks=[ckpt])\n"
        "trainer.fit(model, DataLoader(ds, shuffle=True))\n"
    )
    found = lint({"requirements.txt": "lightning>=2.1\n", "train.py": script}, "train.py", select=["LL101"])
    assert [(d.code, d.line) for d in found] == [("LL101", 4)]
    # params only known at run time: nothing is claimed
    unknown = script.replace('{"every_n_train_steps": 500, "save_last": True}', "opt.params")
    assert lint({"requirements.txt": "lightning>=2.1\n", "train.py": unknown}, "train.py", select=["LL101"]) == []


def test_a_key_reported_from_the_script_and_from_the_yaml_is_one_finding(in_tmp):
    from test_cache import check

    write_files(
        in_tmp,
        {
            "pyproject.toml": "[project]\nname='x'\n",
            "requirements.txt": "lightning>=2.1\n",
            "conf/config.yaml": "trainer:\n  gpus: 1\n  max_epochs: 3\n",
            "train.py": "from pytorch_lightning import Trainer\nfrom omegaconf import OmegaConf\n"
            'cfg = OmegaConf.load("conf/config.yaml")\ntrainer = Trainer(**cfg.trainer)\ntrainer.fit(model)\n',
        },
    )
    run, _ = check(in_tmp, no_cache=True)
    found = [(d.code, d.path, d.line) for d in run.diagnostics if d.code == "LL302"]
    assert found == [("LL302", "conf/config.yaml", 2)]


def test_sibling_options_are_parsed_only_when_they_may_have_a_top_level_target(tmp_path, monkeypatch):
    from pathlib import Path

    from lightning_lint.extract import hydra

    options = {
        "this.yaml": "gpus: 2\n",
        "targeted.yaml": "# the default\n_target_: lightning.pytorch.Trainer\nmax_epochs: 3\n",
        "quoted.yaml": '---\n"_target_": pytorch_lightning.Trainer\n',
        "indented.yaml": "  _target_: my.Trainer\n  devices: 1\n",
        "flow.yaml": "{_target_: flow.Trainer, devices: 1}\n",
        "merged.yaml": "base: &b\n  _target_: merged.Trainer\n<<: *b\n",
        "nested.yaml": "model:\n  _target_: my.Model\n  net:\n    _target_: my.Net\n" + "x: 1\n" * 2000,
        "plain.yaml": "max_epochs: 3\n",
    }
    for name, text in options.items():
        (tmp_path / name).write_text(text)
    hydra._CACHE.clear()
    parsed = []
    real = hydra._document

    def document(path):
        parsed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(hydra, "_document", document)
    found = hydra.sibling_targets(tmp_path / "this.yaml")
    assert "nested.yaml" not in parsed and "plain.yaml" not in parsed  # no top-level target: not parsed
    monkeypatch.setattr(hydra, "_mentions_target", lambda path: True)
    assert sorted(found) == sorted(hydra.sibling_targets(tmp_path / "this.yaml"))  # as when all are parsed
    assert {"lightning.pytorch.Trainer", "pytorch_lightning.Trainer", "my.Trainer", "flow.Trainer"} <= set(found)
