"""The ``dask`` processing backend: a step's shard functions as tasks on a Dask cluster.

With ``address`` (``tcp://host:8786``) the backend connects to a running scheduler; without, it
starts a ``LocalCluster`` on this machine (``workers`` processes with ``threads_per_worker``
threads and ``memory_limit`` each) that serves the run's steps and stops when the process
exits. Either way nothing starts before a step first sends work, so a cached step starts
nothing.

Project code: each shard task travels to the workers as pickled bytes (the scheduler
deserializes task graphs, and need not import the project), and the workers import the shard
function's module by name. The project module (or package) a function comes from, anything
outside site-packages, is shipped to the cluster as a zip with ``Client.upload_file`` the
first time one of its functions is sent; the scheduler and the workers need zenml-core,
zenml-dask and the project's requirements installed (run them from the zenml-docker step
image for all three). ``ship_project_code: false`` turns shipping off, for clusters that
already run the project's code.
"""

from __future__ import annotations

import os
import tempfile
import threading
import weakref
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import field, frozen

from zenml_core.backends.base import BaseProcessingBackend
from zenml_core.backends.processing import ProcessingSession, R, ShardTask, project_module
from zenml_core.config.validators import positive


@frozen
class DaskProcessingBackendConfig:
    """Configuration of the ``dask`` processing backend.

    ``address``: a running scheduler (None: a local cluster per step of ``workers`` processes,
    ``threads_per_worker`` threads and ``memory_limit`` each). ``ship_project_code``: upload
    the project's modules that shard functions come from to the workers.
    """

    address: str | None = None
    workers: int = field(default=2, validator=positive)
    threads_per_worker: int = field(default=1, validator=positive)
    memory_limit: str = "auto"
    ship_project_code: bool = True
    timeout: int = field(default=30, validator=positive)  # seconds to reach the scheduler


class DaskSession(ProcessingSession):
    """Shard tasks on the backend's Dask cluster."""

    def __init__(
        self,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        backend: DaskProcessingBackend,
        scratch_url: str | None = None,
    ) -> None:
        super().__init__(scratch_root, settings, scratch_url)
        self.backend = backend
        self.config = backend.config
        # A scheduler's workers may be on other machines: with an artifact store elsewhere
        # (gcs), they write result shards into it; a LocalCluster writes on this disk.
        self.workers_elsewhere = bool(self.config.address)
        self._bundles: tempfile.TemporaryDirectory[str] | None = None

    @property
    def engine(self) -> Any:
        """The ``distributed.Client`` (connected on first use), for steps that use Dask
        directly (``Dataset.to_dask()``, ``client.submit``)."""
        return self.backend.client(int(self.settings.get("workers", self.config.workers)))

    def run_tasks(self, worker: Callable[[ShardTask], R], tasks: Sequence[ShardTask]) -> list[R]:
        if not tasks:
            return []
        import cloudpickle
        from distributed import wait

        client = self.engine
        if self.config.ship_project_code:
            self._ship(client, tasks[0].function)
        # Each task travels as bytes: the scheduler deserializes task graphs, and it has
        # neither the project's modules nor a reason to; the worker unpickles it after the
        # project's code has been shipped to it.
        payloads = [cloudpickle.dumps((worker, task)) for task in tasks]
        futures = client.map(run_payload, payloads, pure=False)
        try:
            wait(futures)
            for future in futures:  # the first failing shard in shard order is reported
                if future.status == "error":
                    future.result()
            return list(client.gather(futures))  # one round trip for all the results
        finally:
            client.cancel(futures)

    def _ship(self, client: Any, function: Callable[..., Any]) -> None:
        """Upload the project module (or package) ``function`` comes from, once per client."""
        module = project_module(function)
        if module is None or module.name in self.backend.shipped:
            return  # installed where the workers run too, or __main__ (travels by value)
        self.backend.shipped.add(module.name)
        # A zip (of the package, or of the one module) stays on the workers' sys.path, so
        # imports inside the function work too; uploading imports it there once.
        if self._bundles is None:
            self._bundles = tempfile.TemporaryDirectory(prefix="zenml-dask-")
        bundle = Path(self._bundles.name) / f"{module.name}.zip"
        with zipfile.ZipFile(bundle, "w") as archive:
            if not module.is_package:
                archive.write(module.origin, module.origin.name)
            for folder, _, files in os.walk(module.origin) if module.is_package else ():
                for name in files:
                    if name.endswith(".py"):
                        path = Path(folder) / name
                        archive.write(path, Path(module.name) / path.relative_to(module.origin))
        client.upload_file(str(bundle), load=True)

    def close(self) -> None:
        if self._bundles is not None:
            self._bundles.cleanup()
            self._bundles = None
        super().close()


def run_payload(payload: bytes) -> Any:
    """Worker side: the shard task ``DaskSession.run_tasks`` pickled."""
    import pickle

    worker, task = pickle.loads(payload)
    return worker(task)


class DaskProcessingBackend(BaseProcessingBackend[DaskProcessingBackendConfig]):
    """Runs shard functions as tasks on a Dask cluster.

    The client (and, without ``address``, the local cluster) is made when a step first sends
    work and serves the following steps of this process; it closes when the process exits, or
    with :meth:`shutdown`.
    """

    def __init__(self, **arguments: Any) -> None:
        super().__init__(**arguments)
        self._connection: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.shipped: set[str] = set()  # project modules the cluster has
        weakref.finalize(self, _disconnect, self._connection)

    def session(
        self,
        *,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> ProcessingSession:
        return DaskSession(scratch_root, settings, self, scratch_url)

    def client(self, workers: int) -> Any:
        """The connected client; a local cluster of ``workers`` is started if there is no
        ``address`` (a step asking for another size gets a cluster of its own size)."""
        with self._lock:
            if self._connection.get("workers") not in (None, workers) and not self.config.address:
                _disconnect(self._connection)
                self.shipped.clear()
            if "client" not in self._connection:
                from distributed import Client, LocalCluster

                if self.config.address:
                    client = Client(self.config.address, timeout=self.config.timeout)
                else:
                    cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=self.config.threads_per_worker,
                        memory_limit=self.config.memory_limit,
                        host="127.0.0.1",
                        dashboard_address="127.0.0.1:0",  # a free port, never all interfaces
                        processes=True,
                    )
                    self._connection["cluster"] = cluster
                    client = Client(cluster)
                self._connection.update(client=client, workers=workers)
            return self._connection["client"]

    def shutdown(self) -> None:
        """Close the client and stop a local cluster this backend started."""
        with self._lock:
            _disconnect(self._connection)
            self.shipped.clear()


def _disconnect(connection: dict[str, Any]) -> None:
    client, cluster = connection.pop("client", None), connection.pop("cluster", None)
    connection.pop("workers", None)
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()
