"""Fixtures for the aiplatform tests: a Cloud Storage emulator on 127.0.0.1, and (for the
step image) a real Docker engine with the offline base image and a wheelhouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from zenml_aiplatform.testing import new_bucket, storage_emulator
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
    with storage_emulator() as url:
        yield url


@pytest.fixture
def bucket(gcs_emulator: str) -> str:
    """A new, empty bucket in the emulator."""
    return new_bucket()


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
