"""The fit graph: what each Trainer's ``fit`` receives, resolved across the project's
modules and class hierarchies, and the rules that read it (LL101, LL207, LL601).

The fixtures have the shapes real projects give them: a DataModule in its own module
whose base class (another module) defines ``train_dataloader``, example folders with
several independent entry points, loaders held in variables, metrics logged by a parent
LightningModule, LightningCLI and Hydra ``model:``/``data:`` nodes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import lint_files, write_files
from lightning_lint.extract import python
from lightning_lint.linter.cache import decode_fragment, encode_fragment
from lightning_lint.linter.project_facts import fragment_of, gather
from lightning_lint.linter.settings import Overrides, SettingsResolver
from lightning_lint.model import fit_graph
from lightning_lint.model.facts import ClassFacts, ProjectFacts
from lightning_lint.model.sources import SourceFile, parse_ast
from lightning_lint.model.spec import FitGraph, Loc, Span

# -- a package laid out as real projects do ------------------------------------------------

BASE_DATA = """
import lightning as L
from torch.utils.data import DataLoader

class BaseDataModule(L.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=32, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=32)
"""
DIGITS_DATA = """
from mnist.base import BaseDataModule

class DigitsDataModule(BaseDataModule):
    def setup(self, stage):
        self.train_set = self.val_set = list(range(10))
"""
NET = """
import lightning as L

class Net(L.LightningModule):
    def training_step(self, batch, i):
        self.log("train_loss", 0.0)

    def validation_step(self, batch, i):
        self.log("val_loss", 0.0)
"""
TRAIN = """
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from mnist.data import DigitsDataModule
from mnist.model import Net

def main():
    model = Net()
    dm = DigitsDataModule()
    trainer = L.Trainer(max_epochs=3, callbacks=[ModelCheckpoint(every_n_train_steps=100)])
    trainer.fit(model, datamodule=dm)

if __name__ == "__main__":
    main()
"""
PACKAGE = {
    "mnist/__init__.py": "",
    "mnist/base.py": BASE_DATA,
    "mnist/data.py": DIGITS_DATA,
    "mnist/model.py": NET,
    "train.py": TRAIN,
}


def _codes(result, code):
    return [d for d in result.diagnostics if d.code == code]


def test_datamodule_with_train_dataloader_on_a_base_in_another_module(tmp_path):
    result = lint_files(tmp_path, PACKAGE, "train.py", select=["LL101"])
    [finding] = _codes(result, "LL101")
    assert "mnist/base.py:6" in finding.message
    assert "returned by `BaseDataModule.train_dataloader()`" in finding.message
    assert "cannot be followed" not in finding.message  # decided on the graph, no fallback
    assert [(r.path, r.span.start_line) for r in finding.related] == [("mnist/base.py", 6)]


def test_the_same_datamodule_with_a_stateful_loader_is_quiet(tmp_path):
    files = dict(PACKAGE)
    files["mnist/base.py"] = BASE_DATA.replace(
        "from torch.utils.data import DataLoader",
        "from torchdata.stateful_dataloader import StatefulDataLoader as DataLoader",
    )
    # a plain loader elsewhere in the project (another script) does not matter
    files["scripts/other.py"] = "from torch.utils.data import DataLoader\ntrain_loader = DataLoader(ds)\n"
    assert not _codes(lint_files(tmp_path, files, "train.py", select=["LL101"]), "LL101")


def test_the_explanation_prints_the_graph(tmp_path):
    write_files(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", **PACKAGE})
    result = subprocess.run(
        [sys.executable, "-m", "lightning_lint", "explain", "train.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "fit graph       fits Net (mnist/model.py:3) with DigitsDataModule (mnist/data.py:3); "
        "train loader mnist/base.py:6, plain DataLoader, not resumable"
    ) in result.stdout


# -- example folders with several independent entry points --------------------------------

_ENTRY = """
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
{loader_import}

class Net(L.LightningModule):
    def training_step(self, batch, i):
        return None

train_loader = {loader}(list(range(8)), batch_size=2, shuffle=True)
trainer = L.Trainer(max_epochs=1, callbacks=[ModelCheckpoint(every_n_train_steps=2)])
trainer.fit(Net(), train_loader)
"""
EXAMPLES = {
    "examples/stateful/run.py": _ENTRY.format(
        loader_import="from torchdata.stateful_dataloader import StatefulDataLoader", loader="StatefulDataLoader"
    ),
    "examples/plain/run.py": _ENTRY.format(
        loader_import="from torch.utils.data import DataLoader", loader="DataLoader"
    ),
    "examples/rl/run.py": """
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from gym_agents import Agent  # not part of the project

trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=2)])
trainer.fit(Agent.build())
""",
}


def test_each_entry_point_is_judged_on_its_own_loader(tmp_path):
    stateful = lint_files(tmp_path, EXAMPLES, "examples/stateful/run.py", select=["LL101"])
    assert not _codes(stateful, "LL101")
    [plain] = _codes(lint_files(tmp_path, EXAMPLES, "examples/plain/run.py", select=["LL101"]), "LL101")
    assert "examples/plain/run.py:9, passed to `fit`" in plain.message
    assert "stateful" not in plain.message


def test_an_unresolvable_graph_never_cites_another_entry_point(tmp_path):
    # the model comes from outside the project and no loader is in reach: quiet, although
    # the project (another example) builds a plain DataLoader
    assert not _codes(lint_files(tmp_path, EXAMPLES, "examples/rl/run.py", select=["LL101"]), "LL101")


def test_the_fallback_says_so(tmp_path):
    files = {
        "data.py": "from torch.utils.data import DataLoader\ndef make(ds):\n    return DataLoader(ds, shuffle=True)\n",
        "train.py": "import lightning as L\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "from data import make\nfrom zoo import build_model\n"
        "trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=10)])\n"
        "trainer.fit(build_model())\n",
    }
    [finding] = _codes(lint_files(tmp_path, files, "train.py", select=["LL101"]), "LL101")
    assert "data.py:3" in finding.message
    assert "the fit graph cannot be followed: `build_model` is not a class defined in the project" in finding.message
    assert "judged by the loaders built in this file and the modules it imports" in finding.message


def test_a_fit_without_validation_saves_at_epoch_ends(tmp_path):
    # the reinforcement-learning examples' shape: an IterableDataset behind a helper
    # method, val_check_interval set, but no validation_step: no checkpoint mid-epoch
    module = """
import lightning as L
from torch.utils.data import DataLoader, IterableDataset

class RLDataset(IterableDataset):
    def __iter__(self):
        yield from range(10)

class DQN(L.LightningModule):
    def training_step(self, batch, i):
        return None

    def __dataloader(self):
        return DataLoader(RLDataset(), batch_size=4)

    def train_dataloader(self):
        return self.__dataloader()
{extra}
trainer = L.Trainer(val_check_interval=100)
trainer.fit(DQN())
"""
    quiet = lint_files(tmp_path, {"dqn.py": module.format(extra="")}, "dqn.py", select=["LL101"])
    assert not _codes(quiet, "LL101")
    validating = module.format(
        extra="    def validation_step(self, batch, i):\n        return None\n\n"
        "    def val_dataloader(self):\n        return DataLoader(RLDataset(), batch_size=4)\n"
    )
    [finding] = _codes(lint_files(tmp_path, {"dqn.py": validating}, "dqn.py", select=["LL101"]), "LL101")
    assert "returned by `DQN.train_dataloader()`" in finding.message  # followed through the helper


def test_a_datamodule_given_positionally(tmp_path):
    files = dict(PACKAGE)
    files["train.py"] = TRAIN.replace("trainer.fit(model, datamodule=dm)", "trainer.fit(model, dm)")
    [finding] = _codes(lint_files(tmp_path, files, "train.py", select=["LL101"]), "LL101")
    assert "BaseDataModule.train_dataloader()" in finding.message


def test_a_callback_on_no_trainer_is_judged_by_reachable_loaders(tmp_path):
    files = {
        "callbacks.py": "from lightning.pytorch.callbacks import ModelCheckpoint\n"
        "def checkpoints():\n    return [ModelCheckpoint(every_n_train_steps=10)]\n",
        "other/train.py": "from torch.utils.data import DataLoader\ntrain_loader = DataLoader(ds)\n",
    }
    assert not _codes(lint_files(tmp_path, files, "callbacks.py", select=["LL101"]), "LL101")


# -- LL207: the fitted model's hierarchy -----------------------------------------------------

BASE_MODULE = """
import lightning as L

class BaseModule(L.LightningModule):
    def validation_step(self, batch, i):
        self.log("val/loss", 0.0)
"""
CHILD_MODULE = """
from models.base import BaseModule

class Classifier(BaseModule):
    def training_step(self, batch, i):
        self.log("train/loss", 0.0)
