"""A warm run trusts an unchanged file's signature (``cache.signature``) and reads nothing
it need not; the project facts are cached per file the same way, and the tree is walked once.

``RACY_SECONDS`` is set below zero here, so that the files a test has just written count
as settled (a real run does not trust a file changed in the last two seconds; the last
test checks that). Every warm result is compared with a run without the cache.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import List

import pytest

from conftest import write_files
from lightning_lint.linter import cache, discovery, project_facts, runner
from lightning_lint.linter.discovery import discover, facts_file, walk_project
from lightning_lint.linter.settings import Overrides, SettingsResolver
from test_cache import PROJECT, TRAIN, check, edit, relinted

MODULE = """\
import lightning as L

class Net(L.LightningModule):
    def training_step(self, batch, batch_idx):
        loss = batch.sum()
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", batch.sum())
"""
MONITOR = """\
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

from model import Net

trainer = L.Trainer(max_epochs=3, callbacks=[ModelCheckpoint(monitor="val_loss")])
trainer.fit(Net())
"""


@pytest.fixture
def settled(monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", -3600)


@pytest.fixture
def project(in_tmp, settled):
    write_files(in_tmp, PROJECT)
    return in_tmp


def reads(monkeypatch) -> List[str]:
    """The files the runner and the facts scan read from now on."""
    seen: List[str] = []
    real_read = runner.read_bytes

    def read_bytes(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real_read(path, *args, **kwargs)

    def opened(path, *args, **kwargs):
        seen.append(Path(path).name)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(runner, "read_bytes", read_bytes)
    monkeypatch.setattr(project_facts, "open", opened, raising=False)
    return seen


def cached_entries(root: Path) -> dict:
    (path,) = (root / cache.DEFAULT_DIR).glob("*/*.json")
    return json.loads(path.read_text())


def test_a_warm_run_reads_only_the_files_it_reports_on(project, monkeypatch):
    uncached = check(project, no_cache=True)[1]
    _, cold = check(project)
    seen = reads(monkeypatch)
    run, warm = check(project)
    assert warm == cold == uncached
    assert run.cache_misses == 0
    reported = {Path(d["path"]).name for d in json.loads(warm)}
    # a file with findings is read for the report's snippets; nothing else is read
    assert set(seen) - {"facts.json"} <= reported, set(seen) - reported
    assert "utils.py" not in seen and "data.py" not in seen


def test_a_changed_logged_metric_is_seen_by_the_warm_run(in_tmp, settled):
    write_files(in_tmp, {"pyproject.toml": "[project]\nname = 'x'\n", "model.py": MODULE, "train.py": MONITOR})
    _, before = check(in_tmp)
    assert not any("monitors" in d["message"] for d in json.loads(before))
    check(in_tmp)  # warm: facts from the cache
    edit(in_tmp, "model.py", MODULE.replace('"val_loss"', '"val/loss"'))
    run, after = check(in_tmp)
    assert after == check(in_tmp, no_cache=True)[1]
    found = [d for d in json.loads(after) if d["path"] == "train.py" and "monitors 'val_loss'" in d["message"]]
    assert found and "did you mean 'val/loss'" in found[0]["message"], after
    assert relinted(run) == {"model.py", "train.py"}
    # and back: the old name again, the finding goes
    edit(in_tmp, "model.py", MODULE)
    _, again = check(in_tmp)
    assert again == before


def test_a_deleted_file_leaves_the_facts_and_the_cache(project):
    _, before = check(project)
    assert any(d["code"] == "LL101" for d in json.loads(before))  # data.py's plain DataLoader
    (project / "data.py").unlink()
    _, after = check(project)
    assert after == check(project, no_cache=True)[1]
    assert not any(d["code"] == "LL101" for d in json.loads(after))
    entries = cached_entries(project)
    assert not any(key.endswith(os.sep + "data.py") for key in entries["results"])
    assert not any(key.endswith(os.sep + "data.py") for key in entries["fragments"])
    # every Python file of the project has a facts entry (also those contributing nothing)
    assert any(key.endswith(os.sep + "utils.py") for key in entries["fragments"])


def test_a_settings_change_invalidates_signed_entries(project):
    check(project)
    run, _ = check(project)
    assert run.cache_misses == 0
    edit(project, "pyproject.toml", "[project]\nname = 'example'\n\n[tool.lightning-lint]\nignore = ['LL101']\n")
    run, text = check(project)
    assert run.cache_hits == 0
    assert text == check(project, no_cache=True)[1]
    assert not any(d["code"] == "LL101" for d in json.loads(text))


def test_a_touched_file_is_read_once_then_trusted_again(project, monkeypatch):
    check(project)
    later = time.time() + 50
    os.utime(project / "utils.py", (later, later))
    seen = reads(monkeypatch)
    run, _ = check(project)
    assert run.cache_misses == 0  # same content: the cached result holds
    assert "utils.py" in seen
    seen.clear()
    check(project)
    assert "utils.py" not in seen


def test_an_edit_with_the_same_size_is_seen(project):
    check(project)
    edit(project, "other.py", "import lightning as L\nL.Trainer(max_epochs=3, gpus=1)\n")
    check(project)
    edit(project, "other.py", "import lightning as L\nL.Trainer(max_epochs=4, gpus=1)\n")
    run, second = check(project)
    assert relinted(run) == {"other.py"}
    assert second == check(project, no_cache=True)[1]


def test_a_file_changed_in_the_last_seconds_is_not_trusted(tmp_path):
    fresh = tmp_path / "fresh.py"
    fresh.write_text("x = 1\n")
    assert cache.signature(str(fresh)) is None  # just written: hashed next time, not trusted
    assert cache.signature(str(tmp_path)) is None  # a folder
    assert cache.signature(str(tmp_path / "missing.py")) is None


def test_a_recently_edited_file_is_relinted_although_its_signature_was_stored(project, monkeypatch):
    """The guard for edits faster than the clock: the default RACY_SECONDS."""
    check(project)
    monkeypatch.setattr(cache, "RACY_SECONDS", 2)
    path = project / "other.py"
    stat = path.stat()
    path.write_text("import lightning as L\nL.Trainer(max_epochs=3, gpus=7)\n")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old modification time
    run, text = check(project)
    assert "other.py" in relinted(run)  # its change time moved: not trusted
    assert text == check(project, no_cache=True)[1]


# -- one walk -------------------------------------------------------------------------------


def test_discovery_lists_the_facts_files_of_the_walked_project(tmp_path):
    root = tmp_path
    write_files(
        root,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            ".gitignore": "ignored/\n",
            "train.py": "x = 1\n",
            "run.sh": "python train.py -c a.yaml -c b.yaml\n",
            "docs/usage.md": "text\n",
            "conf/a.yaml": "a: 1\n",
            "ignored/gone.py": "x = 1\n",
            "nested/pyproject.toml": "[project]\nname = 'y'\n",
            "nested/inner.py": "x = 1\n",
            "pkg/sub/mod.py": "x = 1\n",
            "pkg/notes.txt": "x\n",
            "pkg/image.png": "x\n",
        },
    )
    (root / ".git").mkdir()
    resolver = SettingsResolver(root, Overrides())
    found = discover([str(root)], resolver, facts_accept=facts_file)
    listing = found.listings[Path(os.path.abspath(root))]
    walked = [
        str(p)
        for p in walk_project(Path(os.path.abspath(root)), SettingsResolver(root, Overrides()), accept=facts_file)
    ]
    assert listing == walked
    names = {Path(p).relative_to(root).as_posix() for p in listing}
    assert {"train.py", "run.sh", "docs/usage.md", "conf/a.yaml", "pkg/sub/mod.py", "pkg/notes.txt"} <= names
    assert not names & {"ignored/gone.py", "nested/inner.py", "pkg/image.png"}
    # the lint candidates are what they were: nested projects are linted, text files are not
    linted = {Path(c.path).relative_to(root).as_posix() for c in found.files}
    assert "nested/inner.py" in linted and "run.sh" not in linted and "ignored/gone.py" not in linted
    # a folder that is not a project root gets no listing (its facts cover more than the walk)
    assert discover([str(root / "pkg")], resolver, facts_accept=facts_file).listings == {}
    assert discover([str(root)], resolver).listings == {}


def test_a_run_walks_the_tree_once(project, monkeypatch):
    def no_second_walk(*args, **kwargs):
        raise AssertionError("the facts walked the tree again")

    monkeypatch.setattr(project_facts, "walk_project", no_second_walk)
    walks: List[str] = []
    real_walk = discovery._walk_names

    def counting_walk(top, *args, **kwargs):
        walks.append(str(top))
        return real_walk(top, *args, **kwargs)

    monkeypatch.setattr(discovery, "_walk_names", counting_walk)
    _, text = check(project, no_cache=True)
    assert any(d["code"] == "LL101" for d in json.loads(text))  # the facts were needed
    assert len(walks) == 1


def test_a_sequential_cold_run_parses_each_file_once(in_tmp, monkeypatch):
    """The facts are gathered after the other files, from their fragments: a file that
    the lint parsed is not parsed again for the facts."""
    write_files(in_tmp, dict(PROJECT, **{"a_train.py": TRAIN}))  # needs the facts before data.py is linted
    parsed_for_facts: List[str] = []
    real = project_facts.fragment_of

    def fragment_of(path, root, data):
        parsed_for_facts.append(Path(path).name)
        return real(path, root, data)

    monkeypatch.setattr(project_facts, "fragment_of", fragment_of)
    _, text = check(in_tmp, no_cache=True, jobs=1)
    assert sum(1 for d in json.loads(text) if d["code"] == "LL101") == 2
    assert parsed_for_facts == []


def test_a_hydra_config_folder_listing_follows_new_files(tmp_path):
    from lightning_lint.model import dependencies

    write_files(tmp_path, {"a.yaml": "a: 1\n", "b.yml": "b: 1\n", "c.txt": "x\n"})
    old = time.time() - 60
    os.utime(tmp_path, (old, old))  # a settled folder: its listing is remembered
    assert [p.name for p in dependencies.yaml_files(tmp_path)] == ["a.yaml", "b.yml"]
    (tmp_path / "d.yaml").write_text("d: 1\n")  # moves the folder's modification time
    assert [p.name for p in dependencies.yaml_files(tmp_path)] == ["a.yaml", "b.yml", "d.yaml"]
    (tmp_path / "a.yaml").unlink()
    assert [p.name for p in dependencies.yaml_files(tmp_path)] == ["b.yml", "d.yaml"]


def test_a_pool_parses_the_facts_only_files_and_reports_the_same(in_tmp, monkeypatch):
    """model.py names no Trainer, callback or loader (not linted past the prefilter) but
    logs the metrics: the pool parses it for the facts before they are gathered."""
    files = {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "model.py": MODULE.replace('"val_loss"', '"val/loss"'),
        "other.py": MODULE.replace("Net", "Other").replace('"val_loss"', '"val_acc"'),
    }
    for index in range(4):
        files[f"train_{index}.py"] = MONITOR
    write_files(in_tmp, files)
    parsed: List[str] = []  # in this process (a worker's calls are not seen here)
    real = project_facts.fragment_of

    def fragment_of(path, root, data):
        parsed.append(Path(path).name)
        return real(path, root, data)

    monkeypatch.setattr(project_facts, "fragment_of", fragment_of)
    _, pooled = check(in_tmp, no_cache=True, jobs=2)
    # no file parsed twice for the facts in this process; the training scripts matter to
    # the facts too (their `fit` calls, see model/facts.py)
    assert len(parsed) == len(set(parsed)), parsed
    _, sequential = check(in_tmp, no_cache=True, jobs=1)
    assert pooled == sequential
    assert sum(1 for d in json.loads(pooled) if "monitors 'val_loss'" in d["message"]) == 4
    _, cached_cold = check(in_tmp, jobs=2)
    _, cached_warm = check(in_tmp, jobs=2)
    assert cached_cold == cached_warm == sequential


def test_a_base_init_given_a_call_is_cached_without_a_traceback(in_tmp, settled):
    # The shape of NeMo's optimizers: `__init__` puts a call into `**kwargs` (and passes one
    # by keyword) before handing them to the base. The project facts must stay plain data.
    optimizer = """\
