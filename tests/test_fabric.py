"""Lightning Fabric: ``Fabric(accelerator, strategy, devices, precision, plugins)`` is read
like a Trainer's arguments, but only the hardware, strategy, precision and plugin rules
(LL305, LL306, LL401-LL405, LL408) judge it; the training-loop rules never do. The shapes
are LitGPT's (``L.Fabric(devices=..., strategy=FSDPStrategy(...), precision=...)`` inside a
``setup`` function, ``fabric.launch(main)``)."""

from __future__ import annotations

import pytest

from lightning_lint.model import lightning_api as data

LITGPT_SETUP = """
import lightning as L
import torch
from lightning.fabric.strategies import FSDPStrategy
from litgpt.model import Block
from litgpt.utils import get_default_supported_precision


def setup(devices: int = 1, precision=None, max_iters: int = 600000):
    precision = precision or get_default_supported_precision(training=True)
    if devices > 1:
        strategy = FSDPStrategy(auto_wrap_policy={Block}, state_dict_type="full", sharding_strategy="HYBRID_SHARD")
    else:
        strategy = "auto"
    fabric = L.Fabric(devices=devices, strategy=strategy, precision=precision)
    fabric.launch(main, max_iters)


def main(fabric, max_iters):
    model = fabric.setup(torch.nn.Linear(2, 2))
    for it in range(max_iters):
        fabric.backward(model(torch.randn(2, 2)).sum())
"""


def codes(found):
    return sorted(d.code for d in found)


def test_litgpt_setup_is_not_a_trainer(lint):
    """A LitGPT-style script: nothing to report, and no training-loop rule (no stop
    condition, checkpoints, ...) fires on a Fabric that Lightning never loops over."""
    assert codes(lint({"pretrain.py": LITGPT_SETUP})) == []


@pytest.mark.parametrize(
    "spelling",
    [
        "import lightning as L\nL.Fabric({args})\n",
        "from lightning.fabric import Fabric\nFabric({args})\n",
        "from lightning import Fabric\nFabric({args})\n",
        "import lightning_fabric as lf\nlf.Fabric({args})\n",
        "from lightning_fabric.fabric import Fabric\nFabric({args})\n",
    ],
)
def test_every_import_of_fabric_is_read(lint, spelling):
    found = lint({"train.py": spelling.format(args="accelerator='CPU'")})
    assert codes(found) == ["LL402"]


def test_bad_values_are_reported_with_fabric_messages(lint):
    found = lint(
        {
            "train.py": (
                "import lightning as L\n"
                "L.Fabric(accelerator='cpu', strategy='ddp_sharded', devices=0, precision='fp16')\n"
                "L.Fabric(accelerator='cpu', precision=16)\n"
                "L.Fabric(accelerator='cpu', strategy='fsdp')\n"
            )
        }
    )
    by_code = {d.code: d.message for d in found}
    assert sorted(by_code) == ["LL305", "LL306", "LL401", "LL403", "LL404", "LL405"]
    assert "not a Fabric strategy" in by_code["LL401"] and "Fabric raises" in by_code["LL401"]
    assert "Fabric raises" in by_code["LL403"]


def test_fabric_strategies_are_fabrics_own(lint):
    """`dp` left the Trainer in 2.0 but is still one of Fabric's strategies."""
    assert codes(lint({"train.py": "import lightning as L\nL.Fabric(strategy='dp', devices=2)\n"})) == []
    assert codes(lint({"train.py": "import lightning as L\nL.Trainer(strategy='dp', max_epochs=1)\n"})) == ["LL401"]


def test_plugins_conflict_names_fabric(lint):
    found = lint(
        {
            "train.py": (
                "import lightning as L\nfrom lightning.fabric.plugins import MixedPrecision\n"
                "L.Fabric(precision='16-mixed', plugins=[MixedPrecision('16-mixed', 'cuda')])\n"
                "L.Fabric(plugins='ddp_sharded')\n"
            )
        }
    )
    assert codes(found) == ["LL408", "LL408"]
    assert all("Fabric raises" in d.message for d in found)


def test_training_loop_rules_never_judge_fabric(lint):
    """Arguments that would trip Trainer rules mean nothing to Fabric's own constructor
    (it has no max_epochs, checkpoints or loops): the call is left to Python."""
    found = lint({"train.py": "import lightning as L\nfabric = L.Fabric(**cfg)\nfabric.launch()\n"})
    assert codes(found) == []


def test_unknown_and_1x_targets_are_left_alone(lint):
    assert codes(lint({"train.py": "import lightning as L\ndef f(s):\n    L.Fabric(strategy=s, precision=s)\n"})) == []
    found = lint({"train.py": "import lightning as L\nL.Fabric(strategy='ddp_sharded')\n"}, target_version="1.9.5")
    assert codes(found) == []


def test_fabric_data_matches_lightning():
    pytest.importorskip("lightning")
    import inspect
    import typing

    import lightning  # noqa: F401 - registers every strategy
    from lightning.fabric import Fabric
    from lightning.fabric.strategies import STRATEGY_REGISTRY

    assert set(STRATEGY_REGISTRY.available_strategies()) | {"auto"} == set(data.FABRIC_STRATEGIES)
    signature = inspect.signature(Fabric.__init__)
    real = {name: p.default for name, p in signature.parameters.items() if name != "self"}
    assert real == data.FABRIC_DEFAULTS
    hints = typing.get_type_hints(Fabric.__init__)
    for name in real:
        admits = type(None) in typing.get_args(hints[name]) or hints[name] is type(None)
        assert data._admits_none(data.parse_type(data.FABRIC_TYPES[name])) == admits, name
    for path in data.FABRIC_PATHS:
        module, _, name = path.rpartition(".")
        found = getattr(__import__(module, fromlist=[name]), name)  # lightning_fabric is the standalone copy
        assert found.__qualname__ == "Fabric" and found.__module__.endswith("fabric.fabric"), path


@pytest.mark.parametrize(
    ("call", "code"),
    [("strategy=None", "LL401"), ("accelerator=None", "LL402"), ("devices=None", "LL404")],
)
def test_none_where_lightning_2_requires_a_value(lint, call, code):
    for ctor in ("L.Trainer(max_epochs=1, {})", "L.Fabric({})"):
        found = lint({"train.py": "import lightning as L\n" + ctor.format(call) + "\n"})
        assert codes(found) == [code], ctor
        assert "takes no None in Lightning 2.6.6" in found[0].message
    pinned = lint(
        {
            "train.py": "import lightning as L\nL.Trainer(max_epochs=1, " + call + ")\n",
            "requirements.txt": "lightning==1.9.5\n",
        }
    )
    assert codes(pinned) == []


def test_none_where_lightning_accepts_it(lint):
    found = lint(
        {
            "train.py": "import lightning as L\nL.Trainer(precision=None, max_epochs=None, max_time=None, plugins=None)\n"
            "L.Fabric(precision=None, plugins=None, loggers=None)\n"
        }
    )
    assert [d.code for d in found if d.code.startswith(("LL3", "LL4"))] == []
