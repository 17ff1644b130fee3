"""Fixtures for the Kubeflow tests: a real Docker engine with the offline base image, and a
wheelhouse so step images build without an index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).parents[3]
BASE_IMAGE = os.environ.get("ZENML_TEST_BASE_IMAGE", "zenml-python-base:3.11")
REQUIRE_SERVICES = os.environ.get("ZENML_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def docker_client() -> Any:
    import docker

    def missing(reason: str) -> None:
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (ZENML_REQUIRE_SERVICES=1: CI must provide it)")
        pytest.skip(reason)

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        missing(f"no Docker engine ({exc}); start one with scripts/services/docker")
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        missing(f"no image {BASE_IMAGE}; build it with scripts/services/python-base-image")
    return client


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    plugins = REPOSITORY / "plugins"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
         str(REPOSITORY), str(plugins / "zenml-docker"), str(plugins / "zenml-kubeflow")],
        check=True,
    )  # fmt: skip
    return folder
