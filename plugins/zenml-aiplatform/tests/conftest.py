"""Fixtures for the aiplatform tests: a Cloud Storage emulator on 127.0.0.1, and (for the
step image) a real Docker engine with the offline base image and a wheelhouse."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from zenml_docker.testing import (
    BASE_IMAGE,
    build_wheelhouse,
    docker_with_base_image,
    no_step_images_left,
)

REPOSITORY = Path(__file__).parents[3]
__all__ = ["BASE_IMAGE", "no_step_images_left"]


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of an in-memory Cloud Storage emulator; every client in this
    process and its children (STORAGE_EMULATOR_HOST) talks to it."""
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    url = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
    previous = {
        k: os.environ.get(k) for k in ("STORAGE_EMULATOR_HOST", "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT")
    }
    os.environ["STORAGE_EMULATOR_HOST"] = url
    # Otherwise gcsfs probes each new bucket over gRPC, which the emulator cannot answer (60 s).
    os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"
    yield url
    server.stop()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def bucket(gcs_emulator: str) -> str:
    """A new, empty bucket in the emulator."""
    import gcsfs

    name = f"zenml-{uuid.uuid4().hex[:12]}"
    gcsfs.GCSFileSystem(project="test", token="anon").mkdir(name)
    return name


@pytest.fixture(scope="session")
def docker_client() -> Any:
    return docker_with_base_image()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plugins = REPOSITORY / "plugins"
    return build_wheelhouse(
        tmp_path_factory.mktemp("wheelhouse"),
        [
            f"{REPOSITORY}[mysql]",
            *(plugins / name for name in ("zenml-docker", "zenml-kubeflow", "zenml-aiplatform")),
        ],
    )


def connection_to(vertex: Any, wheelhouse: Path) -> dict[str, Any]:
    """Settings that point the real SDK at the fake Vertex API and build images offline."""
    return {
        "api_endpoint": vertex.url, "api_transport": "rest", "anonymous": True,
        "poll_seconds": 0.2, "timeout": 120, "base_image": BASE_IMAGE,
        "wheelhouse": str(wheelhouse),
    }  # fmt: skip


def gcs_stack(project: Any, plugins: Any, bucket: str, **components: Any) -> Any:
    """The project's SQLite store and local orchestrator, artifacts in ``bucket`` (emulator),
    with ``components`` (orchestrator=..., training_backend=...) in their slots."""
    from zenml_aiplatform.config import GCSArtifactStoreConfig
    from zenml_aiplatform.gcs import GCSArtifactStore

    from zenml_core.stack.builder import load_stack
    from zenml_core.stack.stack import Stack

    config = GCSArtifactStoreConfig(
        path=f"gs://{bucket}/artifacts", token="anon",
        cache_dir=str(project.root.parent / "gcs-cache"),  # not a project file: same image
    )  # fmt: skip
    local = load_stack(project, plugins=plugins, environ={})
    return Stack(
        name="gcp", artifact_store=GCSArtifactStore(name="gcs", config=config, flavor="gcs"),
        metadata_store=local.metadata_store,
        **{"orchestrator": local.orchestrator, **components},
    )  # fmt: skip
