"""One line per step as a run goes (started; finished in N ms; cached; failed; skipped)."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Reporter:
    """Prints progress lines; ``quiet`` turns them off (benchmarks, library use)."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.quiet = quiet
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        if self.quiet:
            return
        from zenml_core.config.secrets import redact

        with self._lock:
            self.stream.write(redact(text) + "\n")
            self.stream.flush()

    def step(self, step: str, event: str) -> None:
        self.line(f"[{step}] {event}")
