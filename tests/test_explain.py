"""`lightning-lint explain`: the schedule as a person reads it."""

import json
import subprocess
import sys

import pytest

from conftest import REPO, write_files


def explain(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "lightning_lint", "explain", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_explains_where_training_stops(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='x'\n",
            "train.py": "from lightning import Trainer\nt = Trainer(max_epochs=2, max_steps=1000, "
            "limit_train_batches=100, accumulate_grad_batches=4)\nt.fit(model)\n",
        },
    )
    result = explain("train.py:2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "steps/epoch     25" in result.stdout
    assert "at step 50" in result.stdout and "max_steps=1000 is not reached" in result.stdout
    assert "LL002" in result.stdout
    data = json.loads(explain("--output-format", "json", "train.py", cwd=tmp_path).stdout)
    assert data[0]["steps_per_epoch"] == 25 and data[0]["findings"][0]["code"] == "LL002"


@pytest.mark.parametrize("target", ["", "train.py\nother.py", "missing.py:3"])
def test_a_target_that_is_not_a_file_is_a_usage_error(tmp_path, target):
    write_files(tmp_path, {"train.py": "from lightning import Trainer\nTrainer(max_epochs=1)\n"})
    result = explain(target, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("lightning-lint: error: `") and result.stderr.endswith("` is not a file\n")


def test_explains_the_bundled_example():
    result = explain("examples/train.py", cwd=REPO)
    assert result.returncode == 0
    assert "batches/epoch   unknown: depends on the dataset" in result.stdout
    assert "every 500 optimizer steps" in result.stdout and "LL101" in result.stdout


def test_explains_the_bundled_examples_lr_schedules():
    """The example's two schedule mistakes, with their numbers: the LightningCLI cosine
    (LL702) and the module's OneCycleLR stepped per epoch (LL703)."""
    cli = explain("examples/configs/fit.yaml", cwd=REPO).stdout
    assert (
        "lr scheduler    CosineAnnealingLR over 10,000 epochs, stepped per epoch; the run steps it 20 times: "
        "only 0.2% of the schedule runs (examples/configs/fit.yaml:16)" in cli
    )
    script = explain("examples/train.py", cwd=REPO).stdout
    assert (
        "lr scheduler    OneCycleLR stepped per epoch: its horizon `self.trainer.estimated_stepping_batches`" in script
    )


def test_with_facts_and_yaml(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.lightning-lint.facts."fit.yaml"]\ntrain-batches-per-epoch = 26706\n',
            "fit.yaml": "fit:\n  trainer:\n    max_epochs: 1\n    max_steps: 1000000\n    check_val_every_n_epoch: 1\n",
        },
    )
    out = explain("fit.yaml", cwd=tmp_path).stdout
    assert "at step 26706: max_epochs=1 ends training" in out
    assert "1 validation run in the fit" in out


def test_missing_file_is_a_usage_error(tmp_path):
    result = explain("nope.py", cwd=tmp_path)
    assert result.returncode == 2 and "nope.py" in result.stderr


def test_shows_each_trainers_role_and_the_arguments_that_depend_on_a_branch(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='x'\n",
            "train.py": (
                "from lightning import Trainer\n"
                "def main(args):\n"
                "    trainer = Trainer(max_epochs=3, strategy='ddp' if args.gpus > 1 else 'dp')\n"
                "    trainer.fit(model)\n"
                "    trainer = Trainer(devices=1)\n"
                "    trainer.test(model)\n"
            ),
        },
    )
    data = json.loads(explain("--output-format", "json", "train.py", cwd=tmp_path).stdout)
    assert data[0]["role"] == "training: `fit` at line 4"
    assert data[0]["depends_on"] == {"strategy": "'ddp' when args.gpus > 1; 'dp' when args.gpus <= 1"}
    assert [f["message"].split(":")[0] for f in data[0]["findings"]] == ["when args.gpus <= 1"]
    assert data[1]["role"] == "not training: `test`"
    assert any("training-only rules do not judge it" in note for note in data[1]["notes"])
    text = explain("train.py:5", cwd=tmp_path).stdout
    assert "role            not training: `test`" in text
