"""`lightning-lint confirm`: runs the entry point under the probe with the real Lightning
on the CPU. Each run starts a Python that imports Lightning (a few seconds), so the
tests share what they can; the pure helpers are tested without Lightning at the end."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import REPO, lint_files, write_files
from lightning_lint.commands.cli import main as cli_main
from lightning_lint.linter.engine import Linter
from lightning_lint.linter.settings import Overrides, SettingsResolver

DEMO = REPO / "examples" / "confirm_demo"

MODEL = """
import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(64, 4)), batch_size=4)
"""


def confirm(monkeypatch, capsys, cwd: Path, *argv: str) -> Tuple[int, str, str]:
    """Run `lightning-lint confirm ARGV` in ``cwd``; (exit code, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("LIGHTNING_LINT_OUTPUT_FORMAT", raising=False)
    capsys.readouterr()
    code = cli_main(["confirm", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> Dict[str, str]:
    """Every file and folder under ``root`` with a hash of its content."""
    listing = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        listing[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return listing


def by_code(found: List[dict], code: str) -> List[dict]:
    return [d for d in found if d["code"] == code]


# -- the bundled example: "max_steps is never reached" ---------------------------------------------


def test_demo_static_check_cannot_decide():
    """Without the data size the static check only says which limit needs what (LL003)."""
    linter = Linter(SettingsResolver(DEMO, Overrides()))
    diagnostics = linter.lint_path(DEMO / "train.py", "train.py").diagnostics
    assert [d.code for d in diagnostics] == ["LL003"]
    assert "at least 500 training batches per epoch" in diagnostics[0].message


@pytest.mark.lightning
def test_demo_confirm_reports_the_measured_stop(monkeypatch, capsys):
    before = snapshot(DEMO)
    code, out, err = confirm(monkeypatch, capsys, DEMO, "train.py", "--output-format", "json")
    assert code == 1, err
    found = json.loads(out)
    ll002 = by_code(found, "LL002")
    assert len(ll002) == 1 and ll002[0]["confirmed"] is True
    assert ll002[0]["message"].startswith("training stops at step 100 (max_epochs=2 x 50 steps per epoch)")
    assert "measured by confirm: len(train_dataloader)=50, 400 samples, batch_size=8" in ll002[0]["help"]
    assert (ll002[0]["path"], ll002[0]["line"]) == ("train.py", 43)  # the max_steps argument
    assert not by_code(found, "LL003")  # answered by the confirmed LL002
    # the linear decay, judged on the scheduler the dry fit built (confirm/schedule.py)
    (ll702,) = by_code(found, "LL702")
    assert ll702["confirmed"] is True
    assert ll702["message"].startswith(
        "LambdaLR (linear decay) over 1,000 optimizer steps, stepped per optimizer step; "
        "the run steps it 100 times: only 10% of the schedule runs (measured: LambdaLR (linear decay), "
        "interval=step, frequency=1"
    )
    assert "the horizon `self.max_steps` is 1,000 as the code sets it" in ll702["message"]
    assert snapshot(DEMO) == before  # nothing written into the example


@pytest.mark.lightning
def test_save_facts_lets_the_static_check_decide(tmp_path, monkeypatch, capsys):
    project = tmp_path / "demo"
    shutil.copytree(DEMO, project)
    code, out, err = confirm(monkeypatch, capsys, project, "--save-facts", "-m", "train")
    assert code == 1, err
    assert "saved the measured facts to .lightning-lint/facts.json (for train.py)" in out
    facts = json.loads((project / ".lightning-lint" / "facts.json").read_text())
    assert facts["facts"]["train.py"]["train-batches-per-epoch"] == 50
    assert facts["facts"]["train.py"]["dataset-size"] == 400
    # later static runs decide LL002 from the saved facts, running nothing
    monkeypatch.chdir(project)
    capsys.readouterr()
    assert cli_main(["train.py", "--output-format", "json"]) == 1
    found = sorted(json.loads(capsys.readouterr().out), key=lambda d: d["code"])
    # the demo's linear decay over max_steps=1000 runs 100 of its steps (LL702)
    assert [d["code"] for d in found] == ["LL002", "LL702"]
    assert found[0]["message"].startswith("training stops at step 100") and found[0]["confirmed"] is False
    assert "measured by confirm" in found[0]["help"]
    assert "the run steps it 100 times: only 10% of the schedule runs" in found[1]["message"]


@pytest.mark.lightning
def test_measurement_withdraws_a_static_finding(tmp_path, monkeypatch, capsys):
    """Facts written by hand say 10 batches per epoch (LL002: stops at step 300); the
    loader has 16, so max_steps=400 is reached: LL002 is withdrawn (LL903)."""
    files = {
        "pyproject.toml": "[project]\nname = 'x'\n[tool.lightning-lint.facts.\"train.py\"]\n"
        "train-batches-per-epoch = 10\n",
        "train.py": MODEL + "\n\npl.Trainer(max_epochs=30, max_steps=400, logger=False, "
        "enable_checkpointing=False).fit(Model())\n",
    }
    assert [d.code for d in lint_files(tmp_path, files, "train.py").diagnostics] == ["LL002"]
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "train.py", "--output-format", "json")
    assert code == 0, err
    found = json.loads(out)
    assert [d["code"] for d in found] == ["LL903"]
    assert found[0]["message"].startswith(
        "LL002 (max-steps-unreachable) withdrawn: confirm measured 16 training batches per epoch"
    )
    assert "training stops at step 400 (max_steps), in epoch 25" in found[0]["message"]


@pytest.mark.lightning
def test_values_the_static_check_cannot_see(tmp_path, monkeypatch, capsys):
    """Every value comes from argparse, so the static check is silent; the run knows them
    all and the schedule rules find what they mean for the measured data."""
    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "train.py": MODEL
        + """
import argparse
from lightning.pytorch.callbacks import ModelCheckpoint

parser = argparse.ArgumentParser()
parser.add_argument("--every", type=int)
parser.add_argument("--epochs", type=int)
parser.add_argument("--vci", type=int)
args = parser.parse_args()
trainer = pl.Trainer(max_epochs=args.epochs, val_check_interval=args.vci, logger=False,
                     callbacks=[ModelCheckpoint(every_n_train_steps=args.every)])
trainer.fit(Model())
""",
    }
    assert lint_files(tmp_path, files, "train.py").diagnostics == []
    code, out, err = confirm(
        monkeypatch,
        capsys,
        tmp_path,
        "train.py",
        "--output-format",
        "json",
        "--",
        "--every",
        "100",
        "--epochs",
        "3",
        "--vci",
        "20",
    )
    assert code == 1, err
    found = {d["code"]: d for d in json.loads(out)}
    assert sorted(found) == ["LL101", "LL106", "LL201"] and all(d["confirmed"] for d in found.values())
    assert found["LL106"]["message"].startswith(
        "`ModelCheckpoint(every_n_train_steps=100)` never saves: the whole fit has 48 optimizer steps"
    )  # 3 epochs x 16 batches
    assert "`val_check_interval=20` is more than the 16 training batches per epoch" in found["LL201"]["message"]


# -- configurations that do not build -----------------------------------------------------------


CLI_MAIN = (
    MODEL
    + """

if __name__ == "__main__":
    from lightning.pytorch.cli import LightningCLI
    LightningCLI(Model)
"""
)


@pytest.mark.lightning
def test_lightningcli_invalid_trainer_is_ll902_with_lightnings_message(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "main.py": CLI_MAIN,
            "configs/fit.yaml": "trainer:\n  max_epochs: 2\n  accelerator: ddp\n",
        },
    )
    before = snapshot(tmp_path)
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "main.py", "--", "fit", "--config", "configs/fit.yaml")
    assert code == 1, err
    assert (
        "configs/fit.yaml:3:3: LL902 building the Trainer raised ValueError: You selected an invalid "
        "accelerator name: `accelerator='ddp'`" in out
    )
    assert "configs/fit.yaml:3:3: LL402" in out  # the static finding, now confirmed by Lightning
    assert out.count("(confirmed)") == 2
    assert snapshot(tmp_path) == before


