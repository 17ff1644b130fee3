"""The ``@step`` decorator: a typed function becomes a step."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, overload

from zenml_core.steps.base import BaseStep
from zenml_core.steps.signature import StepSignature, check_reserved, read_signature


class FunctionStep(BaseStep):
    """A step made from a function by ``@step``; calling ``.entrypoint`` runs the function."""

    CARRIES_HOOKS = True  # the module attribute the runner imports is this very object

    def __init__(self, function: Callable[..., Any], **options: Any) -> None:
        self.function = function  # first: the base class names the step after it
        super().__init__(**options)
        functools.update_wrapper(self, function)
        # Refused as the step is defined, not when a pipeline first calls it.
        check_reserved(self.name, list(inspect.signature(function).parameters))

    @property
    def name(self) -> str:
        return self._name or self.function.__name__

    @property
    def signature(self) -> StepSignature:
        if self._signature is None:
            self._signature = read_signature(self.function, step_name=self.name, skip_self=False)
        return self._signature

    @property
    def code_object(self) -> Any:
        return self.function

    @property
    def loadable(self) -> Any:
        return self  # the module attribute named like the function is this object

    def entrypoint(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


@overload
def step(function: Callable[..., Any], /) -> FunctionStep: ...


@overload
def step(
    *,
    name: str | None = None,
    enable_cache: bool | None = None,
    materializers: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    on_failure: Callable[..., Any] | None = None,
    on_success: Callable[..., Any] | None = None,
    retries: int = 0,
    retry_delay: float = 0.0,
    retry_backoff: float = 1.0,
    timeout: float | None = None,
    resources: str | None = None,
) -> Callable[[Callable[..., Any]], FunctionStep]: ...


def step(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    enable_cache: bool | None = None,
    materializers: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    on_failure: Callable[..., Any] | None = None,
    on_success: Callable[..., Any] | None = None,
    retries: int = 0,
    retry_delay: float = 0.0,
    retry_backoff: float = 1.0,
    timeout: float | None = None,
    resources: str | None = None,
) -> FunctionStep | Callable[[Callable[..., Any]], FunctionStep]:
    """Turn a typed function into a step: ``@step`` or ``@step(enable_cache=False, ...)``.

    Inputs wired from another step's output are artifacts; inputs given plain values (or left
    at their defaults) are parameters, recorded with the run and part of the cache key.
    ``retries`` (with ``retry_delay`` seconds, times ``retry_backoff`` after each attempt) runs
    it again after a failure; ``timeout`` (seconds) stops an attempt that runs longer.
    ``resources`` ("light", "cpu" or "memory") says what the step mostly uses, for how many
    steps run at once (default: "memory" for steps with arrays or tables, else "light").
    """

    def decorate(function: Callable[..., Any]) -> FunctionStep:
        return FunctionStep(
            function,
            name=name,
            enable_cache=enable_cache,
            materializers=materializers,
            settings=settings,
            on_failure=on_failure,
            on_success=on_success,
            retries=retries,
            retry_delay=retry_delay,
            retry_backoff=retry_backoff,
            timeout=timeout,
            resources=resources,
        )

    return decorate(function) if function is not None else decorate
