"""A step's code in a child process, stopped when it runs past its timeout."""

from __future__ import annotations

import traceback
from typing import Any

from zenml_core.errors import StepExecutionError
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import StepContext, running


def call_with_timeout(
    step: BaseStep, arguments: dict[str, Any], step_context: StepContext, timeout: float
) -> Any:
    """The step's code in a forked child process, stopped after ``timeout`` seconds: a thread
    cannot be stopped, and a process can be wherever the step runs (this process, a container,
    a task). Its return value and what it logged come back pickled."""
    import multiprocessing
    import pickle

    fork = multiprocessing.get_context("fork")
    reader, writer = fork.Pipe(duplex=False)

    def child() -> None:
        try:
            with running(step_context):
                payload: tuple[Any, ...] = ("value", step.call(**arguments))
            payload += (step_context.metadata, step_context.artifact_metadata)
        except BaseException as exc:  # sent to the parent, which raises it
            text = "".join(traceback.format_exception(exc))
            try:
                pickle.dumps(exc)
                payload = ("error", exc, text)
            except Exception:
                payload = ("error", StepExecutionError(f"{type(exc).__name__}: {exc}"), text)
        try:
            writer.send(payload)
        except Exception as exc:
            writer.send(("unsent", f"{type(exc).__name__}: {exc}"))

    process = fork.Process(target=child, name=f"zenml-step-{step_context.step_name}")
    process.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            raise StepExecutionError(
                f"the step ran longer than its timeout of {timeout:g} s and was stopped"
            )
        try:
            kind, *payload = reader.recv()
        except EOFError:
            process.join()
            raise StepExecutionError(
                f"the step's process (it has a timeout) exited with code {process.exitcode} "
                "before returning"
            ) from None
    finally:
        reader.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "error":
        error: Any = payload[0]  # an exception; notes are shown with its traceback
        error.__notes__ = [
            *getattr(error, "__notes__", []),
            f"in the step's child process:\n{payload[1]}",
        ]
        raise error
    if kind == "unsent":
        raise StepExecutionError(
            f"the step has a timeout, so it runs in a child process, and its return value "
            f"cannot be sent back ({payload[0]}); return picklable values or drop the timeout"
        )
    value, metadata, artifact_metadata = payload
    step_context.metadata.update(metadata)
    for name, logged in artifact_metadata.items():
        step_context.artifact_metadata.setdefault(name, {}).update(logged)
    return value