"""
FIT_CLASSIFIER = """
import lightning as L
from lightning.pytorch.callbacks import EarlyStopping
from models.classifier import Classifier

trainer = L.Trainer(callbacks=[EarlyStopping(monitor={monitor!r})])
trainer.fit(Classifier())
"""
UNRELATED = """
import lightning as L

class Generator(L.LightningModule):
    def validation_step(self, batch, i):
        self.log("val/fid", 0.0)
        for name in ("a", "b"):
            self.log(f"val/{name}", 0.0)
"""


def _ll207(tmp_path, monitor, extra=None):
    files = {
        "models/__init__.py": "",
        "models/base.py": BASE_MODULE,
        "models/classifier.py": CHILD_MODULE,
        "train.py": FIT_CLASSIFIER.format(monitor=monitor),
        **(extra or {}),
    }
    return _codes(lint_files(tmp_path, files, "train.py", select=["LL207"]), "LL207")


def test_a_metric_logged_by_the_parent_class_in_another_module(tmp_path):
    assert not _ll207(tmp_path, "val/loss")
    assert not _ll207(tmp_path, "train/loss", {"gan.py": UNRELATED})


def test_a_metric_only_another_model_logs(tmp_path):
    # project-wide, "val/fid" is logged (and a dynamic name turned the old check off);
    # the fitted Classifier never logs it
    [finding] = _ll207(tmp_path, "val/fid", {"gan.py": UNRELATED})
    assert "the fitted model (`Classifier`, with its base classes) never logs" in finding.message


EVALUATOR = """
from lightning.pytorch.callbacks import Callback
from torch import nn

class Evaluator(nn.Module, Callback):
    def on_validation_epoch_end(self, trainer, pl_module):
        for metric in self.metrics:
            self.log(metric.name, metric)
"""


def test_a_callback_of_the_project_may_log_into_any_model(tmp_path):
    # anomalib's shape: an Evaluator callback logs metrics under names computed at run time
    assert not _ll207(tmp_path, "pixel_AUROC", {"gan.py": UNRELATED, "evaluator.py": EVALUATOR})
    # a callback that logs a literal name: that name counts for every model
    literal = EVALUATOR.replace(
        "for metric in self.metrics:\n            self.log(metric.name, metric)", "self.log('val/fid', 0.0)"
    )
    assert not _ll207(tmp_path, "val/fid", {"gan.py": UNRELATED, "evaluator.py": literal})


def test_ll207_falls_back_when_the_hierarchy_is_open(tmp_path):
    files = {
        "models/base.py": BASE_MODULE.replace("L.LightningModule", "ext.PretrainedModule").replace(
            "import lightning as L", "import lightning as L\nimport ext"
        ),
        "other.py": "import lightning as L\nclass Other(L.LightningModule):\n"
        "    def validation_step(self, batch, i):\n        self.log('val_loss', 0.0)\n",
    }
    found = _ll207(tmp_path, "val_acc", files)
    assert found and "the fitted model cannot be followed" in found[0].message
    assert "`ext.PretrainedModule`" in found[0].message


# -- LL601: loaders passed by variable ---------------------------------------------------------


def test_ll601_follows_loaders_through_variables_and_dicts(tmp_path):
    files = {
        "train.py": """
import lightning as L
from torch.utils.data import DataLoader