@pytest.mark.lightning
def test_lightningcli_rejected_value_is_ll902_at_the_key(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "main.py": CLI_MAIN,
            "fit.yaml": "trainer:\n  max_epochs: 2\n  log_every_n_steps: 1e4\n",
        },
    )
    code, out, err = confirm(
        monkeypatch, capsys, tmp_path, "main.py", "--output-format", "concise", "--", "fit", "-c", "fit.yaml"
    )
    assert code == 1, err
    assert 'fit.yaml:3:3: LL902 LightningCLI rejected the configuration: key "trainer.log_every_n_steps"' in out
    assert "fit.yaml:3:3: LL308" in out and "Given value: 10000.0" in out


# -- the entry point is stopped at fit ----------------------------------------------------------


@pytest.mark.lightning
def test_script_is_stopped_at_fit_and_the_tree_is_unchanged(tmp_path, monkeypatch, capsys):
    """The script asks for 4 GPUs with DDP and 1000 epochs, then writes files and sleeps:
    the dry run happens on the CPU, nothing after fit runs, nothing is written."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "train.py": MODEL
            + """
import time

from lightning.pytorch.callbacks import ModelCheckpoint

# save_last=True saves last.ckpt at the end of even a fast_dev_run fit: redirected
checkpoint = ModelCheckpoint(dirpath="checkpoints", save_last=True)
trainer = pl.Trainer(max_epochs=1000, accelerator="gpu", devices=4, strategy="ddp", callbacks=[checkpoint])
try:
    trainer.fit(Model(), DataLoader(TensorDataset(torch.randn(64, 4)), batch_size=4, num_workers=2))
