"""What a step container runs: ``python -m zenml_docker.entrypoint [--wait-for GO]
--submitter-lock LOCK <the core entrypoint's flags>``.

Around the core step runner it adds two things only containers on the submitter's machine
need. ``--wait-for``: the container starts ahead of its step (imports done, stores open) and
waits for the go file, so Python's start-up overlaps the step before it; ``GO.cancel``
means the step turned out cached and nothing runs. ``--submitter-lock``: the submitting
process holds a lock on this file (in the bind-mounted run folder) for the whole run; when
the lock can be taken the submitter is gone (even killed with SIGKILL), and the container
stops at once instead of finishing its step into a run nobody follows.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from pathlib import Path

WATCH_SECONDS = 0.5
SUBMITTER_GONE = 137  # the exit code of a container stopped for lack of a submitter


def submitter_alive(lock: Path) -> bool:
    """False once nobody holds the lock on ``lock`` (its holder exited or was killed)."""
    try:
        handle = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)  # releases the lock if it was taken
    return False


def _watch(lock: Path) -> None:
    while submitter_alive(lock):
        time.sleep(WATCH_SECONDS)
    print("stopping: the process that submitted this step is gone", file=sys.stderr, flush=True)
    os._exit(SUBMITTER_GONE)


def wait_for(go: Path) -> bool:
    """Wait for ``go`` to appear (True) or ``go.cancel`` (False)."""
    cancel = go.with_name(go.name + ".cancel")
    while True:
        if go.exists():
            return True
        if cancel.exists():
            return False
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare

    parser = StepInvocation.parser(prog="python -m zenml_docker.entrypoint")
    parser.add_argument("--wait-for", type=Path, help="start, then wait for this go file")
    parser.add_argument("--submitter-lock", type=Path, help="stop when nobody holds this lock")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.submitter_lock is not None:
        threading.Thread(target=_watch, args=(args.submitter_lock,), daemon=True).start()
    invocation = StepInvocation.from_arguments(args)
    context = prepare(invocation)
    if args.wait_for is not None and not wait_for(args.wait_for):
        return 0  # started ahead of its step, which then did not need to run here
    return exit_code(execute(context, invocation))


if __name__ == "__main__":
    sys.exit(main())
