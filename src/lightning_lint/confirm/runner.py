"""The parent side of the probe run: start the entry point in its own process group,
follow the probe's events (for the progress display), enforce the timeout, and make
sure nothing of the child survives (DataLoader workers, processes it started)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

PROBE = Path(__file__).resolve().parent / "probe.py"
POLL_SECONDS = 0.1
GRACE_SECONDS = 3.0
TAIL_BYTES = 8000

# What the progress display says after each probe event.
STAGES = {
    "start": "starting Python",
    "running": "running the entry point",
    "lightning": "running the entry point (Lightning is imported)",
    "trainer": "building the Trainer",
    "trainer_built": "running the entry point up to fit",
    "fit": "dry fit: setting up the data",
    "measured": "dry fit: running a few batches",
    "fit_done": "done",
}


@dataclass
class ProbeRun:
    """What came back from one run of the entry point."""

    events: List[Dict[str, Any]] = field(default_factory=list)
    returncode: Optional[int] = None
    timed_out: bool = False
    seconds: float = 0.0
    stdout_tail: str = ""
    stderr_tail: str = ""
    command: List[str] = field(default_factory=list)

    def of(self, kind: str) -> List[Dict[str, Any]]:
        return [e for e in self.events if e.get("event") == kind]

    def first(self, kind: str) -> Optional[Dict[str, Any]]:
        found = self.of(kind)
        return found[0] if found else None

    @property
    def stage(self) -> str:
        """The last thing the entry point was seen doing."""
        for event in reversed(self.events):
            stage = STAGES.get(event.get("event", ""))
            if stage:
                return stage
        return "starting Python"


class Progress:
    """One self-rewriting status line on an interactive terminal; silent otherwise."""

    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.started = time.monotonic()
        self.text = "starting"
        self.tick = 0
        self.shown = False

    def update(self, text: Optional[str] = None) -> None:
        if text:
            self.text = text
        if not self.enabled:
            return
        self.tick += 1
        elapsed = time.monotonic() - self.started
        frame = self.FRAMES[(self.tick // 2) % len(self.FRAMES)]
        self.stream.write(f"\r\x1b[K{frame} lightning-lint confirm: {self.text} ({elapsed:.0f}s)")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def interactive(stream: TextIO) -> bool:
    return (
        hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("CI")
    )


def run_probe(
    python: str, config: Dict[str, Any], workdir: Path, timeout: float, cwd: Path, progress: Optional[Progress] = None
) -> ProbeRun:
    """Run the entry point under the probe; ``workdir`` is a private temporary folder."""
    from lightning_lint.confirm import notebook

    notebook_run = notebook.prepare(config, workdir)  # a notebook runs as the script of its cells
    if notebook_run is not None:
        config, cwd = notebook_run.config, notebook_run.cwd
    results = workdir / "events.jsonl"
    config = dict(config, results=str(results), tmpdir=str(workdir))
    config_file = workdir / "probe.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    results.touch()
    env = dict(os.environ)
    env.update(
        {
            "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ folders in the user's tree
            "PYTHONUNBUFFERED": "1",
            "WANDB_MODE": "disabled",  # a WandbLogger built by the script must not start a run
            "WANDB_DIR": str(workdir),
        }
    )
    command = [python, str(PROBE), str(config_file)]
    run = ProbeRun(command=command)
    progress = progress or Progress(sys.stderr, False)
    started = time.monotonic()
    with (
        open(workdir / "stdout.txt", "wb") as out,
        open(workdir / "stderr.txt", "wb") as err,
        open(results, "rb") as feed,
    ):
        popen_kwargs: Dict[str, Any] = {}
        if os.name == "posix":
            popen_kwargs["start_new_session"] = True  # its own process group, killed as a whole
        else:
            popen_kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        process = subprocess.Popen(
            command, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, **popen_kwargs
        )
        pending = b""
        try:
            while True:
                pending = _read_events(feed, pending, run, progress)
                if process.poll() is not None:
                    break
                if time.monotonic() - started > timeout:
                    run.timed_out = True
                    break
                progress.update()
                time.sleep(POLL_SECONDS)
        finally:
            _stop_group(process)
        _read_events(feed, pending, run, progress, final=True)
    run.returncode = process.returncode
    run.seconds = time.monotonic() - started
    run.stdout_tail = _tail(workdir / "stdout.txt")
    run.stderr_tail = _tail(workdir / "stderr.txt")
    if notebook_run is not None:
        notebook_run.remap(run)
    return run


def _read_events(feed: Any, pending: bytes, run: ProbeRun, progress: Progress, final: bool = False) -> bytes:
    data = pending + feed.read()
    lines = data.split(b"\n")
    pending = b"" if final else lines.pop()
    for line in lines:
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8", errors="replace"))
        except ValueError:
            continue
        if isinstance(event, dict):
            run.events.append(event)
            progress.update(STAGES.get(event.get("event", "")))
    return pending


def _stop_group(process: "subprocess.Popen[bytes]") -> None:
    """End the child and everything in its process group: SIGTERM, a grace period,
    then SIGKILL. Called after a normal exit too, for leftover worker processes."""
    if os.name != "posix":
        if process.poll() is None:
            process.kill()
        process.wait()
        return
    pgid = process.pid  # start_new_session made the child the leader of its own group
    if process.poll() is None:
        _signal_group(pgid, signal.SIGTERM)
        try:
            process.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    _signal_group(pgid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - TAIL_BYTES))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
