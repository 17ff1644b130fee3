"""The ``docker`` orchestrator: every step runs in its own container.

The step image is built once per project state (see :mod:`zenml_docker.image`). For each step
that the cache does not settle, a container runs ``python -m zenml_docker.entrypoint`` (the
core entrypoint plus a warm start and a watch on the submitter); :class:`ExternalStepOrchestrator`
streams its output with the step's name in front and reads how the step ended from the
record. Stores whose files are on this machine (the local artifact store, a SQLite database)
are bind-mounted at the same paths; others are reached over the network.

Containers are removed when they end (unless ``keep_containers``), and stop by themselves
when the submitting process dies: it holds a lock in the run folder that they watch.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from zenml_core.config.converter import structure
from zenml_core.config.environment import STEP_IMAGE_ENV
from zenml_core.errors import ZenMLError
from zenml_core.orchestrators.external import ExternalStepOrchestrator, run_folder
from zenml_docker.config import DockerOrchestratorConfig, DockerStepSettings
from zenml_docker.image import build_step_image, project_python_path, store_mounts

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext
    from zenml_core.execution.invocation import StepInvocation

ENTRYPOINT = "zenml_docker.entrypoint"
SUBMITTER_LOCK = "submitter.lock"


class DockerOrchestratorError(ZenMLError):
    """The Docker engine is unreachable, or the stack cannot be used from containers."""


def docker_client() -> Any:
    """A client of the Docker engine, or one clear error."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise DockerOrchestratorError(
            f"cannot reach a Docker engine ({exc}); start dockerd or set DOCKER_HOST"
        ) from exc
    return client


def hold_submitter_lock(context: RunContext) -> IO[bytes]:
    """Lock the run folder's submitter lock for as long as the returned file stays open
    (the process ending, however, releases it: step containers watch for that)."""
    handle = (run_folder(context) / SUBMITTER_LOCK).open("wb")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


class _StepContainer:
    """One step's container, attached before it starts so no output is lost; with
    ``remove`` Docker removes it when it ends and the exit code is taken at removal."""

    def __init__(self, client: Any, image: str, options: dict[str, Any], remove: bool) -> None:
        self.container = client.containers.create(image, auto_remove=remove, **options)
        condition = "removed" if remove else "next-exit"
        self._exit: dict[str, Any] = {}
        # Asked before the start: an auto-removed container that ends fast is gone afterwards.
        self._waiter = threading.Thread(target=self._wait, args=(condition,), daemon=True)
        self._waiter.start()
        self._stream = self.container.attach(stdout=True, stderr=True, stream=True, logs=True)
        self.container.start()

    def _wait(self, condition: str) -> None:
        try:
            self._exit.update(self.container.wait(condition=condition))
        except Exception as exc:  # the engine went away: the step counts as killed
            self._exit.update(StatusCode=137, Error={"Message": str(exc)})

    def lines(self) -> Iterator[str]:
        pending = ""
        for chunk in self._stream:
            pending += chunk.decode("utf-8", "replace")
            *complete, pending = pending.split("\n")
            yield from complete
        if pending:
            yield pending

    def wait(self) -> int:
        self._waiter.join()
        return int(self._exit.get("StatusCode", 137))

    def discard(self) -> None:
        import docker

        with contextlib.suppress(docker.errors.NotFound):
            self.container.remove(force=True)
        self._waiter.join(timeout=10)


