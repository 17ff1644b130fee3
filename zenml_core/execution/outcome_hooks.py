"""Users' hooks on outcomes: ``@step(on_failure=f, on_success=g)`` and the same on
``@pipeline``, as ZenML users write them.

A hook takes what it names: ``exception`` (or ``error``) gets the failure, ``run`` the
finished run (pipeline hooks), ``context`` the step's context (step hooks; ``step_context()``
works too); a hook without parameters is called without. A hook that raises is reported on
the run's output and in a warning: it never changes the outcome it was called for.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

_ALIASES = {"error": "exception"}


def check_hook(owner: str, kind: str, hook: Any, error: type[Exception]) -> None:
    """A hook must be callable and take only names a hook is given: ``error`` is raised when
    the step or pipeline is defined, not when the hook is due."""
    if hook is None:
        return
    if not callable(hook):
        raise error(f"{owner}: {kind} must be a function, got {type(hook).__name__}")
    for name in inspect.signature(hook).parameters:
        if _ALIASES.get(name, name) not in ("exception", "run", "context"):
            raise error(
                f"{owner}: {kind} hook {getattr(hook, '__name__', hook)!r} takes {name!r}; a "
                "hook may take exception, run and context"
            )


def call_hook(
    hook: Callable[..., Any] | None, kind: str, report: Callable[[str], None], **available: Any
) -> None:
    """Call ``hook`` with the arguments it names from ``available``; report a failure."""
    if hook is None:
        return
    names = inspect.signature(hook).parameters
    arguments = {name: available.get(_ALIASES.get(name, name)) for name in names}
    try:
        hook(**arguments)
    except Exception as exc:
        name = getattr(hook, "__name__", "hook")
        message = f"{kind} hook {name!r} failed: {type(exc).__name__}: {exc}"
        report(message)
        warnings.warn(message, stacklevel=2)
