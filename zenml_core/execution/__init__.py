"""The runtime between a compiled pipeline and its record: what one run and one step do.

- :mod:`~zenml_core.execution.context`: the run context, step outcomes, the status words.
- :mod:`~zenml_core.execution.cache`: the cache key's recipe and its assembly for a step.
- :mod:`~zenml_core.execution.step_runner`: running (or reusing) one step, wherever it runs.
- :mod:`~zenml_core.execution.lifecycle`: opening, beating for and closing a run; liveness.
- :mod:`~zenml_core.execution.invocation`: the command line of a step run elsewhere.
"""
