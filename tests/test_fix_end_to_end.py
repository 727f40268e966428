"""`--fix` on a 1.x-style project: every safe fix applied, comments kept, idempotent."""

from __future__ import annotations

import io
import json

from conftest import write_files
from lightning_lint.commands.check import run
from lightning_lint.linter.run import CheckOptions

SCRIPT = '''\
"""Train the model (written for pytorch-lightning 1.6)."""
import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint


def main(model, dm):
    checkpoint = ModelCheckpoint(monitor="val_loss", period=2)  # every other epoch
    trainer = pl.Trainer(
        gpus=2,
        precision=16,  # AMP
        max_epochs=30,
        replace_sampler_ddp=False,
        weights_summary=None,
        checkpoint_callback=True,
        callbacks=[checkpoint],
    )
    trainer.fit(model, datamodule=dm)
'''

CONFIG = """\
# fit config, 1.x era
trainer:
  gpus: 4          # the whole node
  max_epochs: 20
  precision: bf16  # A100s
  replace_sampler_ddp: false
  strategy: fsdp_native
  callbacks:
    - class_path: ModelCheckpoint
      init_args:
        monitor: val_loss
        period: 5
"""

SAFE_CODES = {"LL302", "LL306", "LL401"}


def check(tmp_path, *paths, **options):
    out = io.StringIO()
    code = run(
        CheckOptions(paths=list(paths), color=False, output_format="json", select=("ALL",), **options),
        stdout=out,
        cwd=tmp_path,
    )
    return code, json.loads(out.getvalue()) if out.getvalue().strip().startswith("[") else out.getvalue()


def test_fix_rewrites_python_and_yaml(in_tmp):
    write_files(in_tmp, {"pyproject.toml": "[project]\nname='x'\n", "train.py": SCRIPT, "fit.yaml": CONFIG})
    _, before = check(in_tmp, ".")
    assert {d["code"] for d in before} >= {"LL302", "LL306"}
    check(in_tmp, ".", fix=True)
    script, config = (in_tmp / "train.py").read_text(), (in_tmp / "fit.yaml").read_text()
    compile(script, "train.py", "exec")
    assert 'accelerator="gpu", devices=2,' in script and 'precision="16-mixed",  # AMP' in script
    assert "use_distributed_sampler=False" in script and "enable_model_summary=False" in script
    assert "enable_checkpointing=True" in script and 'ModelCheckpoint(monitor="val_loss", every_n_epochs=2)' in script
    assert "# every other epoch" in script
    assert "  accelerator: gpu\n  devices: 4          # the whole node\n" in config
    assert "precision: bf16-mixed  # A100s" in config and "strategy: fsdp\n" in config
    assert "every_n_epochs: 5" in config and config.startswith("# fit config, 1.x era\n")
    _, after = check(in_tmp, ".")
    left = [d for d in after if d["fix"] and d["fix"]["applicability"] == "safe"]
    assert not left, left
    assert not [d for d in after if d["code"] in SAFE_CODES and d["severity"] == "error"], after
    check(in_tmp, ".", fix=True)
    assert (in_tmp / "train.py").read_text() == script and (in_tmp / "fit.yaml").read_text() == config


def test_unsafe_fixes_only_when_asked(in_tmp):
    write_files(
        in_tmp, {"train.py": "from lightning import Trainer\nt = Trainer(resume_from_checkpoint='a.ckpt')\nt.fit(m)\n"}
    )
    check(in_tmp, "train.py", fix=True)
    assert "resume_from_checkpoint" in (in_tmp / "train.py").read_text()
    check(in_tmp, "train.py", fix=True, unsafe_fixes=True)
    assert (
        in_tmp / "train.py"
    ).read_text() == "from lightning import Trainer\nt = Trainer()\nt.fit(m, ckpt_path='a.ckpt')\n"


def test_values_written_elsewhere_are_not_rewritten(in_tmp):
    tmp_path = in_tmp
    # A module constant or a YAML anchor may be used by other code: the finding is
    # reported, but its fix would change more than this Trainer.
    script = (
        "import lightning as L\nPRECISION = 16\nL.Trainer(max_epochs=3, precision=PRECISION)\nprint(PRECISION * 2)\n"
    )
    config = "trainer:\n  max_epochs: 3\n  precision: &p 16\nfabric:\n  precision: *p\n"
    write_files(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", "train.py": script, "fit.yaml": config})
    _, found = check(tmp_path, "train.py", "fit.yaml", fix=True)
    assert sorted(d["code"] for d in found) == ["LL306", "LL306"]
    assert all(d.get("fix") is None for d in found)
    assert (tmp_path / "train.py").read_text() == script and (tmp_path / "fit.yaml").read_text() == config