finally:
    open("finally.txt", "w").write("the rest of the script ran")
open("after_fit.txt", "w").write("the rest of the script ran")
time.sleep(600)
""",
        },
    )
    before = snapshot(tmp_path)
    started = time.monotonic()
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "train.py", "--timeout", "120")
    assert time.monotonic() - started < 60
    assert code == 1, err
    assert snapshot(tmp_path) == before  # no marker, no lightning_logs, no checkpoints, no __pycache__
    assert "accelerator='gpu' is not available on this machine: the dry run was moved to the CPU" in out
    # 64 samples / 4 devices / batch 4: 4 batches per device; the default log interval of 50 never fits
    assert "4 batches per epoch (len(train_dataloader)=16, 64 samples, batch_size=4; 4 per device on 4 devices)" in out
    assert "LL210" in out and "(confirmed)" in out


@pytest.mark.lightning
def test_failing_dry_fit_is_ll902_at_the_line_that_raised(tmp_path, monkeypatch, capsys):
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "train.py": MODEL.replace(
                "        return self.layer(batch[0]).pow(2).mean()",
                "        if batch_idx == 1:\n"
                "            raise RuntimeError('shapes do not match')\n"
                "        return self.layer(batch[0]).pow(2).mean()",
            )
            + """
from lightning.pytorch.callbacks import OnExceptionCheckpoint

pl.Trainer(max_epochs=2, logger=False, callbacks=[OnExceptionCheckpoint("crash")]).fit(Model())
""",
        },
    )
    before = snapshot(tmp_path)
    code, out, err = confirm(monkeypatch, capsys, tmp_path, "train.py", "--output-format", "json")
    assert code == 1, err
    found = by_code(json.loads(out), "LL902")
    assert len(found) == 1
    assert found[0]["message"] == "the dry fit raised RuntimeError: shapes do not match"
    line = (
        (tmp_path / "train.py").read_text().splitlines().index("            raise RuntimeError('shapes do not match')")
    )
    assert (found[0]["path"], found[0]["line"]) == ("train.py", line + 1)
    assert snapshot(tmp_path) == before  # OnExceptionCheckpoint saved into the temporary directory


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that never reaps it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_timeout_kills_the_process_group(tmp_path, monkeypatch, capsys):
    """The entry point starts a helper process and sleeps before building a Trainer:
    after --timeout both are gone and the report says what happened (exit 2)."""
    pids = tmp_path / "pids.txt"
    project = tmp_path / "project"
    write_files(
        project,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "train.py": f"""
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open({str(pids)!r}, "w") as handle:
    handle.write(f"{{os.getpid()}} {{helper.pid}}")
