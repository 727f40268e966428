"""LL207 for a ReduceLROnPlateau's monitor: judged against what the fitted model (its
class hierarchy, the project's callbacks) logs, quiet whenever that is not all known.
The claim (Lightning raises at the first update) is
test_lightning_behaviour_schedule.py::test_plateau_monitor_that_nothing_logs_fails_after_the_first_epoch."""

from __future__ import annotations

from conftest import lint_files

MODULE = """\
import lightning as L
import torch

class {name}({base}):
    def validation_step(self, batch, i):
        self.log({logged}, 0.0)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
        return {{"optimizer": opt, "lr_scheduler": {{"scheduler": s, "monitor": "val_loss"{extra}}}}}
"""
TRAIN = "from lightning import Trainer\nfrom model import {name}\nTrainer(max_epochs=3).fit({name}())\n"


def module(logged: str = "'val/loss'", name: str = "Net", base: str = "L.LightningModule", extra: str = "") -> str:
    return MODULE.format(logged=logged, name=name, base=base, extra=extra)


def ll207(tmp_path, files, target="train.py"):
    return [d for d in lint_files(tmp_path, files, target, select=("LL207",)).diagnostics if d.code == "LL207"]


def test_unlogged_monitor_in_another_file_is_reported_at_the_trainer(tmp_path):
    (d,) = ll207(tmp_path, {"model.py": module(), "train.py": TRAIN.format(name="Net")})
    assert (d.path, d.line) == ("train.py", 3)
    assert "monitors 'val_loss', which the fitted model (`Net`, with its base classes) never logs" in d.message
    assert "ReduceLROnPlateau conditioned on metric val_loss which is not available" in d.message
    assert d.message.endswith("did you mean 'val/loss'?")
    assert [(r.path, r.span.start_line) for r in d.related] == [("model.py", 11)]


def test_unlogged_monitor_in_the_same_file_is_reported_at_the_monitor(tmp_path):
    source = module() + "\n" + TRAIN.format(name="Net").split("\n", 2)[2].replace("from model import Net\n", "")
    source = "from lightning import Trainer\n" + source
    (d,) = ll207(tmp_path, {"train.py": source})
    assert d.line == 12 and d.span.start_col > 60  # the "val_loss" string of the dict


def test_strict_false_says_it_only_warns(tmp_path):
    files = {"model.py": module(extra=', "strict": False'), "train.py": TRAIN.format(name="Net")}
    (d,) = ll207(tmp_path, files)
    assert "never step it" in d.message


def test_quiet_when_logged_or_unknowable(tmp_path):
    quiet = {
        "logged": {"model.py": module("'val_loss'"), "train.py": TRAIN.format(name="Net")},
        "dynamic name": {"model.py": module("f'val_{i}'"), "train.py": TRAIN.format(name="Net")},
        "model not known": {
            "model.py": module(),
            "train.py": "from lightning import Trainer\nimport model\nTrainer(max_epochs=3).fit(model.make())\n",
        },
        "a callback logs it": {
            "model.py": module(),
            "cb.py": "import lightning as L\nclass Log(L.Callback):\n"
            "    def on_validation_end(self, trainer, pl_module):\n        pl_module.log('val_loss', 1.0)\n",
            "train.py": TRAIN.format(name="Net"),
        },
        "never trains": {"model.py": module(), "train.py": "from lightning import Trainer\nTrainer(max_epochs=3)\n"},
    }
    for why, files in quiet.items():
        root = tmp_path / why.replace(" ", "_")
        assert ll207(root, files) == [], why


def test_a_subclass_that_logs_the_metric(tmp_path):
    """The module with the scheduler is a base class; the fitted subclass logs val_loss."""
    files = {
        "model.py": module(),
        "child.py": "from model import Net\nclass Child(Net):\n"
        "    def validation_step(self, batch, i):\n        self.log('val_loss', 0.0)\n",
        "train.py": TRAIN.format(name="Child").replace("from model", "from child"),
    }
    assert ll207(tmp_path, files) == []


def test_lightningcli_lr_scheduler_section(tmp_path):
    config = (
        "trainer:\n  max_epochs: 3\nmodel:\n  class_path: model.Net\nlr_scheduler:\n"
        "  class_path: torch.optim.lr_scheduler.ReduceLROnPlateau\n  init_args:\n    monitor: {monitor}\n"
    )
    files = {"model.py": module(), "config.yaml": config.format(monitor="val_los")}
    found = ll207(tmp_path, files, "config.yaml")
    assert len(found) == 1 and found[0].line == 8
    assert found[0].message.startswith("the `lr_scheduler:` ReduceLROnPlateau monitors 'val_los', which the fitted")
    files["config.yaml"] = config.format(monitor="val/loss")
    assert ll207(tmp_path / "ok", files, "config.yaml") == []
