"""Shared helpers of compare_gap.py and compare_realistic.py: a pinned engine snapshot, child
processes with their own resource usage, machine and load facts.

The working tree is shared with engineers who edit the engine while benchmarks run, so the
engine under test is a `git archive` of one commit (`--engine-commit`, default HEAD) unpacked
under /tmp and put first on PYTHONPATH of every child: figures name exactly the code they
measured. `--engine-src` uses a directory as it is (e.g. src/ of the working tree).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def engine_snapshot(commit: str = "HEAD", src: str | None = None) -> tuple[Path, str]:
    """A directory with the `hafennetz` package of `commit`, and a label naming it."""
    if src:
        dirty = git("status", "--porcelain", "--", "src/hafennetz/engines/allocation")
        label = f"{git('rev-parse', '--short=10', 'HEAD')} + working tree ({src})"
        if dirty:
            label += " with uncommitted engine changes"
        return Path(src).resolve(), label
    full = git("rev-parse", commit)
    target = Path(tempfile.gettempdir()) / f"hafennetz-engine-{full[:10]}"
    if not (target / "src" / "hafennetz").is_dir():
        tmp = Path(tempfile.mkdtemp(prefix="hafennetz-engine-"))
        archive = subprocess.run(
            ["git", "archive", "--format=tar", full, "src"], cwd=ROOT, capture_output=True
        )
        archive.check_returncode()
        tar_path = tmp / "src.tar"
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tf:
            tf.extractall(tmp, filter="data")
        tar_path.unlink()
        with contextlib.suppress(OSError):  # another run unpacked it meanwhile
            tmp.rename(target)
    subject = git("log", "-1", "--format=%s", full)
    return target / "src", f"{full[:10]} ({subject[:80]})"


def child_env(engine_src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(engine_src), str(Path(__file__).parent), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


@dataclass
class ChildRun:
    returncode: int | None  # None: killed at the timeout
    wall_s: float
    cpu_s: float  # user + system of the child (and its threads)
    peak_rss_mb: float
    stdout: str
    stderr: str
    load_start: float
    load_end: float


def run_child(cmd: list[str], env: dict[str, str], timeout: float) -> ChildRun:
    """Run one child to its end and measure it alone (os.wait4: its own rusage)."""
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = t0 + timeout
        rusage = None
        status = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.send_signal(signal.SIGKILL)
                pid, status, rusage = os.wait4(proc.pid, 0)
                status = None
                break
            time.sleep(0.05)
        wall = time.monotonic() - t0
        proc.returncode = 0  # reaped by wait4; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    code = None if status is None else os.waitstatus_to_exitcode(status)
    return ChildRun(
        returncode=code,
        wall_s=round(wall, 2),
        cpu_s=round(rusage.ru_utime + rusage.ru_stime, 2),
        peak_rss_mb=round(rusage.ru_maxrss / 1024),
        stdout=stdout,
        stderr=stderr,
        load_start=round(load_start, 2),
        load_end=round(os.getloadavg()[0], 2),
    )


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "load_start": [round(x, 2) for x in os.getloadavg()],
    }


def cli_help(engine_src: Path) -> str:
    r = subprocess.run(
        [str(PYTHON), "-m", "hafennetz.cli", "allocate", "--help"],
        env=child_env(engine_src),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return r.stdout + r.stderr
