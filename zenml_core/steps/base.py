"""``BaseStep``: what every step is, whether written as a function or as a class.

A class-based step subclasses ``BaseStep`` (or one of the ML step classes built on it) and
implements ``entrypoint`` with the same typed-signature rules as a ``@step`` function::

    class Doubler(BaseStep):
        def entrypoint(self, numbers: list[int], factor: int = 2) -> list[int]:
            return [n * factor for n in numbers]

Calling a step inside a ``@pipeline`` function records it in the pipeline being built and
returns handles to its outputs; it does not run the step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing_extensions import Self

from zenml_core.steps.signature import StepSignature, read_signature
from zenml_core.utils.source import source_of


def _retry_policy(name: str, retries: Any, delay: Any, backoff: Any) -> tuple[int, float, float]:
    """``(retries, retry_delay, retry_backoff)``, checked when the step is defined."""
    from zenml_core.errors import StepDefinitionError

    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise StepDefinitionError(f"step {name!r}: retries must be a whole number >= 0")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise StepDefinitionError(f"step {name!r}: retry_delay must be seconds >= 0")
    if isinstance(backoff, bool) or not isinstance(backoff, int | float) or backoff < 1:
        raise StepDefinitionError(f"step {name!r}: retry_backoff must be a factor >= 1")
    return retries, float(delay), float(backoff)


class BaseStep:
    """Base of all steps. Subclasses implement ``entrypoint``.

    ``enable_cache``: reuse outputs when code, parameters and inputs are unchanged.
    ``materializers``: output name -> materializer class (or import path) to override the one
    chosen by type.
    ``settings``: settings for plugins by plugin name, e.g. ``{"docker": {"memory": "2g"}}``;
    ``{"training_backend": True}`` hands the step to the stack's training backend;
    ``{"processing_backend": True}`` gives its code the processing backend's session.

    A step class may declare ``PARAMETERS``, a frozen attrs class; the first constructor
    argument (an instance of it, or a mapping) becomes ``self.parameters``. They are recorded
    with the run, part of the cache key, and passed again when another process rebuilds the
    step.
    """

    ENABLE_CACHE: ClassVar[bool] = True
    #: Whether the step goes to the stack's training backend unless settings say otherwise.
    USES_TRAINING_BACKEND: ClassVar[bool] = False
    #: Step classes whose code sends shard work to the stack's processing backend.
    USES_PROCESSING_BACKEND: ClassVar[bool] = False
    #: The frozen attrs class of this step's parameters (``self.parameters``), if it has any.
    PARAMETERS: ClassVar[type | None] = None
    #: What the step mostly uses, for how many run at once: "light" (waits on I/O or a remote
    #: job), "cpu" or "memory"; None decides from the signature (arrays and tables: memory).
    RESOURCES: ClassVar[str | None] = None
    #: Whether the object a pipeline calls is the one that runs (then it keeps its hooks).
    CARRIES_HOOKS: ClassVar[bool] = False

    def __init__(
        self,
        parameters: Any = None,
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
    ) -> None:
        from zenml_core.errors import StepDefinitionError
        from zenml_core.execution.outcome_hooks import check_hook

        self._name = name
        self.parameters = self._parameters(parameters)
        self.enable_cache = self.ENABLE_CACHE if enable_cache is None else enable_cache
        self.materializers = dict(materializers or {})
        self.settings = dict(settings or {})
        self._signature: StepSignature | None = None
        for kind, hook in (("on_failure", on_failure), ("on_success", on_success)):
            check_hook(f"step {self.name!r}", kind, hook, StepDefinitionError)
            if hook is not None and not self.CARRIES_HOOKS:
                raise StepDefinitionError(
                    f"step {self.name!r}: a step class is rebuilt from its parameters where it "
                    f"runs, so its instances cannot carry {kind}=; use a @step function for "
                    "hooks"
                )
        self.call_defaults: dict[str, Any] = {}  # with_options(parameters=...) of a function
        self.retry = _retry_policy(self.name, retries, retry_delay, retry_backoff)
        ok = timeout is None or (isinstance(timeout, int | float) and not isinstance(timeout, bool))
        if not ok or (timeout is not None and timeout <= 0):
            raise StepDefinitionError(f"step {self.name!r}: timeout must be seconds > 0 or None")
        # seconds an attempt may run; its code then runs in a child process, stopped after it
        self.timeout = None if timeout is None else float(timeout)
        from zenml_core.steps.signature import RESOURCES

        resources = resources or self.RESOURCES
        if resources is not None and resources not in RESOURCES:
            raise StepDefinitionError(
                f"step {self.name!r}: resources must be one of {', '.join(RESOURCES)}, got "
                f"{resources!r}"
            )
        self.resources = resources  # None: decided from the signature (see the builder)
        self.on_failure = on_failure  # called with the exception when the step fails
        self.on_success = on_success  # called when the step's code ran and its outputs are saved

    def _parameters(self, given: Any) -> Any:
        from zenml_core.config.converter import structure
        from zenml_core.errors import ConfigError

        cls = self.PARAMETERS
        if cls is None:
            if given is not None:
                raise ConfigError(f"step {self.name!r} takes no parameters object")
            return None
        if isinstance(given, cls):
            return given
        return structure(dict(given or {}), cls, source=f"step {self.name!r}: parameters")

    def with_options(
        self,
        *,
        parameters: Mapping[str, Any] | None = None,
        enable_cache: bool | None = None,
        settings: Mapping[str, Any] | None = None,
        materializers: Mapping[str, Any] | None = None,
    ) -> Self:
        """A configured copy: ``parameters`` (a function step's call defaults, or fields of a
        step class's parameters object), ``enable_cache``, ``settings`` (merged over the
        step's, plugin by plugin) and ``materializers`` (by output). Everything lands in the
        pipeline's spec, so the copy runs the same wherever its steps run."""
        import copy

        from zenml_core.config.converter import unstructure
        from zenml_core.pipelines.builder import merge_settings

        configured = copy.copy(self)
        if parameters:
            if self.PARAMETERS is not None:
                given = {**dict(unstructure(self.parameters) or {}), **parameters}
                configured.parameters = self._parameters(given)
            else:
                configured.call_defaults = {**self.call_defaults, **parameters}
        if enable_cache is not None:
            configured.enable_cache = enable_cache
        if settings is not None:
            configured.settings = merge_settings(self.settings, settings)
        if materializers is not None:
            configured.materializers = {**self.materializers, **materializers}
        return configured

    @property
    def config(self) -> dict[str, Any]:
        """The parameters object as JSON data: recorded, hashed, and used to rebuild the step."""
        from zenml_core.config.converter import unstructure

        return {} if self.parameters is None else dict(unstructure(self.parameters))

    def entrypoint(self, *args: Any, **kwargs: Any) -> Any:
        """The step's work. Override it with a typed signature."""
        raise NotImplementedError(f"{type(self).__name__} must implement entrypoint()")

    @property
    def name(self) -> str:
        """The default name of the step in a pipeline."""
        return self._name or type(self).__name__

    @property
    def signature(self) -> StepSignature:
        if self._signature is None:
            self._signature = read_signature(
                type(self).entrypoint, step_name=self.name, skip_self=True
            )
        return self._signature

    @property
    def code_object(self) -> Any:
        """The function or class whose code (and the user code it calls) the cache key covers."""
        return type(self)

    @property
    def source(self) -> str:
        """``module:QualName`` by which another process finds this step."""
        return source_of(self.code_object)

    @property
    def loadable(self) -> Any:
        """What ``source`` names: the class (instantiated by the step runner) for class steps."""
        return type(self)

    def call(self, **inputs: Any) -> Any:
        """Run the step's code with loaded inputs and parameters."""
        return self.entrypoint(**inputs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from zenml_core.pipelines.builder import current_builder

        return current_builder(self).add(self, args, kwargs)

    def map(self, *args: Any, **kwargs: Any) -> Any:
        """Call the step once per item: every input given a step's output (a list) is mapped
        over, item by item (several such lists must be as long as each other); parameters and
        outputs wrapped in ``unmapped(...)`` go to every item whole. The items run as steps
        ``name[0]``, ``name[1]``, ... when the run gets there, each cached by its item's
        content; the call returns the list of their outputs, for a ``list[T]`` input."""
        from zenml_core.pipelines.builder import current_builder

        return current_builder(self).add(self, args, kwargs, mapped=True)

    def __repr__(self) -> str:
        return f"<step {self.name}>"
