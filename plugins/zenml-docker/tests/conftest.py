"""Fixtures for the Docker orchestrator tests: a real engine, an offline base image, a
wheelhouse of zenml-core and zenml-docker, and a project whose active stack uses them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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

__all__ = ["no_step_images_left"]
HERE = Path(__file__).parent
REPOSITORY = HERE.parents[2]


@pytest.fixture(scope="session")
def docker_client() -> Any:
    return docker_with_base_image()


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of zenml-core, zenml-docker and their dependencies: images build offline."""
    return build_wheelhouse(
        tmp_path_factory.mktemp("wheelhouse"),
        [f"{REPOSITORY}[mysql]", REPOSITORY / "plugins" / "zenml-docker"],
    )


def zenml(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("zenml")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
    result = subprocess.run(
        [str(script), *args], cwd=cwd, env=environment, capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def project(tmp_path: Path, docker_client: Any, wheelhouse: Path) -> Iterator[Path]:
    """A git repository with the test pipelines whose active stack runs steps in Docker."""
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shared = tmp_path / "shared"
    shared.mkdir()
    text = (HERE / "pipelines.py").read_text().replace("SHARED:/shared", f"{shared}:/shared")
    (root / "pipelines.py").write_text(text)
    zenml("init", cwd=root)
    zenml(
        "orchestrator", "register", "containers", "--flavor", "docker",
        f"--base_image={BASE_IMAGE}", f"--wheelhouse={wheelhouse}", "--network=none",
        "--environment={SHARED_SETTING: from the orchestrator}", "--keep_containers=true",
        cwd=root,
    )  # fmt: skip
    zenml(
        "stack",
        "register",
        "docker",
        "-a",
        "default",
        "-m",
        "default",
        "-o",
        "containers",
        "--set",
        cwd=root,
    )
    yield root
    for container in docker_client.containers.list(all=True, filters={"label": "zenml.run"}):
        container.remove(force=True)


def copy_project(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".zen", ".git"))
