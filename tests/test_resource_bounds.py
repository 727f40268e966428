"""Peak memory and time stay bounded on large and hostile inputs.

Each run is a fresh ``lightning-lint`` process started by a small wrapper process, which
reports the wall time and ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak resident
memory of the linter alone. The limits are generous (several times what was measured on a
shared 2-core machine, see docs/reliability.md); they catch a blow-up, not a slowdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

MB = 1024 * 1024

WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"returncode": done.returncode, "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "stdout": done.stdout, "stderr": done.stderr}))
"""


def measure(cwd: Path, *args: str) -> Dict:
    command = [
        sys.executable,
        "-c",
        WRAPPER,
        sys.executable,
        "-m",
        "lightning_lint",
        "--no-cache",
        "--output-format",
        "json",
        *args,
    ]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "Traceback" not in report["stderr"], report["stderr"]
    report["findings"] = json.loads(report["stdout"]) if report["stdout"].strip() else []
    return report


def codes_by_file(report: Dict) -> Dict[str, set]:
    found: Dict[str, set] = {}
    for d in report["findings"]:
        found.setdefault(Path(d["path"]).name, set()).add(d["code"])
    return found


def within(report: Dict, seconds: float, peak_mb: float) -> None:
    figures = f"{report['seconds']:.1f} s, {report['peak_mb']:.0f} MB"
    print(f"measured: {figures} (limits {seconds} s, {peak_mb} MB)")  # shown with `pytest -s`
    assert report["seconds"] < seconds, figures
    assert report["peak_mb"] < peak_mb, figures


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'big'\n")
    return tmp_path


HEAD = b"import lightning as L\nL.Trainer(gpus=2).fit(model)\n"


def _fifty_megabytes(path: Path, head: bytes, line: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(head)
        handle.write(line * (50 * MB // len(line) + 1))


def test_fifty_megabyte_files_are_refused_without_being_read(project):
    _fifty_megabytes(project / "huge.py", HEAD, b"# " + b"x" * 97 + b"\n")
    _fifty_megabytes(project / "huge.yaml", b"trainer:\n  gpus: 2\n", b"key: " + b"v" * 94 + b"\n")
    report = measure(project, ".")
    assert report["returncode"] == 1
    assert codes_by_file(report) == {"huge.py": {"LL901"}, "huge.yaml": {"LL901"}}
    assert all("larger than the 4.0 MB limit" in d["message"] for d in report["findings"])
    within(report, seconds=30, peak_mb=250)


@pytest.mark.slow
def test_fifty_megabyte_file_read_when_the_limit_is_raised(project):
    (project / "pyproject.toml").write_text("[project]\nname = 'big'\n[tool.lightning-lint]\nmax-file-size = '64MB'\n")
    _fifty_megabytes(project / "huge.py", HEAD, b"# " + b"x" * 97 + b"\n")
    report = measure(project, ".")
    assert codes_by_file(report) == {"huge.py": {"LL001", "LL302"}}
    within(report, seconds=60, peak_mb=1500)


@pytest.mark.slow
def test_four_megabytes_of_ordinary_code(project):
    """Just under the default size limit, parsed in full: CPython's ast alone takes about
    150 times the file size, which is what the 4 MB default bounds."""
    block = (
        b"\n\nclass Model%d(L.LightningModule):\n    def __init__(self, hidden=%d):\n"
        b"        super().__init__()\n        self.layer = torch.nn.Linear(hidden, 2)\n\n"
        b"    def training_step(self, batch, batch_idx):\n        loss = self.layer(batch).sum()\n"
        b"        self.log('train_loss', loss)\n        return {'loss': loss, 'items': [1, 2, (3, 4)]}\n"
    )
    parts, size, i = [HEAD], len(HEAD), 0
    while size < 4 * MB - 2000:
        part = block % (i, i)
        parts.append(part)
        size += len(part)
        i += 1
    (project / "models.py").write_bytes(b"".join(parts))
    report = measure(project, "models.py")
    assert codes_by_file(report) == {"models.py": {"LL001", "LL302"}}
    within(report, seconds=180, peak_mb=2500)


def test_hostile_nesting_and_yaml_bombs(project):
    files = {
        "parens.py": HEAD + b"x = " + b"(" * 100_000 + b"1" + b")" * 100_000 + b"\n",
        "unary.py": HEAD + b"x = " + b"-" * 1_000_000 + b"1\n",
        "binop.py": HEAD + b"x = 1" + b" + 1" * 300_000 + b"\n",
        "deep_call.py": HEAD + b"x = f" + b"()" * 990 + b"\n",
        "long_line.py": HEAD + b"x = '" + b"a" * (3 * MB) + b"'\n",
        "deep_flow.yaml": b"trainer:\n  callbacks: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "deep_map.yaml": b"trainer:\n  plugins: " + b"{a: " * 100_000 + b"1" + b"}" * 100_000 + b"\n",
        "deep_block.yaml": b"trainer:\n"
        + b"".join(b"  " * (i + 1) + b"k%d:\n" % i for i in range(900))
        + b"  " * 901
        + b"v\n",
        "laughs.yaml": (
            "\n".join(
                ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
            )
            + "\ntrainer:\n  max_epochs: 1\n  callbacks: *a11\n"
        ).encode(),
        # one wide anchor referenced 100000 times: quadratic if every alias were expanded
        "wide_alias.yaml": (
            "base: &b {"
            + ", ".join(f"k{i}: {i}" for i in range(1000))
            + "}\n"
            + "".join(f"r{i}: *b\n" for i in range(100_000))
            + "trainer:\n  max_epochs: 1\n"
        ).encode(),
    }
    if sys.version_info < (3, 12):  # newer syntax sends the file to libcst's (natively recursive) parser
        files["newer_then_deep.py"] = HEAD + b"type X = int\nx = (" + b"-\n" * 200_000 + b"1)\n"
    for name, data in files.items():
        (project / name).write_bytes(data)
    report = measure(project, ".")
    assert report["returncode"] == 1
    found = codes_by_file(report)
    assert found.pop("long_line.py") == {"LL001", "LL302"}
    assert found == {name: {"LL900"} for name in files if name != "long_line.py"}, found
    within(report, seconds=120, peak_mb=1000)