class DockerOrchestrator(ExternalStepOrchestrator[DockerOrchestratorConfig]):
    """Runs each step in a container built from the project.

    While a step runs, the containers of the steps after it are started already and wait
    (imports done, stores open) for a go file: Python's start-up overlaps the running step
    instead of adding to it. A waiting container whose step turns out cached is told to
    stop and removed without running anything.
    """

    def parallelism(self) -> int | None:
        return self.config.parallelism

    def python_path(self, context: RunContext) -> list[str]:
        return project_python_path(self.root)

    def start_run(self, context: RunContext) -> None:
        self._client = docker_client()
        self._image, built = build_step_image(
            self.config, context.stack, context.plugins, self.root, log=context.reporter.line
        )
        if built:
            context.reporter.line(f"built step image {self._image}")
        self._lock = hold_submitter_lock(context)
        self._folder = run_folder(context)
        self._waiting: dict[str, _StepContainer] = {}
        self._claimed: set[str] = set()
        self._guard = threading.Lock()

    def end_run(self, context: RunContext) -> None:
        """Stop and remove the containers still waiting (their steps never ran)."""
        with self._guard:
            leftovers = list(self._waiting.items())
            self._waiting.clear()
        for name, container in leftovers:
            self._discard(name, container)
        self._lock.close()

    def step_settled(self, context: RunContext, step: str) -> None:
        waiting = self._take(step)
        if waiting is not None:
            self._discard(step, waiting)

    def launch(
        self, context: RunContext, invocation: StepInvocation, environment: dict[str, str]
    ) -> _StepContainer:
        container = self._take(invocation.step)
        if container is None:
            container = self._start(context, invocation, environment, warm=False)
        else:
            (self._folder / f"go-{invocation.step}").touch()
        # (a mapped step's items start at run time: nothing waits for one of them)
        for child in context.spec.downstream().get(invocation.step, []):
            self._warm_up(context, child, environment)
        return container

    # -- containers ---------------------------------------------------------------------------

    def container_options(
        self,
        context: RunContext,
        invocation: StepInvocation,
        secrets: dict[str, str],
        *,
        warm: bool,
    ) -> dict[str, Any]:
        """``containers.create`` arguments for the step (waiting for a go file if warm)."""
        name = invocation.step
        settings = structure(
            context.spec.step(name).settings.extra.get("docker", {}),
            DockerStepSettings,
            source=f"step {name!r}: settings['docker']",
        )
        command = [
            "python3",
            "-m",
            ENTRYPOINT,
            "--submitter-lock",
            str(self._folder / SUBMITTER_LOCK),
        ]
        if warm:
            command += ["--wait-for", str(self._folder / f"go-{name}")]
        command += invocation.argv()
        volumes = store_mounts(context.stack)
        if context.stack.artifact_store.local_root() is None:
            volumes[str(self._folder)] = {"bind": str(self._folder), "mode": "rw"}
        for volume in settings.volumes:
            host, _, rest = volume.partition(":")
            bind, _, mode = rest.partition(":")
            volumes[host] = {"bind": bind, "mode": mode or "rw"}
        options: dict[str, Any] = {
            "command": command,
            "environment": {
                STEP_IMAGE_ENV: self._image,
                **self.config.environment,
                **settings.environment,
                **secrets,
            },
            "volumes": volumes,
            "working_dir": str(self.root.resolve()),
            "user": self.config.user or f"{os.getuid()}:{os.getgid()}",
            "labels": {"zenml.run": context.run_id, "zenml.step": name},
        }
        network = settings.network or self.config.network
        if network:
            options["network_mode"] = network
        if settings.cpus:
            options["nano_cpus"] = int(settings.cpus * 1e9)
        if settings.memory:
            options["mem_limit"] = settings.memory
        return options

    def _start(
        self,
        context: RunContext,
        invocation: StepInvocation,
        environment: dict[str, str],
        *,
        warm: bool,
    ) -> _StepContainer:
        options = self.container_options(context, invocation, environment, warm=warm)
        return _StepContainer(
            self._client, self._image, options, remove=not self.config.keep_containers
        )

    def _warm_up(self, context: RunContext, name: str, environment: dict[str, str]) -> None:
        with self._guard:
            if name in self._waiting or name in self._claimed:
                return
            self._claimed.add(name)
        invocation = self.invocation(context, self._folder, name)
        container = self._start(context, invocation, environment, warm=True)
        with self._guard:
            self._waiting[name] = container

    def _take(self, name: str) -> _StepContainer | None:
        with self._guard:
            self._claimed.add(name)
            return self._waiting.pop(name, None)

    def _discard(self, name: str, container: _StepContainer) -> None:
        (self._folder / f"go-{name}.cancel").touch()
        container.discard()