time.sleep(600)
""",
        },
    )
    started = time.monotonic()
    code, out, err = confirm(monkeypatch, capsys, project, "train.py", "--timeout", "3")
    assert code == 2 and out == ""
    assert time.monotonic() - started < 20
    assert "stopped after 3s (--timeout) while running the entry point" in err
    child, helper = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 5
    while (_alive(child) or _alive(helper)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child) and not _alive(helper)


# -- Hydra ------------------------------------------------------------------------------------------


@pytest.mark.lightning
def test_hydra_app_with_a_group_choice(tmp_path, monkeypatch, capsys):
    """`trainer=short` selects the option file whose max_epochs cuts max_steps short; the
    finding is placed there, and Hydra's run folder is not written into the tree."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "train.py": MODEL
            + """
import hydra


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg):
    hydra.utils.instantiate(cfg.trainer).fit(Model())


if __name__ == "__main__":
    main()
""",
            "conf/config.yaml": "defaults:\n  - trainer: long\n  - _self_\n",
            "conf/trainer/long.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 100\nmax_steps: 1000\n"
            "logger: false\n",
            "conf/trainer/short.yaml": "_target_: lightning.pytorch.Trainer\nmax_epochs: 2\nmax_steps: 1000\n"
            "logger: false\n",
        },
    )
    before = snapshot(tmp_path)
    code, out, err = confirm(
        monkeypatch, capsys, tmp_path, "train.py", "--output-format", "json", "--", "trainer=short"
    )
    assert code == 1, err
    found = json.loads(out)
    assert len(found) == 1 and found[0]["code"] == "LL002" and found[0]["confirmed"]
    assert (found[0]["path"], found[0]["line"]) == ("conf/trainer/short.yaml", 3)
    assert found[0]["message"].startswith("training stops at step 32 (max_epochs=2 x 16 steps per epoch)")
    assert snapshot(tmp_path) == before  # no outputs/DATE/TIME folder


# -- the environment ----------------------------------------------------------------------------


def test_missing_lightning_says_how_to_install(tmp_path, monkeypatch, capsys):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = bare / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    write_files(tmp_path / "p", {"train.py": "import lightning\n"})
    code, out, err = confirm(monkeypatch, capsys, tmp_path / "p", "train.py", "--python", str(python))
    assert code == 2 and out == ""
    assert "torch and lightning cannot be imported" in err
    assert "pip install 'lightning-lint[confirm]'" in err


