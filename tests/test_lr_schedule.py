"""LL701-LL705: extraction of configure_optimizers, horizons, and the rules' negatives."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from conftest import REPO, lint_files
from lightning_lint.extract import python
from lightning_lint.linter.cache import decode_fragment, encode_fragment
from lightning_lint.model.facts import ProjectFacts
from lightning_lint.model.sources import PYTHON, SourceFile

HEAD = (
    "import lightning as L\nimport torch\nfrom torch.optim import lr_scheduler\n"
    "from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, LinearLR, SequentialLR, StepLR\n"
    "class Net(L.LightningModule):\n"
)


def schedulers(body: str, init: str = ""):
    text = HEAD + init + "    def configure_optimizers(self):\n        opt = torch.optim.SGD(self.parameters(), 0.1)\n"
    text += "".join("        " + line + "\n" for line in body.strip().split("\n"))
    extraction = python.extract(ast.parse(text), SourceFile("model.py", text, PYTHON))
    return extraction.facts.get("schedulers", {}).get("Net", [])


@pytest.mark.parametrize(
    "body,form,interval",
    [
        ("return [opt], [OneCycleLR(opt, 0.1, total_steps=10)]", "list", "epoch"),
        ("return (opt,), OneCycleLR(opt, 0.1, total_steps=10)", None, None),  # not ([opt], ...): no scheduler
        ("s = OneCycleLR(opt, 0.1, total_steps=10)\nreturn [opt], s", "list", "epoch"),
        ('return {"optimizer": opt, "lr_scheduler": OneCycleLR(opt, 0.1, 10)}', "dict", "epoch"),
        (
            'c = {"scheduler": OneCycleLR(opt, 0.1, 10), "interval": "step"}\nreturn {"optimizer": opt, "lr_scheduler": c}',
            "dict",
            "step",
        ),
        (
            'return [{"optimizer": opt, "lr_scheduler": {"scheduler": OneCycleLR(opt, 0.1, 10), "interval": "step"}}]',
            "dict",
            "step",
        ),
        (
            'return dict(optimizer=opt, lr_scheduler=dict(scheduler=OneCycleLR(opt, 0.1, 10), interval="step"))',
            "dict",
            "step",
        ),
        ("return opt", None, None),
    ],
)
def test_every_return_form(body, form, interval):
    found = schedulers(body)
    if form is None:
        assert found == []
        return
    [spec] = found
    assert (spec.kind, spec.form, spec.interval, spec.horizon.resolve({})) == ("OneCycleLR", form, interval, 10)


@pytest.mark.parametrize(
    "body,refs,value,unit",
    [
        (
            "s = OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)",
            ("trainer.estimated_stepping_batches",),
            None,
            "steps",
        ),
        (
            "s = OneCycleLR(opt, 0.1, epochs=5, steps_per_epoch=len(self.train_dataloader()))",
            ("train_batches",),
            None,
            "steps",
        ),
        ("s = OneCycleLR(opt, 0.1, epochs=5, steps_per_epoch=100)", (), 500, "steps"),
        (
            "s = OneCycleLR(opt, 0.1, epochs=self.trainer.max_epochs, steps_per_epoch=100)",
            ("trainer.max_epochs",),
            None,
            "steps",
        ),
        ("s = CosineAnnealingLR(opt, T_max=self.trainer.max_epochs)", ("trainer.max_epochs",), None, "epochs"),
        (
            "s = lr_scheduler.PolynomialLR(opt, total_iters=self.trainer.max_steps)",
            ("trainer.max_steps",),
            None,
            "steps",
        ),
        (
            "w = LinearLR(opt, 0.1, total_iters=100)\nc = CosineAnnealingLR(opt, T_max=900)\n"
            "s = SequentialLR(opt, [w, c], milestones=[100])",
            (),
            1000,
            None,
        ),
        ("s = lr_scheduler.LambdaLR(opt, lambda step: max(0.0, 1 - step / 300))", (), 300, None),
        ("s = lr_scheduler.ChainedScheduler([StepLR(opt, 3), CosineAnnealingLR(opt, T_max=40)])", (), 40, None),
    ],
)
def test_horizons(body, refs, value, unit):
    [spec] = schedulers(body + "\nreturn [opt], [s]")
    assert spec.horizon.refs == refs and spec.horizon.unit == unit
    if value is not None:
        assert spec.horizon.resolve({}) == value


def test_transformers_and_init_arguments():
    init = "    def __init__(self, total: int = 1000):\n        super().__init__()\n        self.total = total\n"
    body = (
        "from transformers import get_linear_schedule_with_warmup\n"
        "s = get_linear_schedule_with_warmup(opt, 10, self.total)\nreturn [opt], [s]"
    )
    [spec] = schedulers(body, init)
    assert spec.kind == "get_linear_schedule_with_warmup" and spec.end == "zero"
    assert spec.horizon.refs == ("init:total",) and spec.init_defaults == {"total": 1000}


def test_a_dict_changed_after_it_is_built_is_not_read():
    body = 'c = {"interval": "step"}\nc["scheduler"] = OneCycleLR(opt, 0.1, 10)\nreturn {"optimizer": opt, "lr_scheduler": c}'
    assert schedulers(body) == []


def test_unknown_and_horizonless():
    [unknown] = schedulers("return [opt], [CosineAnnealingLR(opt, T_max=compute())]")
    assert unknown.horizon.unknown
    [step] = schedulers("return [opt], [StepLR(opt, 10)]")
    assert step.horizon is None


def test_schedulers_survive_the_facts_cache():
    [spec] = schedulers('return {"optimizer": opt, "lr_scheduler": {"scheduler": OneCycleLR(opt, 0.1, 10), "foo": 1}}')
    fragment = ProjectFacts(schedulers={"Net": [spec]})
    decoded = decode_fragment(json.loads(json.dumps(encode_fragment(fragment))))
    assert decoded.schedulers["Net"][0].to_json() == spec.to_json()


MODULE = (
    "import lightning as L\nimport torch\nfrom torch.optim.lr_scheduler import OneCycleLR, CosineAnnealingLR\n"
    "class Net(L.LightningModule):\n    def __init__(self, steps=100):\n        super().__init__()\n"
    "        self.steps = steps\n{extra}"
    "    def configure_optimizers(self):\n        opt = torch.optim.SGD(self.parameters(), 0.1)\n"
    "        s = {sched}\n"
    '        return {{"optimizer": opt, "lr_scheduler": {{"scheduler": s, "interval": "step"}}}}\n'
)
FACTS = '[tool.lightning-lint.facts]\n"train.py" = {{ train-batches-per-epoch = {batches} }}\n'


def _codes(tmp_path, sched, train, batches=10, extra=""):
    files = {
        "model.py": MODULE.format(sched=sched, extra=extra),
        "train.py": "from lightning import Trainer\nfrom model import Net\n" + train,
        "pyproject.toml": FACTS.format(batches=batches),
    }
    result = lint_files(tmp_path, files, "train.py", select=("LL7",))
    return [(d.code, d.message) for d in result.diagnostics]


@pytest.mark.parametrize(
    "sched,train,expected",
    [
        # the horizon is the run's own length
        (
            "OneCycleLR(opt, 0.1, total_steps=self.trainer.estimated_stepping_batches)",
            "Trainer(max_epochs=3).fit(Net())",
            [],
        ),
        # 3 epochs of 10 batches = 30 steps
        ("OneCycleLR(opt, 0.1, total_steps=30)", "Trainer(max_epochs=3).fit(Net())", []),
        ("OneCycleLR(opt, 0.1, total_steps=29)", "Trainer(max_epochs=3).fit(Net())", ["LL701"]),
        # accumulation: 3 epochs of ceil(10/4)=3 steps
        ("OneCycleLR(opt, 0.1, total_steps=9)", "Trainer(max_epochs=3, accumulate_grad_batches=4).fit(Net())", []),
        ("CosineAnnealingLR(opt, T_max=100)", "Trainer(max_epochs=3).fit(Net())", ["LL702"]),
        # the horizon from __init__: the argument in fit, else the default
        ("OneCycleLR(opt, 0.1, total_steps=self.steps)", "Trainer(max_epochs=3).fit(Net(steps=30))", []),
        ("OneCycleLR(opt, 0.1, total_steps=self.steps)", "Trainer(max_epochs=3).fit(Net(steps=20))", ["LL701"]),
        ("OneCycleLR(opt, 0.1, total_steps=self.steps)", "Trainer(max_epochs=3).fit(Net())", ["LL702"]),
        ("OneCycleLR(opt, 0.1, total_steps=self.steps)", "Trainer(max_epochs=3).fit(Net(**cfg))", []),
        # unknown horizons, schedulers without a horizon, Trainers that never train
        ("OneCycleLR(opt, 0.1, total_steps=compute())", "Trainer(max_epochs=3).fit(Net())", []),
        ("torch.optim.lr_scheduler.StepLR(opt, 1)", "Trainer(max_epochs=3).fit(Net())", []),
        ("OneCycleLR(opt, 0.1, total_steps=5)", "Trainer(max_epochs=3).validate(Net())", []),
        ("OneCycleLR(opt, 0.1, total_steps=5)", "Trainer(max_epochs=3).fit(Other())", []),
        ("OneCycleLR(opt, 0.1, total_steps=5)", "Trainer(max_epochs=n).fit(Net())", []),
        ("OneCycleLR(opt, 0.1, total_steps=5)", "Trainer(max_epochs=3, fast_dev_run=True).fit(Net())", []),
        # the run steps it 3 x 10 = 30 times; the horizon is max_epochs x 9 = 27
        (
            "OneCycleLR(opt, 0.1, epochs=self.trainer.max_epochs, steps_per_epoch=9)",
            "Trainer(max_epochs=3).fit(Net())",
            ["LL701"],
        ),
    ],
)
def test_run_length_rules(tmp_path, sched, train, expected):
    assert [code for code, _ in _codes(tmp_path, sched, train)] == expected


def test_manual_optimization_is_left_alone(tmp_path):
    extra = "        self.automatic_optimization = False\n"
    assert (
        _codes(tmp_path, "OneCycleLR(opt, 0.1, total_steps=5)", "Trainer(max_epochs=3).fit(Net())", extra=extra) == []
    )


def test_explain_shows_the_scheduler_beside_the_stop():
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "explain", "examples/configs/fit.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        "lr scheduler    CosineAnnealingLR over 10,000 epochs, stepped per epoch; the run steps it 20 times"
        in result.stdout
    )
    assert "LL702" in result.stdout


# -- horizons and run lengths that depend on a branch ---------------------------------------------

BRANCHED = MODULE.replace("def __init__(self, steps=100):", "def __init__(self, steps=100, long=False, t_max=1000):")
ONE_THOUSAND = "CosineAnnealingLR over 1,000 optimizer steps"


@pytest.mark.parametrize(
    "sched,train,expected",
    [
        # one path's horizon is longer than the run (100 epochs x 10 steps), the other fits
        (
            "CosineAnnealingLR(opt, T_max=3000 if self.long else 1000)",
            "Trainer(max_epochs=100).fit(Net())",
            [("LL702", "when self.long: CosineAnnealingLR over 3,000 optimizer steps")],
        ),
        (
            "CosineAnnealingLR(opt, T_max=500 if self.long else 1000)",
            "Trainer(max_epochs=100).fit(Net())",
            [("LL701", "when self.long: CosineAnnealingLR over 500 optimizer steps")],
        ),
        # every path is unfinished, with its own figures: each with its condition
        (
            "CosineAnnealingLR(opt, T_max=3000 if self.long else 4000)",
            "Trainer(max_epochs=100).fit(Net())",
            [
                ("LL702", "when not self.long: CosineAnnealingLR over 4,000"),
                ("LL702", "when self.long: CosineAnnealingLR over 3,000"),
            ],
        ),
        # every path gives the same finding: one, without a condition
        (
            "CosineAnnealingLR(opt, T_max=3000 if self.long else 3000)",
            "Trainer(max_epochs=100).fit(Net())",
            [("LL702", "CosineAnnealingLR over 3,000")],
        ),
        # a path whose horizon is the run's own figure, the other a number
        (
            "CosineAnnealingLR(opt, T_max=self.trainer.estimated_stepping_batches if self.long else 3000)",
            "Trainer(max_epochs=100).fit(Net())",
            [("LL702", "when not self.long: CosineAnnealingLR over 3,000")],
        ),
        # an __init__ argument set on two paths where the module is built
        (
            "CosineAnnealingLR(opt, T_max=self.t_max)",
            "import sys\nlong = len(sys.argv) > 1\nTrainer(max_epochs=100).fit(Net(t_max=3000 if long else 1000))",
            [("LL702", "when long: CosineAnnealingLR over 3,000")],
        ),
        # a path that cannot be read: quiet
        ("CosineAnnealingLR(opt, T_max=compute() if self.long else 3000)", "Trainer(max_epochs=100).fit(Net())", []),
        # the run length depends on a branch (the engine's Trainer variants)
        (
            "CosineAnnealingLR(opt, T_max=1000)",
            "import sys\nn = len(sys.argv)\nTrainer(max_epochs=100 if n > 1 else 10).fit(Net())",
            [("LL702", "when n <= 1: " + ONE_THOUSAND)],
        ),
    ],
)
def test_horizons_on_several_paths(tmp_path, sched, train, expected):
    files = {
        "model.py": BRANCHED.format(sched=sched, extra="        self.long = long\n        self.t_max = t_max\n"),
        "train.py": "from lightning import Trainer\nfrom model import Net\n" + train,
        "pyproject.toml": FACTS.format(batches=10),
    }
    found = [(d.code, d.message) for d in lint_files(tmp_path, files, "train.py", select=("LL7",)).diagnostics]
    assert [(code, message[: len(text)]) for (code, message), (_, text) in zip(found, expected)] == expected, found
    assert len(found) == len(expected), found


def test_branch_horizons_survive_the_facts_cache():
    [spec] = schedulers("return [opt], [CosineAnnealingLR(opt, T_max=self.trainer.max_epochs if self.x else 30)]")
    assert spec.horizon.unknown and [words for words, _ in spec.horizon.candidates] == ["self.x", "not self.x"]
    assert spec.horizon.candidates[0][1].refs == ("trainer.max_epochs",)
    fragment = ProjectFacts(schedulers={"Net": [spec]})
    decoded = decode_fragment(json.loads(json.dumps(encode_fragment(fragment))))
    assert decoded.schedulers["Net"][0] == spec


def test_a_fitted_subclass_inherits_its_bases_schedulers(tmp_path):
    base = MODULE.format(sched="OneCycleLR(opt, 0.1, total_steps=29)", extra="")
    child = "from model import Net\n\nclass Child(Net):\n    def training_step(self, batch, i):\n        return None\n"
    files = {
        "model.py": base,
        "child.py": child,
        "train.py": "from lightning import Trainer\nfrom child import Child\nTrainer(max_epochs=3).fit(Child())\n",
        "pyproject.toml": FACTS.format(batches=10),
    }
    found = lint_files(tmp_path / "a", files, "train.py", select=("LL7",)).diagnostics
    assert [d.code for d in found] == ["LL701"] and "Tried to step 30 times" in found[0].message
    # a subclass with its own configure_optimizers (no scheduler) trains without the base's
    files["child.py"] = child + "\n    def configure_optimizers(self):\n        return None\n"
    assert lint_files(tmp_path / "b", files, "train.py", select=("LL7",)).diagnostics == []