loaders = {"train": DataLoader(ds, shuffle=True), "val": DataLoader(ds, shuffle=True)}
val_loader = loaders["val"]
trainer = L.Trainer(max_epochs=1)
trainer.fit(model, loaders["train"], val_loader)
trainer.test(model, dataloaders=[DataLoader(ds)])
"""
    }
    found = _codes(lint_files(tmp_path, files, "train.py", select=["LL601"]), "LL601")
    assert [d.span.start_line for d in found] == [4]
    assert "val_dataloaders" in found[0].message


# -- configs ---------------------------------------------------------------------------------


def test_lightning_cli_config_names_the_datamodule(tmp_path):
    files = {
        **PACKAGE,
        "mnist/base.py": BASE_DATA.replace(
            "from torch.utils.data import DataLoader",
            "from torchdata.stateful_dataloader import StatefulDataLoader as DataLoader",
        ),
        "scripts/other.py": "from torch.utils.data import DataLoader\ntrain_loader = DataLoader(ds)\n",
        "config.yaml": "trainer:\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.ModelCheckpoint\n"
        "      init_args:\n        every_n_train_steps: 500\n"
        "model:\n  class_path: mnist.model.Net\ndata:\n  class_path: mnist.data.DigitsDataModule\n",
    }
    result = lint_files(tmp_path, files, "config.yaml", select=["LL101"])
    assert not _codes(result, "LL101")  # the DataModule's loader keeps its position
    files["mnist/base.py"] = BASE_DATA
    [finding] = _codes(lint_files(tmp_path, files, "config.yaml", select=["LL101"]), "LL101")
    assert "mnist/base.py:6, returned by `BaseDataModule.train_dataloader()`" in finding.message


def test_config_graphs_are_recorded(tmp_path):
    from lightning_lint.extract import config
    from lightning_lint.linter.settings import Overrides, SettingsResolver
    from lightning_lint.model.sources import read_source

    write_files(
        tmp_path,
        {
            "cli.yaml": "fit:\n  trainer:\n    max_epochs: 1\n  model:\n    class_path: pkg.Net\n",
            "hydra.yaml": "trainer:\n  _target_: lightning.pytorch.Trainer\n  max_epochs: 1\n"
            "model:\n  _target_: pkg.models.Net\ndata:\n  _target_: pkg.data.DM\n",
            "bare.yaml": "trainer:\n  max_epochs: 1\nseed_everything: 1\nmodel:\n  init_args:\n    lr: 0.1\n",
        },
    )
    settings = SettingsResolver(tmp_path, Overrides()).for_path(tmp_path / "cli.yaml")

    def graph(name):
        source = read_source(tmp_path / name, name)
        [spec] = config.extract(source, settings, tmp_path / name).trainers
        return spec.fit_graph

    cli = graph("cli.yaml")
    assert (cli.model_class, cli.datamodule_class, cli.unresolved_reason) == ("pkg.Net", None, None)
    hydra = graph("hydra.yaml")
    assert (hydra.model_class, hydra.datamodule_class) == ("pkg.models.Net", "pkg.data.DM")
    bare = graph("bare.yaml")
    assert bare.model_class is None and "names no class" in bare.unresolved_reason


# -- the extractor -------------------------------------------------------------------------------


def _extract(text, path="train.py"):
    return python.extract(parse_ast(text), SourceFile(path, text, "python"))


def test_graph_of_loaders_passed_by_variable():
    extraction = _extract(
        "import lightning as L\nfrom torch.utils.data import DataLoader\n"
        "from torchdata.stateful_dataloader import StatefulDataLoader\n"
        "from .models import Net\n"
        "train_loader = StatefulDataLoader(ds, shuffle=True)\n"
        "val_loaders = [DataLoader(a), DataLoader(b)]\n"
        "model = Net.load_from_checkpoint('x.ckpt')\n"
        "trainer = L.Trainer()\ntrainer.fit(model, train_loader, val_loaders)\n"
        "trainer.fit(model, other_loader)\n"
    )
    graph = extraction.trainers[0].fit_graph
    assert graph.model_class == ".models.Net" and graph.unresolved_reason is None  # a relative import
    assert [(r.kind, r.loc.span.start_line) for r in graph.train_loaders] == [("StatefulDataLoader", 5)]
    assert [r.loc.span.start_line for r in graph.val_loaders] == [6, 6]
    assert graph.loc.span.start_line == 9  # the first fit
    assert (1, "models.Net") in extraction.facts["imports"]


def test_graph_of_unknown_values_says_why():
    extraction = _extract(
        "import lightning as L\ndef run(model, loader, **kw):\n"
        "    trainer = L.Trainer()\n    trainer.fit(model, train_dataloaders=loader, **kw)\n"
    )
    graph = extraction.trainers[0].fit_graph
    assert graph.model_class is None and graph.train_given and not graph.train_loaders
    assert "`model` is a parameter of `run()`" in graph.unresolved_reason
    assert "**kwargs" in graph.unresolved_reason
    assert "cannot be followed to its loaders" in graph.unresolved_reason


# -- resolving names across the project ----------------------------------------------------------


def _loc(path, line=1):
    return Loc(path, Span(line, 1, line, 2))


def _facts(*classes):
    facts = ProjectFacts(root=Path("/project"))
    for cls in classes:
        facts.classes.setdefault(cls.name, []).append(cls)
    return facts


def test_hierarchy_walks_bases_in_other_modules_and_cuts_cycles():
    facts = _facts(
        ClassFacts("Child", _loc("a.py"), bases=("b.Mixin", "c.Base")),
        ClassFacts("Mixin", _loc("b.py"), bases=("object",)),
        ClassFacts("Base", _loc("c.py"), bases=("lightning.pytorch.LightningDataModule",), hooks=("train_dataloader",)),
        ClassFacts("Loop", _loc("d.py"), bases=("d.Loop2",)),
        ClassFacts("Loop2", _loc("d.py"), bases=("d.Loop",)),
    )
    chain = fit_graph.hierarchy("a.Child", facts)
    assert [c.name for c in chain.classes] == ["Child", "Mixin", "Base"] and chain.reason is None
    assert chain.defines("train_dataloader") and chain.defines("val_dataloader") is False
    loop = fit_graph.hierarchy("Loop", facts)
    assert [c.name for c in loop.classes] == ["Loop", "Loop2"] and loop.reason is None


def test_a_lightning_demo_class_is_not_lightnings_own_base():
    # BoringModel defines train_dataloader: outside Lightning's repository it is not seen
    facts = _facts(ClassFacts("Net", _loc("a.py"), bases=("lightning.pytorch.demos.boring_classes.BoringModel",)))
    chain = fit_graph.hierarchy("Net", facts)
    assert "`BoringModel` is not a class defined in the project" in chain.reason
    graph = FitGraph(_loc("train.py"), model_class="Net")
    assert fit_graph.fit_loaders(graph, "train", facts).defined is None  # not "no train loader"


def test_hierarchy_reasons():
    facts = _facts(
        ClassFacts("Net", _loc("a.py"), bases=("bolts.BaseModel",)),
        ClassFacts("Data", _loc("x/data.py")),
        ClassFacts("Data", _loc("y/data.py")),
    )
    open_base = fit_graph.hierarchy("Net", facts)
    assert "`BaseModel` is not a class defined in the project" in open_base.reason
    assert open_base.defines("train_dataloader") is None  # the base may define it
    assert "2 classes of the project are named `Data`" in fit_graph.hierarchy("Data", facts).reason
    chosen, why = fit_graph.resolve_class("x.data.Data", facts)
    assert chosen is not None and chosen.loc.path == "x/data.py" and why is None
    relative, why = fit_graph.resolve_class(".data.Data", facts, "y/train.py")
    assert relative is not None and relative.loc.path == "y/data.py" and why is None


def test_train_loaders_of_and_logged_metrics_of():
    facts = _facts(
        ClassFacts("DM", _loc("dm.py"), bases=("base.Base",)),
        ClassFacts(
            "Base",
            _loc("base.py"),
            hooks=("train_dataloader",),
            loaders=(("train", "DataLoader", _loc("base.py", 7)), ("val", "DataLoader", _loc("base.py", 9))),
            metrics=(("val_loss", _loc("base.py", 12)),),
        ),
    )
    assert fit_graph.train_loaders_of("DM", facts) == ([("DataLoader", _loc("base.py", 7))], None)
    assert fit_graph.logged_metrics_of("DM", facts) == ({"val_loss": _loc("base.py", 12)}, None)
    graph = FitGraph(_loc("train.py"), model_class="Net", datamodule_class="DM")
    loader = fit_graph.training_loader(graph, facts, "/project/train.py", ())
    assert loader.resumable is False and loader.cite == "base.py:7, returned by `Base.train_dataloader()`"


def test_reachable_loaders():
    facts = ProjectFacts(root=Path("/p"))
    origin = "/p/examples/a/train.py"
    assert fit_graph.reachable(_loc("examples/a/train.py"), origin, [], facts)
    assert fit_graph.reachable(_loc("examples/a/data.py"), origin, [(0, "data.make")], facts)
    assert fit_graph.reachable(_loc("examples/a/data.py"), origin, [(1, "data.make")], facts)
    assert fit_graph.reachable(_loc("pkg/data/__init__.py"), origin, [(0, "pkg.data.DM")], facts)
    assert fit_graph.reachable(_loc("pkg/data.py"), origin, [(0, "pkg.data")], facts)
    assert not fit_graph.reachable(_loc("examples/b/data.py"), origin, [(0, "data.make")], facts)
    assert not fit_graph.reachable(_loc("pkg/data.py"), origin, [(0, "pkg")], facts)
    assert fit_graph.reachable(_loc("src/pkg/data.py"), origin, [(0, "pkg.data.make")], facts)
    assert not fit_graph.reachable(_loc("examples/fabric/run.py"), origin, [(0, "torch.utils.data")], facts)


# -- the project scan and its cache ---------------------------------------------------------------


def test_class_facts_survive_the_cache(tmp_path):
    write_files(tmp_path, PACKAGE)
    data = (tmp_path / "mnist/base.py").read_bytes()
    fragment = fragment_of(tmp_path / "mnist/base.py", tmp_path, data)
    [base] = fragment.classes["BaseDataModule"]
    assert base.hooks == ("train_dataloader", "val_dataloader")
    assert [(role, kind, loc.span.start_line) for role, kind, loc in base.loaders] == [
        ("train", "DataLoader", 6),
        ("val", "DataLoader", 9),
    ]
    assert decode_fragment(encode_fragment(fragment)).identity() == fragment.identity()
    facts = gather(tmp_path, SettingsResolver(tmp_path, Overrides()))
    assert set(facts.classes) >= {"BaseDataModule", "DigitsDataModule", "Net"}
    assert facts.identity() == gather(tmp_path, SettingsResolver(tmp_path, Overrides())).identity()


def test_lightning_cli_in_python_names_its_classes():
    extraction = _extract(
        "from lightning.pytorch.cli import LightningCLI\nfrom mnist.model import Net\n"
        "class DM:\n    pass\n"
        "LightningCLI(Net, DM, trainer_defaults={'max_epochs': 1})\n"
        "LightningCLI(Net, subclass_mode_model=True, trainer_defaults={'max_epochs': 1})\n"
        "LightningCLI(trainer_defaults={'max_epochs': 1})\n"
    )
    fixed, subclass, configured = (spec.fit_graph for spec in extraction.trainers)
    assert (fixed.model_class, fixed.datamodule_class, fixed.unresolved_reason) == (
        "mnist.model.Net",
        "<local>.DM",
        None,
    )
    assert subclass.model_class is None and "subclass chosen in the config" in subclass.unresolved_reason
    assert configured.model_class is None and "given in the config" in configured.unresolved_reason


def test_a_checkpoint_on_a_trainer_that_only_tests_is_quiet(tmp_path):
    files = {
        "evaluate.py": "import lightning as L\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "from torch.utils.data import DataLoader\n"
        "loader = DataLoader(ds)\n"
        "trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=10)])\n"
        "trainer.test(Net(), dataloaders=loader)\n"
    }
    assert not _codes(lint_files(tmp_path, files, "evaluate.py", select=["LL101"]), "LL101")
    fitting = {
        "evaluate.py": files["evaluate.py"].replace(
            "trainer.test(Net(), dataloaders=loader)", "trainer.fit(Net(), loader)"
        )
    }
    assert _codes(lint_files(tmp_path, fitting, "evaluate.py", select=["LL101"]), "LL101")


def test_classes_of_one_name_in_one_file_are_told_apart(tmp_path):
    # test modules define a `Model` class per test function
    module = """
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader
from torchdata.stateful_dataloader import StatefulDataLoader