from apex.optimizers import DistributedFusedAdam

class FusedAdam(DistributedFusedAdam):
    def __init__(self, params, lr=1e-3, **kwargs):
        kwargs["process_group"] = make_group()
        kwargs.setdefault("dtype", to_dtype("bf16"))
        super().__init__(params, lr=lr, foreach=choose(), **kwargs)
"""
    files = {"pyproject.toml": "[project]\nname = 'x'\n", "model.py": MODULE + "\n" + optimizer, "train.py": MONITOR}
    write_files(in_tmp, files)
    _, cold = check(in_tmp)
    run, warm = check(in_tmp)
    assert warm == cold == check(in_tmp, no_cache=True)[1]
    assert run.cache_misses == 0  # the cache was written and read back
    fragments = [entry[1] for entry in cached_entries(in_tmp)["fragments"].values() if entry[1]]
    (info,) = [i for f in fragments for i in f["inits"].get("FusedAdam", [])]
    assert "process_group" in info["computed"] and "foreach" in info["computed"]
    assert info["fixed"] == [] and info["param_defaults"] == [["lr", 0.001]]  # not the call in `dtype`


@pytest.mark.parametrize("package", ["extract", "model", "linter", "rules", "report"])
def test_the_code_fingerprint_covers_every_package_of_the_tool(tmp_path, monkeypatch, package):
    # an editable install whose extractor changed must not reuse the old code's findings
    import lightning_lint

    root = tmp_path / "lightning_lint"
    for name in ("extract", "model", "linter", "rules", "report"):
        (root / name).mkdir(parents=True)
        (root / name / "module.py").write_text("x = 1\n")
    (root / "__init__.py").write_text("")
    (root / "__pycache__").mkdir()
    monkeypatch.setattr(lightning_lint, "__file__", str(root / "__init__.py"))
    before = cache.code_fingerprint()
    (root / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"compiled")  # not code
    assert cache.code_fingerprint() == before
    (root / package / "module.py").write_text("x = 22\n")
    assert cache.code_fingerprint() != before


def test_the_facts_of_a_warm_run_are_those_of_the_cold_run(in_tmp, settled):
    # the fit facts (a helper that fits its parameter, a function whose result is fit) are
    # cached with each file's fragment: a warm run's facts equal the cold run's, so the
    # files whose findings depend on the facts are not linted again
    helper = "def train(trainer, model):\n    trainer.fit(model)\n\ndef build():\n    return make()\n"
    script = (
        "import lightning as L\nfrom helpers import train, build\n\n"
        "trainer = L.Trainer(max_steps=100, callbacks=[ModelCheckpoint(every_n_train_steps=10)])\n"
        "train(trainer, Net())\nbuild().fit(Net())\n"
    )
    files = {"pyproject.toml": "[project]\nname = 'x'\n", "helpers.py": helper, "model.py": MODULE}
    files.update({f"run_{n}.py": script for n in range(3)})
    write_files(in_tmp, files)
    _, cold = check(in_tmp)
    run, warm = check(in_tmp)
    assert warm == cold and run.cache_misses == 0, relinted(run)
    entries = cached_entries(in_tmp)["fragments"]
    (fragment,) = [entry[1] for key, entry in entries.items() if key.endswith("helpers.py")]
    assert fragment["fitting"] == {"helpers.train": ["0", "trainer"]}