@pytest.mark.lightning
def test_accelerator_that_is_not_here(tmp_path, monkeypatch, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    write_files(tmp_path, {"train.py": "open('ran.txt', 'w')\n"})
    code, _, err = confirm(monkeypatch, capsys, tmp_path, "train.py", "--accelerator", "cuda")
    assert code == 2
    assert "--accelerator cuda: no cuda device is available on this machine" in err
    assert not (tmp_path / "ran.txt").exists()  # refused before running anything


def test_usage_errors(tmp_path, monkeypatch, capsys):
    code, _, err = confirm(monkeypatch, capsys, tmp_path, "missing.py")
    assert code == 2 and "entry point `missing.py` does not exist" in err
    code, _, err = confirm(monkeypatch, capsys, tmp_path)
    assert code == 2 and "name the training script" in err
    write_files(tmp_path, {"train.py": "pass\n"})
    code, _, err = confirm(monkeypatch, capsys, tmp_path, "train.py", "--python", "no-such-python-here")
    assert code == 2 and "no such interpreter" in err


def test_entry_that_never_builds_a_trainer(tmp_path, monkeypatch, capsys):
    """The probe itself needs no Lightning import to see this (the check is cheap)."""
    write_files(tmp_path, {"train.py": "import sys\nprint('hello')\nsys.exit(3)\n"})
    code, _, err = confirm(monkeypatch, capsys, tmp_path, "train.py")
    assert code == 2
    assert "the entry point ended with status 3 without building a Lightning `Trainer`" in err


def test_the_parent_side_imports_neither_torch_nor_lightning(tmp_path):
    """Only the child (the user's process) imports them: `confirm` works from a
    lightning-lint installed without them, given --python."""
    write_files(tmp_path, {"train.py": "print('no trainer here')\n"})
    code = (
        "import sys\nfrom lightning_lint.commands.cli import main\n"
        "rc = main(['confirm', 'train.py'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'lightning', 'pytorch_lightning'))\n"
        "print(rc, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "2 []", result.stdout + result.stderr


# -- helpers, without Lightning ------------------------------------------------------------------


def test_arguments_after_double_dash_belong_to_the_entry_point(monkeypatch):
    import types

    import lightning_lint.commands.cli as cli

    seen = {}
    fake = types.ModuleType("_fake_confirm")
    fake.main = lambda args: seen.update(vars(args)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_fake_confirm", fake)
    monkeypatch.setitem(cli.COMMAND_MODULES, "confirm", "_fake_confirm")
    assert cli_main(["confirm", "--batches", "3", "main.py", "--", "fit", "--batches", "9", "-c", "a.yaml"]) == 0
    assert seen["entry"] == "main.py" and seen["batches"] == 3
    assert seen["args"] == ["fit", "--batches", "9", "-c", "a.yaml"]
    assert cli.build_parser().parse_args(["confirm", "-m", "pkg.train"]).module == "pkg.train"


def test_lightning_messages_map_to_rules():
    from lightning_lint.confirm import messages

    assert messages.error_code("Trainer.__init__() got an unexpected keyword argument 'gpus'") == "LL302"
    assert messages.error_code("Trainer.__init__() got an unexpected keyword argument 'max_epoch'") == "LL301"
    assert messages.error_code("You selected an invalid accelerator name: `accelerator='ddp'`.") == "LL402"
    assert messages.error_code("`max_epochs` must be a non-negative integer or -1. You passed in -2.") == "LL006"
    assert messages.error_code("CUDA out of memory") is None
    assert (
        messages.warning_code("The 'train_dataloader' does not have many workers which may be a bottleneck.") == "LL603"
    )


def test_per_device_batches_follow_the_distributed_sampler():
    from lightning_lint.confirm.measure import _per_device

    loader = {
        "len": 13,
        "dataset_len": 100,
        "batch_size": 8,
        "drop_last": False,
        "sampler": "torch.utils.data.sampler.RandomSampler",
        "batch_sampler": "torch.utils.data.sampler.BatchSampler",
    }
    assert _per_device(loader, 1, True) == (13, "")
    assert _per_device(loader, 3, True) == (5, "")  # ceil(100 / 3) = 34 samples per rank, ceil(34 / 8) = 5
    assert _per_device(dict(loader, drop_last=True), 3, True) == (4, "")
    assert _per_device(loader, 3, False) == (13, "")  # use_distributed_sampler=False: every rank sees all
    custom = dict(loader, batch_sampler="my.BucketSampler")
    assert _per_device(custom, 3, True)[0] is None
    assert _per_device({"len": None}, 1, True)[0] is None


def test_devices_option_that_means_one_device():
    from lightning_lint.confirm.probe import _devices_override, _single_device

    assert _single_device("1") and _single_device("3,") and _single_device("[3]")
    assert not _single_device("2") and not _single_device("0,1") and not _single_device("auto")
    assert _devices_override("[3]") == [3] and _devices_override("2") == 2 and _devices_override("3,") == "3,"


def test_config_files_and_hydra_choices(tmp_path):
    from lightning_lint.confirm.configuration import config_files, hydra_group_files

    write_files(tmp_path, {"a.yaml": "x: 1\n", "b.yml": "x: 1\n", "conf/trainer/gpu.yaml": "x: 1\n"})
    args = ["fit", "--config", "a.yaml", "--config=b.yml", "-c", "missing.yaml", "--trainer.max_epochs=3"]
    assert [p.name for p in config_files(args, tmp_path)] == ["a.yaml", "b.yml"]
    choices = hydra_group_files(tmp_path / "conf", ["trainer=gpu", "trainer.max_epochs=3", "model=none"])
    assert [p.relative_to(tmp_path).as_posix() for p in choices] == ["conf/trainer/gpu.yaml"]


def test_every_format_marks_confirmed_findings(tmp_path):
    from lightning_lint.model.diagnostics import Diagnostic, Severity
    from lightning_lint.model.spec import Span
    from lightning_lint.report.formats import FORMATS, ReportContext, render

    finding = Diagnostic(
        "LL002",
        "max-steps-unreachable",
        Severity.WARNING,
        "training stops at step 100",
        "train.py",
        Span(3, 1, 3, 5),
        confirmed=True,
    )
    context = ReportContext(cwd=tmp_path)
    for fmt in FORMATS:
        text = render(fmt, [finding], context)
        if fmt in ("json", "json-lines"):
            assert json.loads(text.splitlines()[0] if fmt == "json-lines" else text)
            assert '"confirmed": true' in text, fmt
        elif fmt == "sarif":
            assert json.loads(text)["runs"][0]["results"][0]["properties"]["confirmed"] is True
        else:
            assert "training stops at step 100 (confirmed)" in text, fmt
    plain = Diagnostic("LL002", "max-steps-unreachable", Severity.WARNING, "m", "train.py", Span(3, 1, 3, 5))
    assert "(confirmed)" not in render("full", [plain], context)
