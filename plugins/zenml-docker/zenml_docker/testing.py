"""For the test suites of plugins that build step images: a real Docker engine with the
offline base image, and a wheelhouse so images build with no index (imports pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    """Wheels of ``projects`` (source folders, with extras as ``"folder[extra]"``) and all
    their dependencies, in ``folder``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
         *map(str, projects)],
        check=True,
    )  # fmt: skip
    return folder
