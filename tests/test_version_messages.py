"""Messages name the release they apply to: the project's target, not "Lightning 2"."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("pin, shown", [("pytorch-lightning==1.8.6\n", "1.8.6"), ("lightning>=2.1\n", "2.6.6")])
def test_max_steps_none_names_the_target(lint, pin, shown):
    found = lint(
        {
            "train.py": "import pytorch_lightning as pl\npl.Trainer(max_epochs=3, max_steps=None)\n",
            "requirements.txt": pin,
        },
        select=["LL006"],
    )
    assert [d.message for d in found] == [f"`max_steps=None` raises `TypeError` in Lightning {shown}: 'no limit' is -1"]


def test_max_steps_none_before_1_7_is_not_judged(lint):
    found = lint(
        {
            "train.py": "import pytorch_lightning as pl\npl.Trainer(max_steps=None)\n",
            "requirements.txt": "pytorch-lightning==1.4.9\n",
        },
        select=["LL006"],
    )
    assert found == []


def test_strategy_gone_before_2_0_is_not_said_removed_in_2_0(lint):
    found = lint(
        {
            "train.py": "import pytorch_lightning as pl\npl.Trainer(strategy='ddp2')\n",
            "requirements.txt": "pytorch-lightning==1.9.5\n",
        },
        select=["LL401"],
    )
    assert [d.message for d in found] == ["`strategy='ddp2'` is gone in Lightning 1.9.5; use `strategy=\"ddp\"`"]
    found = lint(
        {"train.py": "import lightning as L\nL.Trainer(strategy='horovod')\n", "requirements.txt": "lightning>=2\n"},
        select=["LL401"],
    )
    assert "was removed in Lightning 2.0" in found[0].message
