"""Fixtures for the Kubeflow tests: a real Docker engine with the offline base image, and a
wheelhouse so step images build without an index."""

from __future__ import annotations

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
def docker_client() -> Any:
    return docker_with_base_image()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plugins = REPOSITORY / "plugins"
    return build_wheelhouse(
        tmp_path_factory.mktemp("wheelhouse"),
        # the mysql extra: a stack with a MySQL store (the secrets test) builds its image too
        [f"{REPOSITORY}[mysql]", plugins / "zenml-docker", plugins / "zenml-kubeflow"],
    )
