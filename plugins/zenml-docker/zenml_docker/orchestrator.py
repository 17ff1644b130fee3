"""The ``docker`` orchestrator: every step runs in its own container.

The step image is built once per project state (see :mod:`zenml_docker.image`). For each step
the orchestrator first asks the step runner whether the cache already has it (a cached step
starts no container); otherwise it starts ``python -m zenml_core.entrypoint`` in a container,
streams its output with the step's name in front, and reads how the step ended from the
metadata store. The local artifact store and a SQLite metadata store are bind-mounted at the
same paths; a MySQL store is reached over the network.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_core.config.converter import structure
from zenml_core.errors import ZenMLError
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import entrypoint_arguments, outcome_from_record
from zenml_core.execution.context import RunContext, StepOutcome
from zenml_core.execution.step_runner import try_cached
from zenml_docker.config import DockerOrchestratorConfig, DockerStepSettings
from zenml_docker.image import ImageRecipe, ensure_image

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack

LOG_TAIL = 15


class DockerOrchestratorError(ZenMLError):
    """The Docker engine is unreachable, or the stack cannot be used from containers."""


def _distribution_requirement(distribution: str) -> str:
    try:
        return f"{distribution}=={version(distribution)}"
    except PackageNotFoundError:
        return distribution


class DockerOrchestrator(BaseOrchestrator[DockerOrchestratorConfig]):
    """Runs each step in a container built from the project."""

    def _client(self) -> Any:
        import docker

        try:
            client = docker.from_env()
            client.ping()
        except docker.errors.DockerException as exc:
            raise DockerOrchestratorError(
                f"cannot reach a Docker engine ({exc}); start dockerd or set DOCKER_HOST"
            ) from exc
        return client

    # -- what goes into containers ------------------------------------------------------------

    def recipe(self, context: RunContext) -> ImageRecipe:
        return self.recipe_for(context.stack, context.plugins)

    def recipe_for(self, stack: Stack, plugins: PluginManager) -> ImageRecipe:
        """The image recipe: zenml and the distributions of every flavor in the stack."""
        registry = plugins.registry
        distributions = {"zenml-core"}
        extras = set()
        for kind, component in stack.components.items():
            flavor = registry.flavor(kind, component.flavor) if component.flavor else None
            if flavor is not None:
                distributions.add(flavor.distribution)
            if flavor is not None and flavor.name == "mysql":
                extras.add("mysql")
        packages = sorted(_distribution_requirement(name) for name in distributions)
        if extras:
            packages = [
                p.replace("zenml-core", f"zenml-core[{','.join(sorted(extras))}]", 1)
                if p.startswith("zenml-core")
                else p
                for p in packages
            ]
        requirements = list(self.config.requirements)
        if self.config.requirements_file:
            path = self.resolve_path(self.config.requirements_file)
            requirements += [
                line.strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")
            ]
        wheelhouse = self.resolve_path(self.config.wheelhouse) if self.config.wheelhouse else None
        return ImageRecipe(
            base_image=self.config.base_image,
            project_root=self.root.resolve(),
            packages=tuple(packages),
            requirements=tuple(requirements),
            wheelhouse=wheelhouse,
        )

    def mounts(self, context: RunContext) -> dict[str, dict[str, str]]:
        """Bind mounts (at the same paths) for the local artifact store and SQLite store."""
        store = context.stack.artifact_store
        path = getattr(store, "path", None)
        if path is None:
            raise DockerOrchestratorError(
                f"the docker orchestrator needs a local artifact store; {store.name!r} is not one"
            )
        mounts = {str(path): {"bind": str(path), "mode": "rw"}}
        database = getattr(context.stack.metadata_store, "path", None)
        if database is not None:
            folder = str(Path(database).parent)
            mounts[folder] = {"bind": folder, "mode": "rw"}
        return mounts

    def python_path(self) -> list[str]:
        """Folders of ``sys.path`` inside the project: where the user's modules come from."""
        root = self.root.resolve()
        found = []
        for entry in sys.path:
            folder = Path(entry or ".").resolve()
            if folder.is_relative_to(root) and str(folder) not in found:
                found.append(str(folder))
        return found or [str(root)]

    # -- running --------------------------------------------------------------------------------

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.orchestrators.external import write_run_documents
        from zenml_core.stack.builder import secret_environment

        client = self._client()
        image, built = ensure_image(client, self.recipe(context), context.reporter.line)
        if built:
            context.reporter.line(f"built step image {image}")
        folder = write_run_documents(context)
        secrets = secret_environment(context.stack)
        launcher = _StepLauncher(self, context, client, image, folder, secrets)
        try:
            return self.schedule(context, launcher.run, self.config.parallelism)
        finally:
            launcher.close()

    def container_options(
        self, context: RunContext, folder: Path, secrets: dict[str, str], name: str, *, warm: bool
    ) -> dict[str, Any]:
        """``containers.create`` arguments for step ``name`` (waiting for a go file if warm)."""
        step_spec = context.spec.step(name)
        settings = structure(
            step_spec.settings.extra.get("docker", {}),
            DockerStepSettings,
            source=f"step {name!r}: settings['docker']",
        )
        command = [
            "python3",
            "-m",
            "zenml_core.entrypoint",
            *entrypoint_arguments(context, folder, name),
        ]
        for entry in self.python_path():
            command += ["--python-path", entry]
        if warm:
            command += ["--wait-for", str(folder / f"go-{name}")]
        volumes = self.mounts(context)
        for volume in settings.volumes:
            host, _, rest = volume.partition(":")
            bind, _, mode = rest.partition(":")
            volumes[host] = {"bind": bind, "mode": mode or "rw"}
        options: dict[str, Any] = {
            "command": command,
            "environment": {**self.config.environment, **settings.environment, **secrets},
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


class _StepLauncher:
    """Runs the step containers of one run.

    While a step runs, the containers of the steps after it are started already and wait
    (imports done, stack built) for a go file: Python's start-up overlaps the running step
    instead of adding to it. A waiting container whose step turns out cached or skipped is
    told to stop and removed without running anything.
    """

    def __init__(
        self,
        orchestrator: DockerOrchestrator,
        context: RunContext,
        client: Any,
        image: str,
        folder: Path,
        secrets: dict[str, str],
    ) -> None:
        self.orchestrator = orchestrator
        self.context = context
        self.client = client
        self.image = image
        self.folder = folder
        self.secrets = secrets
        self.downstream = context.spec.downstream()
        self.waiting: dict[str, Any] = {}
        self.claimed: set[str] = set()
        self.lock = threading.Lock()

    def _start(self, name: str, *, warm: bool) -> Any:
        options = self.orchestrator.container_options(
            self.context, self.folder, self.secrets, name, warm=warm
        )
        container = self.client.containers.create(self.image, **options)
        container.start()
        return container

    def _warm_up(self, name: str) -> None:
        with self.lock:
            if name in self.waiting or name in self.claimed:
                return
            self.claimed.add(name)
        container = self._start(name, warm=True)
        with self.lock:
            self.waiting[name] = container

    def _take(self, name: str) -> Any | None:
        with self.lock:
            self.claimed.add(name)
            return self.waiting.pop(name, None)

    def _discard(self, name: str, container: Any) -> None:
        (self.folder / f"go-{name}.cancel").touch()
        container.remove(force=True)

    def run(self, name: str) -> StepOutcome:
        cached = try_cached(self.context, name)
        if cached is not None:
            waiting = self._take(name)
            if waiting is not None:
                self._discard(name, waiting)
            return cached
        started = time.perf_counter()
        container = self._take(name)
        if container is None:
            container = self._start(name, warm=False)
        else:
            (self.folder / f"go-{name}").touch()
        for child in self.downstream[name]:
            self._warm_up(child)
        tail: deque[str] = deque(maxlen=LOG_TAIL)
        prefix = f"[{name}] "
        try:
            for raw in container.logs(stream=True, follow=True):
                for line in raw.decode("utf-8", "replace").splitlines():
                    tail.append(line)
                    self.context.reporter.line(line if line.startswith(prefix) else prefix + line)
            exit_code = int(container.wait()["StatusCode"])
        finally:
            if not self.orchestrator.config.keep_containers:
                container.remove(force=True)
        seconds = time.perf_counter() - started
        return outcome_from_record(self.context, name, exit_code, list(tail), seconds)

    def close(self) -> None:
        """Stop and remove the containers still waiting (their steps never ran)."""
        with self.lock:
            leftovers = list(self.waiting.items())
            self.waiting.clear()
        for name, container in leftovers:
            self._discard(name, container)
