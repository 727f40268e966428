"""Unit tests of discovery.py: which files a run looks at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest

from lightning_lint.linter.discovery import discover, walk_project
from lightning_lint.linter.settings import Overrides, SettingsResolver


def make(root: Path, files: Dict[str, str], git: bool = True) -> Path:
    if git:
        (root / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def found(root: Path, paths=(".",), force_exclude: bool = False, **overrides) -> List[str]:
    result = discover(list(paths), SettingsResolver(root, Overrides(**overrides)), force_exclude=force_exclude)
    return sorted(Path(c.path).as_posix() for c in result.files)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return make(
        tmp_path,
        {
            ".gitignore": "ignored/\n*.log.py\nsecret.py\ngen_*.py\n!gen_keep.py\n/rooted.py\n",
            "train.py": "",
            "config.yaml": "",
            "other.yml": "",
            "UPPER.YAML": "",
            "notes.txt": "",
            "stub.pyi": "",
            "README.md": "",
            "data.json": "",
            "secret.py": "",
            "gen_a.py": "",
            "gen_keep.py": "",
            "x.log.py": "",
            "rooted.py": "",
            "pkg/rooted.py": "",
            "ignored/a.py": "",
            "sub/.gitignore": "local.py\n!secret.py\n",
            "sub/local.py": "",
            "sub/secret.py": "",
            "sub/ok.py": "",
            "node_modules/m.py": "",
            "build/b.py": "",
            "venv/v.py": "",
            ".venv/v.py": "",
            "dist/d.py": "",
            "__pycache__/c.py": "",
            "src/build/x.py": "",
            ".git/hooks/h.py": "",
            ".tox/t.py": "",
            "myenv/pyvenv.cfg": "",
            "myenv/lib/site.py": "",
            "deep/.gitignore": "*.yaml\n",
            "deep/in/a.yaml": "",
            "deep/in/a.py": "",
        },
    )


def test_walk_keeps_python_and_yaml_and_honours_gitignore(repo):
    assert found(repo) == [
        "UPPER.YAML",
        "config.yaml",
        "deep/in/a.py",
        "gen_keep.py",
        "other.yml",
        "pkg/rooted.py",
        "sub/ok.py",
        "sub/secret.py",
        "train.py",
    ]


def test_respect_gitignore_false_keeps_ignored_files_but_not_default_excludes(repo):
    assert found(repo, respect_gitignore=False) == [
        "UPPER.YAML",
        "config.yaml",
        "deep/in/a.py",
        "deep/in/a.yaml",
        "gen_a.py",
        "gen_keep.py",
        "ignored/a.py",
        "other.yml",
        "pkg/rooted.py",
        "rooted.py",
        "secret.py",
        "sub/local.py",
        "sub/ok.py",
        "sub/secret.py",
        "train.py",
        "x.log.py",
    ]


def test_respect_gitignore_false_from_the_configuration(repo):
    make(repo, {"pyproject.toml": "[tool.lightning-lint]\nrespect-gitignore = false\n"})
    assert "secret.py" in found(repo)


def test_gitignore_outside_a_repository_is_not_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path, {".gitignore": "secret.py\n", "secret.py": "", "train.py": ""}, git=False)
    assert found(tmp_path) == ["secret.py", "train.py"]


def test_git_info_exclude_is_honoured(repo):
    make(repo, {".git/info/exclude": "train.py\n"})
    assert "train.py" not in found(repo)


def test_paths_keep_the_spelling_the_user_gave(repo):
    assert found(repo, ["sub"]) == ["sub/ok.py", "sub/secret.py"]
    assert found(repo, ["./sub/"]) == ["sub/ok.py", "sub/secret.py"]
    assert found(repo, [str(repo / "sub")]) == [(repo / "sub/ok.py").as_posix(), (repo / "sub/secret.py").as_posix()]


def test_explicit_files_are_linted_even_when_excluded(repo):
    result = discover(
        ["secret.py", "build/b.py", "notes.txt", "missing.py", "train.py", "train.py"], SettingsResolver(repo)
    )
    assert [(c.path.as_posix(), c.explicit) for c in result.files] == [
        ("secret.py", True),
        ("build/b.py", True),
        ("notes.txt", True),
        ("train.py", True),
    ]
    assert result.missing == ["missing.py"]


def test_force_exclude_drops_excluded_explicit_files(repo):
    paths = ["secret.py", "build/b.py", "myenv/lib/site.py", "sub/local.py", "ignored/a.py", "train.py"]
    assert found(repo, paths, force_exclude=True) == ["train.py"]
    assert found(repo, ["secret.py"], force_exclude=True, respect_gitignore=False) == ["secret.py"]
    assert found(repo, ["train.py"], force_exclude=True, extend_exclude=("train.py",)) == []


def test_extend_exclude(repo):
    assert found(repo, extend_exclude=("sub", "*.yml")) == [
        "UPPER.YAML",
        "config.yaml",
        "deep/in/a.py",
        "gen_keep.py",
        "pkg/rooted.py",
        "train.py",
    ]


def test_symlinked_folders_are_not_followed_but_links_to_files_are(repo):
    os.symlink(repo / "sub", repo / "linked_dir")
    os.symlink(repo / "train.py", repo / "linked.py")
    os.symlink(repo / "nowhere.py", repo / "broken.py")
    files = found(repo)
    assert not any(f.startswith("linked_dir/") for f in files)
    assert "linked.py" in files
    assert "broken.py" in files  # linted, and reported as a broken link (LL901) rather than silently skipped
    # named explicitly, a linked folder is walked
    assert found(repo, ["linked_dir"]) == ["linked_dir/ok.py", "linked_dir/secret.py"]


def test_a_symlink_loop_terminates(repo):
    os.symlink(repo, repo / "sub" / "loop")
    assert "sub/ok.py" in found(repo)


def test_each_file_once_even_when_named_twice(repo):
    files = found(repo, [".", "sub", "sub/ok.py"])
    assert files.count("sub/ok.py") == 1


def test_walk_project_for_project_facts(repo):
    resolver = SettingsResolver(repo)
    python = sorted(p.relative_to(repo).as_posix() for p in walk_project(repo, resolver))
    assert python == ["deep/in/a.py", "gen_keep.py", "pkg/rooted.py", "sub/ok.py", "sub/secret.py", "train.py"]
    text = sorted(p.name for p in walk_project(repo, resolver, accept=lambda name: name.endswith(".txt")))
    assert text == ["notes.txt"]


GIT_TREE = {
    ".gitignore": "*.gen.py\n!keep.gen.py\nout/\n/top_only.py\n**/cache/**\ndocs/*.yaml\n!docs/keep.yaml\ntmp*\n",
    "a.py": "",
    "x.gen.py": "",
    "keep.gen.py": "",
    "top_only.py": "",
    "pkg/top_only.py": "",
    "pkg/x.gen.py": "",
    "out/o.py": "",
    "pkg/out/o.py": "",
    "pkg/cache/c.py": "",
    "cache/deep/c.yaml": "",
    "docs/a.yaml": "",
    "docs/keep.yaml": "",
    "docs/sub/b.yaml": "",
    "tmp_file.py": "",
    "tmpdir/t.py": "",
    "pkg/.gitignore": "!x.gen.py\nlocal_*.py\n",
    "pkg/local_a.py": "",
    "pkg/sub/local_b.py": "",
    "pkg/sub/.gitignore": "!local_b.py\n",
}


def test_gitignore_agrees_with_git(tmp_path, monkeypatch):
    """git itself is the reference for which untracked files are ignored."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    make(tmp_path, GIT_TREE, git=False)
    subprocess.run(["git", "init", "-q", "."], check=True, cwd=tmp_path)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], check=True, cwd=tmp_path, capture_output=True, text=True
    ).stdout.split()
    expected = sorted(name for name in listed if name.endswith((".py", ".yaml")))
    assert found(tmp_path) == expected
    assert "pkg/x.gen.py" in expected and "pkg/sub/local_b.py" in expected  # negations took part
