"""``!!python/...`` tags: LL900 where the config's own loader refuses the file, nothing
where it loads. The claims about jsonargparse and OmegaConf are checked against the
installed releases below."""

from __future__ import annotations

import pytest

from lightning_lint.extract.yaml_tags import OMEGACONF_TAGS

CLI_CONFIG = """
trainer:
  max_epochs: 3
  default_root_dir: !!python/object/apply:pathlib.PosixPath ["/data", "runs"]
model:
  class_path: my.Model
"""

HYDRA_CONFIG = """
defaults:
  - _self_
trainer:
  _target_: lightning.pytorch.Trainer
  max_epochs: 3
  default_root_dir: !!python/object/apply:pathlib.PosixPath ["/data", "runs"]
"""

TAGS = {
    "posix": "!!python/object/apply:pathlib.PosixPath ['/tmp', 'x']",
    "path": "!!python/object/apply:pathlib.Path ['/tmp']",
    "windows": "!!python/object/apply:pathlib.WindowsPath ['c:/']",
    "tuple": "!!python/tuple [1, 2]",
    "name": "!!python/name:os.getcwd ''",
    "object": "!!python/object/new:collections.OrderedDict []",
    "str": "!!python/str abc",
}


def test_lightningcli_refuses_every_python_tag(lint):
    found = lint({"config.yaml": CLI_CONFIG})
    assert [d.code for d in found] == ["LL900"]
    assert "LightningCLI (jsonargparse) cannot load this file" in found[0].message
    assert "trainer.default_root_dir" in found[0].message and found[0].line == 3


def test_hydra_loads_pathlib_and_refuses_the_rest(lint):
    assert lint({"conf/train.yaml": HYDRA_CONFIG}) == []
    tupled = HYDRA_CONFIG.replace('!!python/object/apply:pathlib.PosixPath ["/data", "runs"]', "!!python/tuple [1]")
    found = lint({"conf/train.yaml": tupled})
    assert [d.code for d in found] == ["LL900"] and "OmegaConf (and Hydra)" in found[0].message


def test_yaml_of_no_known_loader_is_left_alone(lint):
    assert lint({"data/meta.yaml": "size: !!python/tuple [1, 2]\nname: x\n"}) == []


@pytest.mark.parametrize("name", sorted(TAGS))
def test_omegaconf_accepts_only_pathlib(name):
    omegaconf = pytest.importorskip("omegaconf")
    text = f"value: {TAGS[name]}\n"
    tag = "tag:yaml.org,2002:" + TAGS[name].split()[0][2:]
    try:
        omegaconf.OmegaConf.create(text)
        loaded = True
    except NotImplementedError:  # WindowsPath on POSIX: the tag loads, the class cannot be built here
        loaded = True
    except Exception:  # noqa: BLE001 - yaml's ConstructorError
        loaded = False
    assert loaded == (tag in OMEGACONF_TAGS), name


@pytest.mark.parametrize("name", sorted(TAGS))
def test_jsonargparse_refuses_every_python_tag(name):
    jsonargparse = pytest.importorskip("jsonargparse")
    parser = jsonargparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--cfg", action="config")
    parser.add_argument("--value", default=None)
    with pytest.raises(BaseException, match="could not determine a constructor"):
        parser.parse_args(["--cfg", f"value: {TAGS[name]}\n"])
