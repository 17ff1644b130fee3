"""Step images: content-hash tags, no rebuild without a change, offline builds."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from conftest import BASE_IMAGE
from zenml_docker.image import ImageRecipe, ensure_image, image_tag, project_files


def recipe(root: Path, wheelhouse: Path) -> ImageRecipe:
    return ImageRecipe(
        base_image=BASE_IMAGE,
        project_root=root,
        packages=("zenml-core",),
        wheelhouse=wheelhouse,
    )


def test_the_tag_follows_the_content(tmp_path: Path, wheelhouse: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "train.py").write_text("print('a')\n")
    (root / ".gitignore").write_text("data/\n")
    (root / "data").mkdir()
    (root / "data" / "big.bin").write_bytes(b"x" * 100)
    (root / ".zen").mkdir()
    (root / ".zen" / "config.yaml").write_text("version: 1\n")
    assert [p.name for p in project_files(root, recipe(root, wheelhouse).exclude)] == [
        ".gitignore",
        "train.py",
    ]
    first = image_tag(recipe(root, wheelhouse))
    assert first == image_tag(recipe(root, wheelhouse))
    (root / "data" / "big.bin").write_bytes(b"y" * 100)  # ignored by git: no new image
    assert image_tag(recipe(root, wheelhouse)) == first
    (root / "train.py").write_text("print('b')\n")
    assert image_tag(recipe(root, wheelhouse)) != first


def test_an_unchanged_project_is_not_rebuilt(
    tmp_path: Path, wheelhouse: Path, docker_client: Any
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "job.py").write_text("import zenml_core\nprint('inside', zenml_core.__version__)\n")
    tag, built = ensure_image(docker_client, recipe(root, wheelhouse))
    assert built
    again, built_again = ensure_image(docker_client, recipe(root, wheelhouse))
    assert (again, built_again) == (tag, False)
    output = docker_client.containers.run(
        tag, ["python3", "job.py"], remove=True, network_mode="none"
    )
    assert output.decode().strip() == "inside 0.1.0"
    docker_client.images.remove(tag, force=True)


def test_prune_removes_step_images_not_kept(
    tmp_path: Path, wheelhouse: Path, docker_client: Any
) -> None:
    from zenml_docker.image import prune_step_images

    root = tmp_path / "project"
    root.mkdir()
    (root / "job.py").write_text("print('pruned soon')\n")
    tag, _ = ensure_image(docker_client, recipe(root, wheelhouse))
    (root / "job.py").write_text("print('kept')\n")
    kept, _ = ensure_image(docker_client, recipe(root, wheelhouse))
    others = {t for image in docker_client.images.list(name="zenml-steps") for t in image.tags}
    removed, _, freed = prune_step_images(docker_client, keep=others - {tag})
    assert removed == [tag] and freed > 0
    assert kept in {
        t for image in docker_client.images.list(name="zenml-steps") for t in image.tags
    }
    assert not list(wheelhouse.glob("zenml_*"))  # zenml itself came from this installation
