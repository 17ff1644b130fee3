"""A real Dask cluster for the tests: ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, started from a folder outside every project (so project code must be shipped)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve
from zenml_dask.backend import DaskProcessingBackend, DaskProcessingBackendConfig

from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.testing.services import service_missing

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def dask_cluster(home: Path) -> Iterator[str]:
    """A scheduler and two single-threaded workers started in ``home``; yields the address."""
    scheduler_file = home / "scheduler.json"
    common = {"cwd": home, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            **common,  # type: ignore[call-overload]
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            if time.monotonic() > deadline or processes[0].poll() is not None:
                service_missing("the dask scheduler did not start within 60 s")
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for index in range(2):
            processes.append(
                subprocess.Popen(
                    [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{index}",
                     "--local-directory", str(home / f"w{index}")],
                    **common,  # type: ignore[call-overload]
                )
            )  # fmt: skip
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a cluster shared by the tests."""
    with dask_cluster(tmp_path_factory.mktemp("dask-cluster")) as address:
        yield address


@pytest.fixture
def fresh_dask_scheduler(tmp_path: Path) -> Iterator[str]:
    """A cluster of its own, for a test that must see workers nothing was shipped to."""
    home = tmp_path / "dask-cluster"
    home.mkdir()
    with dask_cluster(home) as address:
        yield address


_BACKENDS: list[DaskProcessingBackend] = []


def dask_stack(project: Repository, plugins: Any, config: DaskProcessingBackendConfig) -> Any:
    backend = DaskProcessingBackend(name="dask", config=config, flavor="dask")
    _BACKENDS.append(backend)
    return evolve(load_stack(project, plugins=plugins, environ={}), processing_backend=backend)


@pytest.fixture(autouse=True)
def _disconnect_after_each_test() -> Iterator[None]:
    """Each test's clients close (and local clusters stop) before its scheduler may go."""
    yield
    while _BACKENDS:
        _BACKENDS.pop().shutdown()
