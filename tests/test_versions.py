"""Unit tests of versions.py: which Lightning release a project targets, from its pins."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict

import pytest
from packaging.version import Version

from lightning_lint.linter import versions
from lightning_lint.linter.settings import ConfigError, SettingsResolver
from lightning_lint.model import lightning_api


def project(root: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def target(root: Path, files: Dict[str, str], setting=None) -> versions.TargetVersion:
    return versions.resolve(setting, project(root, files))


@pytest.mark.parametrize(
    "files, version, source",
    [
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['torch', 'lightning[extra]>=2.1,<2.3']\n"},
            "2.2.5",
            "pyproject.toml: <2.3,>=2.1",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['pytorch-lightning==1.9.5']\n"},
            "1.9.5",
            "pyproject.toml: ==1.9.5",
        ),
        (
            {
                "pyproject.toml": "[project]\nname = 'x'\n[project.optional-dependencies]\ntrain = ['pytorch_lightning~=1.6.0']\n"
            },
            "1.6.5",
            "pyproject.toml: ~=1.6.0",
        ),
        ({"pyproject.toml": "[dependency-groups]\ntrain = ['Lightning==2.0.9']\n"}, "2.0.9", "pyproject.toml: ==2.0.9"),
        (
            {"pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.9'\npytorch-lightning = '^1.8'\n"},
            "1.9.5",
            "pyproject.toml: >=1.8,<2.0",
        ),
        (
            {"pyproject.toml": "[tool.poetry.dependencies]\nlightning = {version = '~2.1', extras = ['extra']}\n"},
            "2.1.4",
            "pyproject.toml: >=2.1,<2.2",
        ),
        (
            {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['lightning']\n"},
            lightning_api.NEWEST_KNOWN,
            "pyproject.toml: any version",
        ),
        (
            {"requirements.txt": "torch\n# lightning==1.0\npytorch-lightning==1.9.5 ; python_version > '3'\n"},
            "1.9.5",
            "requirements.txt: ==1.9.5",
        ),
        ({"requirements-dev.txt": "lightning==2.2.0  # pinned\n"}, "2.2.0", "requirements-dev.txt: ==2.2.0"),
        (
            {"requirements/base.txt": "lightning>=2.0,<2.1\n", "requirements.txt": "-r requirements/base.txt\n"},
            "2.0.9",
            "requirements/base.txt: <2.1,>=2.0",
        ),
        ({"requirements.txt": "lightning==1.9.3\n"}, "1.9.3", "requirements.txt: ==1.9.3"),  # between known releases
        ({"requirements.txt": "lightning==2.*\n"}, "2.6.6", "requirements.txt: ==2.*"),
        (
            {"setup.cfg": "[options]\ninstall_requires =\n    numpy\n    pytorch-lightning>=1.5,<1.6\n"},
            "1.5.10",
            "setup.cfg: <1.6,>=1.5",
        ),
        (
            {
                "setup.py": "from setuptools import setup\nsetup(install_requires=['pytorch-lightning == 1.8.6', 'torch'])\n"
            },
            "1.8.6",
            "setup.py: ==1.8.6",
        ),
        (
            {"environment.yml": "dependencies:\n  - python=3.10\n  - pytorch-lightning=1.9\n"},
            "1.9.5",
            "environment.yml: ==1.9.*",
        ),  # conda's `=1.9` means 1.9.*
        ({"environment.yml": "dependencies:\n  - pytorch-lightning=1.9.5\n"}, "1.9.5", "environment.yml: ==1.9.5"),
        (
            {"environment.yaml": "dependencies:\n  - pip:\n    - lightning>=2.3,<2.5\n"},
            "2.4.0",
            "environment.yaml: >=2.3,<2.5",
        ),
    ],
)
def test_target_from_project_pins(tmp_path, files, version, source):
    found = target(tmp_path, files)
    assert found.version == Version(version)
    assert found.source == source
    assert str(found) == version


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"requirements.txt": "torch\nlightning-utilities==0.10\nlightning-bolts>=0.7\npytorch-lightning-bolts==0.3\n"},
        {"setup.py": "setup(install_requires=['lightning-utilities>=0.10', 'torch-lightning-x==1.0'])\n"},
        {"pyproject.toml": "this is [[ not toml\n"},
        {"requirements.txt": "lightning>=99.0\n"},  # nothing known matches: no guess
    ],
)
def test_no_usable_pin_means_the_newest_known_release(tmp_path, files):
    found = target(tmp_path, files)
    assert found is versions.NEWEST
    assert found.version == Version(lightning_api.NEWEST_KNOWN)
    assert found.source == "newest release known to lightning-lint"


def test_conda_package_without_version_is_any_version(tmp_path):
    found = target(tmp_path, {"environment.yml": "dependencies:\n  - python\n  - lightning\n"})
    assert found.version == Version(lightning_api.NEWEST_KNOWN)
    assert found.source == "environment.yml: any version"


def test_pyproject_is_more_authoritative_than_requirements(tmp_path):
    files = {
        "requirements.txt": "lightning>=2.1\n",
        "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['lightning==2.0.0']\n",
    }
    assert target(tmp_path, files).version == Version("2.0.0")
    assert list(versions.find_pins(tmp_path)) == [("pyproject.toml", "==2.0.0"), ("requirements.txt", ">=2.1")]


def test_a_pin_nothing_known_matches_gives_way_to_the_next_file(tmp_path):
    files = {
        "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['lightning>=99']\n",
        "requirements.txt": "pytorch-lightning==1.9.5\n",
    }
    assert target(tmp_path, files).source == "requirements.txt: ==1.9.5"


def test_the_setting_wins_over_the_pins(tmp_path):
    found = target(tmp_path, {"requirements.txt": "pytorch-lightning==1.9.5\n"}, setting="2.1")
    assert found.version == Version("2.1") and found.source == "the target-version setting"
    assert versions.resolve("v1.9.5", None).version == Version("1.9.5")
    assert versions.resolve(None, None) is versions.NEWEST


def test_at_least():
    found = versions.TargetVersion(Version("1.9.5"), "x")
    assert found.at_least("1.9.0") and found.at_least("1.9.5") and not found.at_least("2.0.0")


@pytest.mark.parametrize("text", ["abc", "2.x", "latest", "1.9-beta-what"])
def test_invalid_setting_is_a_clear_error(text):
    with pytest.raises(ValueError, match=r"invalid target-version .*expected a Lightning version such as \"2.6\""):
        versions.parse_version_setting(text)
    with pytest.raises(ValueError):
        versions.resolve(text, None)


def test_invalid_setting_in_a_configuration_file(tmp_path):
    project(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\ntarget-version = 'two'\n"})
    with pytest.raises(ConfigError, match="invalid target-version 'two'"):
        SettingsResolver(tmp_path).for_path(tmp_path / "train.py")
    project(tmp_path, {"pyproject.toml": "[tool.lightning-lint]\ntarget-version = '1.9'\n"})
    assert SettingsResolver(tmp_path).for_path(tmp_path / "train.py").target_version == "1.9"


@pytest.mark.parametrize(
    "spec, version",
    [
        (">=2.0,<2.1", "2.0.9"),
        ("<2", "1.9.5"),
        ("~=1.6", "1.9.5"),
        ("==1.9.3", "1.9.3"),
        ("===1.9.3", "1.9.3"),
        ("", lightning_api.NEWEST_KNOWN),
        (">=99", None),
        ("not a specifier", None),
    ],
)
def test_newest_matching(spec, version):
    found = versions.newest_matching(spec)
    assert found == (Version(version) if version else None)
