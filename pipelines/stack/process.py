"""Detached server processes tracked by pid files, never by name.

A pid file records the pid and a *marker*: a string (the absolute path of the server's own
config or home folder) that must appear in ``/proc/<pid>/cmdline``. A stale pid file whose pid was
reused by another program therefore never makes us report, or stop, someone else's process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# Console logs (JVM stdout/stderr) are appended across starts; roll them past this size.
_MAX_CONSOLE_LOG = 20 * 1024 * 1024

# Processes spawned by this Python process: poll() tells exit for sure and reaps the zombie.
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class PidRecord:
    pid: int
    marker: str
    started_at: float


def spawn(
    argv: list[str],
    *,
    pid_file: Path,
    log_file: Path,
    marker: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> PidRecord:
    """Start ``argv`` in its own session (it outlives the caller), output appended to ``log_file``."""
    if marker not in " ".join(argv):
        raise ValueError(f"marker {marker!r} must appear in the command line")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    if log_file.is_file() and log_file.stat().st_size > _MAX_CONSOLE_LOG:
        log_file.replace(log_file.with_name(log_file.name + ".1"))  # keep one previous run
    with log_file.open("ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,  # Ctrl-C in the terminal that ran `up` must not stop the server
        )
    _children[proc.pid] = proc
    record = PidRecord(pid=proc.pid, marker=marker, started_at=time.time())
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.__dict__))
    tmp.replace(pid_file)
    return record


def read_pid_file(pid_file: Path) -> PidRecord | None:
    try:
        data = json.loads(pid_file.read_text())
        return PidRecord(
            pid=int(data["pid"]), marker=str(data["marker"]), started_at=float(data["started_at"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_alive(record: PidRecord) -> bool:
    """True if the pid runs, is not a zombie, and its command line carries our marker."""
    child = _children.get(record.pid)
    if child is not None:
        # Our own child (e.g. started by this pytest session): its exit status is authoritative.
        return child.poll() is None
    proc = Path(f"/proc/{record.pid}")
    try:
        stat = (proc / "stat").read_text()
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in {"Z", "X"} and record.marker in cmdline


def exit_code(record: PidRecord) -> int | None:
    """The exit status of a process this Python process spawned, if it has exited."""
    child = _children.get(record.pid)
    return child.poll() if child is not None else None


def alive_from_pid_file(pid_file: Path) -> PidRecord | None:
    """The pid file's record if that process is still ours and alive; removes a stale file."""
    record = read_pid_file(pid_file)
    if record is None:
        return None
    if is_alive(record):
        return record
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    return None


def stop(pid_file: Path, *, timeout: float = 30.0) -> PidRecord | None:
    """SIGTERM the recorded process, SIGKILL it after ``timeout``; returns what was stopped."""
    record = alive_from_pid_file(pid_file)
    if record is None:
        return None
    # The JVMs run in their own session: signal only the recorded pid, never a group or a name.
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_alive(record):
        time.sleep(0.2)
    if is_alive(record):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
        kill_deadline = time.monotonic() + 10
        while time.monotonic() < kill_deadline and is_alive(record):
            time.sleep(0.1)
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()
    return record


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log, for error messages."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0
