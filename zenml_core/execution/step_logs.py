"""Each step's printed and logged output, kept in the artifact store next to its outputs.

While a step's code runs, what it writes to ``sys.stdout`` and ``sys.stderr`` (``print``,
warnings, tracebacks it prints) and the records the ``logging`` configuration emits are still
shown where they always were, and are also written, line by line and with secrets redacted,
to ``<pipeline>/<run id>/.logs/<step>.log`` in the artifact store. With a store on this
machine the file grows as the step prints (a step that crashes loses nothing it printed; the
dashboard shows it live); with a remote store it is uploaded when each attempt ends, failed
or not. A step that prints nothing writes no file. Retries append to the same log.

The streams are wrapped once per process by a thin tee that routes text to the log of the
step running in the current context (``contextvars``): steps running side by side in threads
each get their own lines. Threads a step starts itself are not followed.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zenml_core.artifact_stores.base import BaseArtifactStore

LOGS_FOLDER = ".logs"
_active: contextvars.ContextVar[StepLog | None] = contextvars.ContextVar(
    "zenml_step_log", default=None
)
_install_lock = threading.Lock()


def step_log_uri(store: BaseArtifactStore[Any], pipeline: str, run_id: str, step: str) -> str:
    """Where the log of ``step`` of run ``run_id`` lives (items ``square[3]`` as ``square-3``)."""
    file_name = step.replace("[", "-").replace("]", "") + ".log"
    return store.uri(pipeline, run_id, LOGS_FOLDER, file_name)


class StepLog:
    """One step's log: complete lines, redacted, appended to a file as they come."""

    def __init__(self, store: BaseArtifactStore[Any], uri: str) -> None:
        self.store, self.uri = store, uri
        self._local = store.local_root() is not None
        self._lock = threading.Lock()
        self._partial: dict[str, str] = {}
        self._file: Any = None
        # a remote store's log is uploaded from here when the step ends (named up front: a
        # step with a timeout prints from a forked child, which appends to the same file)
        self._scratch = (
            None
            if self._local
            else Path(tempfile.gettempdir()) / (f"zenml-step-log-{os.getpid()}-{id(self):x}.log")
        )

    def write(self, text: str, stream: str = "") -> None:
        """Add ``text``; complete lines are written, a partial one waits per ``stream``
        (stdout's unfinished line is not glued to stderr's)."""
        with self._lock:
            lines = (self._partial.get(stream, "") + text).split("\n")
            self._partial[stream] = lines.pop()
            if lines:
                self._append("".join(line + "\n" for line in lines))

    def header(self, text: str) -> None:
        """A line of zenml's own (a retry's attempt number)."""
        self.write(f"--- {text} ---\n")

    def _append(self, text: str) -> None:
        from zenml_core.config.secrets import redact

        if self._file is None:
            path = self._scratch or self.store.local_path(self.uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in finish)
        self._file.write(redact(text))
        self._file.flush()  # in the OS's hands: a crash of this process loses none of it

    def finish(self) -> None:
        """Write what is left of the last line; upload the log to a remote store."""
        with self._lock:
            rest = "".join(partial + "\n" for partial in self._partial.values() if partial)
            self._partial.clear()
            if rest:
                self._append(rest)
            if self._file is not None:
                self._file.close()
                self._file = None
            if self._scratch is not None and self._scratch.exists():
                try:
                    self.store.write_text(self.uri, self._scratch.read_text(encoding="utf-8"))
                finally:
                    self._scratch.unlink(missing_ok=True)


class _Tee:
    """``sys.stdout``/``sys.stderr``: the original stream, plus the current step's log."""

    def __init__(self, original: Any, name: str) -> None:
        self._original, self._name = original, name

    def write(self, text: str) -> int:
        log = _active.get()
        # logging's stream handlers write records that the log gets through _LogHandler
        if log is not None and sys._getframe(1).f_code is not _STREAM_EMIT:
            log.write(text, self._name)
        return int(self._original.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


_STREAM_EMIT = logging.StreamHandler.emit.__code__


class _LogHandler(logging.Handler):
    """Records that reach the root logger's handlers, for the current step's log."""

    def emit(self, record: logging.LogRecord) -> None:
        last = logging.lastResort
        if last is not None and record.levelno >= last.level and not _handled_elsewhere(record):
            last.handle(record)  # what logging does when it has no handler: not prevented
        log = _active.get()
        if log is None:
            return
        try:
            log.write(self.format(record) + "\n", "logging")
        except Exception:
            self.handleError(record)


def _handled_elsewhere(record: logging.LogRecord) -> bool:
    """Whether a handler other than ours sees ``record``: if none does, logging would have
    printed it to stderr itself (its "last resort"), which our handler must not prevent."""
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None:
        if any(handler is not _handler for handler in logger.handlers):
            return True
        logger = logger.parent if logger.propagate else None
    return False


_handler = _LogHandler()
_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))


def _install() -> None:
    """Wrap the streams (again, if something replaced them) and add the logging handler."""
    with _install_lock:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None and not isinstance(stream, _Tee):
                setattr(sys, name, _Tee(stream, name))
        root = logging.getLogger()
        if _handler not in root.handlers:
            root.addHandler(_handler)


@contextmanager
def capturing(log: StepLog) -> Iterator[StepLog]:
    """Send what the code run inside prints and logs to ``log`` as well."""
    _install()
    token = _active.set(log)
    try:
        yield log
    finally:
        _active.reset(token)


def read_step_log(
    store: BaseArtifactStore[Any], pipeline: str, run_id: str, step: str
) -> str | None:
    """The step's log, or None if it printed nothing (or ran before logs were kept)."""
    return store.read_text(step_log_uri(store, pipeline, run_id, step))
