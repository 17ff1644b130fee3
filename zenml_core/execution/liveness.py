"""Whether a ``running`` run is still alive: one policy for every run, constants in one place.

- A run driven by a process on this host is alive exactly as long as that process (its pid
  and start time are recorded, so a reused pid does not count), however long it is silent.
- A run driven from another host is alive while it beats (every ``HEARTBEAT_SECONDS``) and
  reaped after ``ORPHAN_AFTER`` of silence.
- A run submitted to a remote orchestrator and released by its submitter is alive while the
  remote service says so; whoever reads it after it ended closes it, once (the closer claims
  it after ``CLOSING_QUIET`` without beats).

Imports nothing of zenml: the metadata stores use it to reap.
"""

from __future__ import annotations

import datetime
import os
import socket

HEARTBEAT_SECONDS = 10.0
CLOSING_QUIET = datetime.timedelta(seconds=3 * HEARTBEAT_SECONDS)  # three missed beats
ORPHAN_AFTER = datetime.timedelta(seconds=6 * HEARTBEAT_SECONDS)  # six missed beats
RELEASED = datetime.datetime(1970, 1, 1)  # the heartbeat of a run no process follows


def process_started(pid: int) -> int | None:
    """When process ``pid`` on this machine started (clock ticks since boot, from /proc), so
    a recorded pid that the system gave to a new process is not taken for the run's."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return int(handle.read().rpartition(")")[2].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def process_alive(pid: int, started: int | None = None) -> bool:
    """Whether process ``pid`` on this machine is still running (zombies count as ended) and,
    when ``started`` is known, is the process that started then."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return True
    if fields[0] == "Z":
        return False
    return started is None or fields[19] == str(started)


def orphan_reason(
    host: str, pid: int, started: int | None, silent: datetime.timedelta
) -> str | None:
    """Why a ``running`` run that no remote orchestrator follows is dead, or None if it is
    alive (the policy in this module's docstring)."""
    if host == socket.gethostname():
        if process_alive(pid, started):
            return None
        return f"orphaned: its process (pid {pid} on {host}) ended without closing it"
    if silent > ORPHAN_AFTER:
        return f"orphaned: no heartbeat from {host} for {silent.total_seconds():.0f} s"
    return None