def test_stateful():
    class Model(L.LightningModule):
        def train_dataloader(self):
            return StatefulDataLoader(list(range(8)))
    trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=2)])
    trainer.fit(Model())

def test_plain():
    class Model(L.LightningModule):
        def train_dataloader(self):
            return DataLoader(list(range(8)))
    trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=2)])
    trainer.fit(Model())
"""
    found = _codes(lint_files(tmp_path, {"test_models.py": module}, "test_models.py", select=["LL101"]), "LL101")
    assert [d.span.start_line for d in found] == [17]
    assert "returned by `Model.train_dataloader()`" in found[0].message and "test_models.py:16" in found[0].message


def test_a_custom_iterable_with_state_is_resumable(tmp_path):
    files = {
        "train.py": "import lightning as L\nfrom lightning.pytorch.callbacks import ModelCheckpoint\n"
        "from torch.utils.data import DataLoader\nfrom data import StatefulIterable\n"
        "plain = DataLoader(ds)\n"
        "def run(loader):\n"
        "    trainer = L.Trainer(callbacks=[ModelCheckpoint(every_n_train_steps=1)])\n"
        "    trainer.fit(Net(), loader)\n",
        "data.py": "class StatefulIterable:\n    def __iter__(self): ...\n"
        "    def state_dict(self): ...\n    def load_state_dict(self, s): ...\n",
    }
    assert not _codes(lint_files(tmp_path, files, "train.py", select=["LL101"]), "LL101")
