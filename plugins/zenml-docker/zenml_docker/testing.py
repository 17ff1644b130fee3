"""For the test suites of plugins that build step images: a real Docker engine with the
offline base image, and a wheelhouse so images build with no index (imports pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zenml_core.testing.services import service_missing

BASE_IMAGE = os.environ.get("ZENML_TEST_BASE_IMAGE", "zenml-python-base:3.11")


def docker_with_base_image() -> Any:
    """A client of a running Docker engine that has :data:`BASE_IMAGE`."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        service_missing(f"no Docker engine ({exc}); start one with scripts/services/docker")
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        service_missing(f"no image {BASE_IMAGE}; build it with scripts/services/python-base-image")
    return client


def build_wheelhouse(folder: Path, projects: list[str | Path]) -> Path:
    """Wheels of the dependencies of ``projects`` (source folders, with extras as
    ``"folder[extra]"``), in ``folder``: the third-party part of an offline image build.
    zenml's own distributions are left out: step images pack them from this installation."""
    import tempfile

    from zenml_core.testing.sources import clean_copies

    with tempfile.TemporaryDirectory(prefix="zenml-wheelhouse-") as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
             *clean_copies(projects, Path(scratch))],
            check=True,
        )  # fmt: skip
    for wheel in folder.glob("zenml_*.whl"):
        wheel.unlink()
    return folder


def step_images(client: Any) -> set[str]:
    """Ids of the step images on the engine."""
    return {image.id for image in client.images.list(name="zenml-steps")}


def remove_step_images_since(client: Any, before: set[str]) -> None:
    """Remove the step images made since ``before`` was taken (and containers using them):
    test suites leave no images behind."""
    made = step_images(client) - before
    for container in client.containers.list(all=True, filters={"label": "zenml.run"}):
        if container.image.id in made:
            container.remove(force=True)
    for image in made:
        client.images.remove(image, force=True)


@pytest.fixture(scope="session", autouse=True)
def no_step_images_left() -> Iterator[None]:
    """Import into a conftest: the session removes every step image it built."""
    client = docker_with_base_image()
    before = step_images(client)
    yield
    remove_step_images_since(client, before)
