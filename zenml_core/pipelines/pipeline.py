"""The ``@pipeline`` decorator: a function that calls steps becomes a runnable pipeline.

::

    @pipeline
    def training(learning_rate: float = 0.1):
        data = load()
        model = train(data, learning_rate=learning_rate)
        evaluate(model, data)

    run = training(learning_rate=0.05)   # runs on the active stack, returns the finished run
    spec = training.compile()            # the PipelineSpec, without running anything
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from zenml_core.errors import PipelineDefinitionError
from zenml_core.pipelines.spec import PipelineSpec

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun
    from zenml_core.metadata_stores.records import ScheduleRecord
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.pipelines.config import RunConfig
    from zenml_core.pipelines.plan import PlannedStep
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack


# Keywords of Pipeline.run: a pipeline function's parameters cannot use them.
RUN_KEYWORDS = frozenset({"config", "stack", "plugins", "reporter", "run_name"})


class Pipeline:
    """A pipeline function plus its options; call it to run it."""

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        enable_cache: bool = True,
        stack: str | None = None,
        on_failure: Callable[..., Any] | None = None,
        on_success: Callable[..., Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        config_path: str | Path | None = None,
    ) -> None:
        from zenml_core.execution.outcome_hooks import check_hook
        from zenml_core.naming import check_length

        self.function = function
        self.name = check_length("pipeline", name or function.__name__)
        taken = sorted(set(inspect.signature(function).parameters) & RUN_KEYWORDS)
        if taken:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r}: a parameter cannot be named {taken[0]!r} (run() takes "
                f"{taken[0]}= itself); rename it"
            )
        self.enable_cache = enable_cache
        self.stack = stack  # the stack this pipeline runs on unless the run says otherwise
        for kind, hook in (("on_failure", on_failure), ("on_success", on_success)):
            check_hook(f"pipeline {self.name!r}", kind, hook, PipelineDefinitionError)
        self.on_failure = on_failure  # called with the error (and the run) when a run fails
        self.on_success = on_success  # called with the run when a run completes
        self.settings = dict(settings or {})  # for every step, under the step's own
        self.run_name = run_name  # a fixed name or a template ({date}, {time}, ...)
        self.config_path = Path(config_path) if config_path is not None else None
        functools.update_wrapper(self, function)

    def with_options(self, **options: Any) -> Pipeline:
        """A configured copy: any of ``enable_cache``, ``stack``, ``settings`` (merged over
        this pipeline's), ``run_name``, ``config_path`` (a run config file read at each run),
        ``on_failure``, ``on_success``; checked as the decorator checks them."""
        from zenml_core.pipelines.builder import merge_settings

        current = {
            "enable_cache": self.enable_cache, "stack": self.stack, "settings": self.settings,
            "run_name": self.run_name, "config_path": self.config_path,
            "on_failure": self.on_failure, "on_success": self.on_success,
        }  # fmt: skip
        unknown = set(options) - set(current)
        if unknown:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r}: with_options takes {', '.join(sorted(current))}; "
                f"not {', '.join(sorted(unknown))}"
            )
        if "settings" in options:
            options["settings"] = merge_settings(self.settings, options["settings"] or {})
        return Pipeline(self.function, name=self.name, **{**current, **options})

    def _config(self, given: RunConfig | None) -> RunConfig | None:
        """The run's configuration: the one given, else ``config_path``'s."""
        if given is not None or self.config_path is None:
            return given
        from zenml_core.pipelines.config import RunConfig

        return RunConfig.load(self.config_path)

    def _bind(self, parameters: dict[str, Any], *, given_by: str) -> dict[str, Any]:
        try:
            bound = inspect.signature(self.function).bind(**parameters)
        except TypeError as exc:
            raise PipelineDefinitionError(f"pipeline {self.name!r}: {exc}") from None
        self._check_types(parameters, given_by)
        bound.apply_defaults()
        return dict(bound.arguments)

    def _check_types(self, parameters: dict[str, Any], given_by: str) -> None:
        """Parameters must fit the pipeline function's annotations before anything runs."""
        import typing

        from zenml_core.steps.signature import describe_type, value_matches

        try:
            hints = typing.get_type_hints(self.function)
        except Exception:  # an annotation that cannot be resolved is not checked
            return
        from zenml_core.pipelines.builder import StepOutput, StepOutputs

        for name, value in parameters.items():
            if isinstance(value, StepOutput | StepOutputs):
                continue  # an inlined pipeline's input wired from the calling pipeline
            if name in hints and not value_matches(value, hints[name]):
                raise PipelineDefinitionError(
                    f"pipeline {self.name!r}: parameter {name!r} is declared "
                    f"{describe_type(hints[name])}, but {given_by} gives {value!r} "
                    f"({type(value).__name__})"
                )

    def compile(
        self,
        *,
        config: RunConfig | None = None,
        plugins: PluginManager | None = None,
        **parameters: Any,
    ) -> PipelineSpec:
        """Capture the DAG as a validated ``PipelineSpec`` (nothing runs)."""
        return self._build(config=config, plugins=plugins, **parameters)[0]

    def _build(
        self,
        *,
        config: RunConfig | None = None,
        plugins: PluginManager | None = None,
        **parameters: Any,
    ) -> tuple[PipelineSpec, dict[str, Any]]:
        """The spec, and the ``ExternalArtifact`` values it refers to by token."""
        from zenml_core.materializers.registry import MaterializerRegistry
        from zenml_core.pipelines.builder import PipelineBuilder
        from zenml_core.plugin.manager import create_plugin_manager

        plugins = create_plugin_manager() if plugins is None else plugins
        config = self._config(config)
        if config is not None:
            self._check_types(config.parameters, "the run config")
        arguments = self._bind(
            {**(config.parameters if config else {}), **parameters}, given_by="the call"
        )
        enable_cache = self.enable_cache
        if config is not None and config.enable_cache is not None:
            enable_cache = config.enable_cache
        from zenml_core.pipelines.builder import merge_settings

        builder = PipelineBuilder(
            self.name,
            MaterializerRegistry(plugins.registry.materializers),
            config.step_overrides() if config else None,
            settings=merge_settings(self.settings, config.settings if config else {}),
        )
        with builder:
            self.function(**builder.parameters.tag(arguments))
        return builder.spec(parameters=arguments, enable_cache=enable_cache), builder.values

    def run(
        self,
        *,
        config: RunConfig | None = None,
        stack: Stack | str | None = None,
        plugins: PluginManager | None = None,
        reporter: Reporter | None = None,
        run_name: str | None = None,
        **parameters: Any,
    ) -> PipelineRun:
        """Compile and run on ``stack`` (a Stack, or a stack's name: see :meth:`stack_name`)."""
        from zenml_core.errors import PipelineRunFailedError
        from zenml_core.execution.outcome_hooks import call_hook
        from zenml_core.orchestrators.reporting import Reporter
        from zenml_core.pipelines.import_guard import refuse_run_while_importing
        from zenml_core.pipelines.run import run
        from zenml_core.plugin.manager import create_plugin_manager

        refuse_run_while_importing(self.name)
        plugins = create_plugin_manager() if plugins is None else plugins
        config = self._config(config)
        spec, values = self._build(config=config, plugins=plugins, **parameters)
        name_template = run_name or (config.run_name if config else None) or self.run_name
        stack, repository = self._stack(stack, config, plugins)
        reporter = reporter or Reporter()
        try:
            finished = run(
                spec,
                stack=stack,
                plugins=plugins,
                repository=repository,
                reporter=reporter,
                run_name=name_template,
                values=values,
            )
        except PipelineRunFailedError as failed:
            what = f"pipeline {self.name!r}: on_failure"
            call_hook(self.on_failure, what, reporter.line, exception=failed, run=failed.run)
            raise
        what = f"pipeline {self.name!r}: on_success"
        call_hook(self.on_success, what, reporter.line, run=finished)
        return finished

    def plan(
        self,
        *,
        config: RunConfig | None = None,
        stack: Stack | str | None = None,
        plugins: PluginManager | None = None,
        **parameters: Any,
    ) -> list[PlannedStep]:
        """What a run with these parameters would reuse and run, and why (nothing runs)."""
        from zenml_core.pipelines.plan import plan_spec
        from zenml_core.plugin.manager import create_plugin_manager

        plugins = create_plugin_manager() if plugins is None else plugins
        config = self._config(config)
        spec, _ = self._build(config=config, plugins=plugins, **parameters)
        return plan_spec(spec, self._stack(stack, config, plugins)[0])

    def schedule(
        self,
        *,
        cron: str | None = None,
        interval: float | None = None,
        name: str | None = None,
        start: str | None = None,
        end: str | None = None,
        catchup: bool = False,
        timezone: str = "UTC",
        config: RunConfig | None = None,
        stack: Stack | str | None = None,
        plugins: PluginManager | None = None,
        **parameters: Any,
    ) -> ScheduleRecord:
        """Run on a schedule (``cron`` or every ``interval`` seconds) on the stack's
        orchestrator, which must have a scheduler: see :mod:`zenml_core.pipelines.schedule`."""
        from zenml_core.pipelines import schedule
        from zenml_core.plugin.manager import create_plugin_manager
        from zenml_core.repository import Repository

        plugins = create_plugin_manager() if plugins is None else plugins
        config = self._config(config)
        found_stack, repository = self._stack(stack, config, plugins)
        timing = schedule.Timing(
            cron=cron, interval_seconds=interval, timezone=timezone, start=start, end=end,
            catchup=catchup,
        )  # fmt: skip
        return schedule.create(
            self, name=name, timing=timing, stack=found_stack,
            repository=repository or Repository.find(), plugins=plugins, config=config,
            **parameters,
        )  # fmt: skip

    def _stack(
        self, stack: Stack | str | None, config: RunConfig | None, plugins: PluginManager
    ) -> tuple[Stack, Repository | None]:
        """The stack to use (given, or named: see :meth:`stack_name`) and the repository, if
        any (a given stack needs none; the repository only gives the git commit then)."""
        from zenml_core.errors import RepositoryError
        from zenml_core.repository import Repository
        from zenml_core.stack.builder import load_stack

        if stack is None or isinstance(stack, str):
            repository = Repository.find()
            named = self.stack_name(stack, config)
            return load_stack(repository, name=named, plugins=plugins), repository
        try:
            return stack, Repository.find()
        except RepositoryError:
            return stack, None

    def stack_name(self, given: str | None, config: RunConfig | None) -> str | None:
        """Which stack a run uses: the call's (or ``--stack``), the run config's,
        ``$ZENML_STACK``, the decorator's, else (None) the repository's active stack."""
        import os

        from zenml_core.config.environment import STACK_ENV

        configured = config.stack if config is not None else None
        return given or configured or os.environ.get(STACK_ENV) or self.stack

    def __call__(self, **parameters: Any) -> Any:
        """Run on the active stack with these pipeline parameters; called inside another
        pipeline, add this one's steps to it instead (names prefixed ``NAME-``) and return
        what the function returns (its steps' outputs, to wire further)."""
        from zenml_core.pipelines.builder import active_builder

        builder = active_builder()
        if builder is None:
            return self.run(**parameters)
        arguments = self._bind(parameters, given_by="the calling pipeline")
        with builder.inlining(self.name):
            return self.function(**arguments)

    def __repr__(self) -> str:
        return f"<pipeline {self.name}>"


@overload
def pipeline(function: Callable[..., Any], /) -> Pipeline: ...


@overload
def pipeline(
    *,
    name: str | None = None,
    enable_cache: bool = True,
    stack: str | None = None,
    on_failure: Callable[..., Any] | None = None,
    on_success: Callable[..., Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    run_name: str | None = None,
) -> Callable[[Callable[..., Any]], Pipeline]: ...


def pipeline(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    enable_cache: bool = True,
    stack: str | None = None,
    on_failure: Callable[..., Any] | None = None,
    on_success: Callable[..., Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    run_name: str | None = None,
) -> Pipeline | Callable[[Callable[..., Any]], Pipeline]:
    """Turn a function that calls steps into a pipeline: ``@pipeline`` or ``@pipeline(...)``;
    ``stack`` names the stack it runs on (a run's own choice comes first)."""

    def decorate(function: Callable[..., Any]) -> Pipeline:
        return Pipeline(
            function,
            name=name,
            enable_cache=enable_cache,
            stack=stack,
            on_failure=on_failure,
            on_success=on_success,
            settings=settings,
            run_name=run_name,
        )

    return decorate(function) if function is not None else decorate
