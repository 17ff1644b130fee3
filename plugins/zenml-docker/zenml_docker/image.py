"""Building the image steps run in: the user's project, zenml and the plugins its stack needs.

Reusable by every plugin that runs steps in containers (Docker, Kubeflow, Vertex AI). The tag
is a hash of everything that goes in (Dockerfile, requirements, wheels, project files), so
an unchanged project is never rebuilt, and deciding that takes one hash and one lookup.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from attrs import field, frozen

from zenml_core.errors import ZenMLError
from zenml_core.utils.hashing import hash_text

IMAGE_REPOSITORY = "zenml-steps"
_WHEELS = "/opt/zenml/wheels"


class ImageBuildError(ZenMLError):
    """The step image could not be built (the message carries the build's last lines) or pushed."""


@frozen
class ImageRecipe:
    """Everything that decides the content of a step image.

    ``project_root`` is copied to the same absolute path in the image, so sources and paths
    recorded on the host (``/home/me/project/train.py:step``) resolve inside containers too.
    """

    base_image: str
    project_root: Path
    packages: tuple[str, ...]  # zenml distributions, e.g. "zenml-core==0.1.0"
    requirements: tuple[str, ...] = ()
    wheelhouse: Path | None = None
    exclude: tuple[str, ...] = field(default=(".zen", ".git", ".venv", ".tox"))

    def dockerfile(self) -> str:
        install = "python3 -m pip install --no-cache-dir"
        if self.wheelhouse is not None:
            install += f" --no-index --find-links {_WHEELS}"
        lines = [f"FROM {self.base_image}"]
        if self.wheelhouse is not None:
            lines.append(f"COPY wheels/ {_WHEELS}/")
        lines.append("COPY requirements.txt /opt/zenml/requirements.txt")
        lines.append(f"RUN {install} -r /opt/zenml/requirements.txt")
        lines.append(f"COPY project/ {self.project_root}/")
        lines.append(f"WORKDIR {self.project_root}")
        lines.append("ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1")
        return "\n".join(lines) + "\n"

    def requirements_text(self) -> str:
        return "\n".join([*self.packages, *self.requirements]) + "\n"


def project_files(root: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """The project's files: what git tracks plus untracked files it does not ignore."""
    excluded = set(exclude)
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        candidates = [root / name.decode() for name in listed if name]
    except (OSError, subprocess.CalledProcessError):  # not a git repository: every file
        candidates = [path for path in root.rglob("*")]
    files = []
    for path in candidates:
        relative = path.relative_to(root)
        if relative.parts[0] in excluded or "__pycache__" in relative.parts:
            continue
        if path.is_file():
            files.append(path)
    return sorted(files)


def _file_hash(path: Path) -> str:
    import xxhash

    digest = xxhash.xxh3_128()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _wheels(recipe: ImageRecipe) -> list[Path]:
    if recipe.wheelhouse is None:
        return []
    if not recipe.wheelhouse.is_dir():
        raise ImageBuildError(f"wheelhouse {recipe.wheelhouse} is not a folder")
    return sorted(path for path in recipe.wheelhouse.iterdir() if path.suffix == ".whl")


def image_tag(recipe: ImageRecipe) -> str:
    """``zenml-steps:<hash of every input>``."""
    parts = [recipe.dockerfile(), recipe.requirements_text()]
    parts += [f"wheel {path.name} {_file_hash(path)}" for path in _wheels(recipe)]
    root = recipe.project_root
    parts += [
        f"file {path.relative_to(root)} {_file_hash(path)}"
        for path in project_files(root, recipe.exclude)
    ]
    return f"{IMAGE_REPOSITORY}:{hash_text(*parts)[:24]}"


def _context(recipe: ImageRecipe) -> io.BytesIO:
    """The build context as a tar stream: Dockerfile, requirements, wheels, project files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:

        def add_text(name: str, text: str) -> None:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        add_text("Dockerfile", recipe.dockerfile())
        add_text("requirements.txt", recipe.requirements_text())
        for wheel in _wheels(recipe):
            archive.add(wheel, arcname=f"wheels/{wheel.name}")
        folder = tarfile.TarInfo("project")  # present even for a project without files
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(folder)
        root = recipe.project_root
        for path in project_files(root, recipe.exclude):
            archive.add(path, arcname=f"project/{path.relative_to(root)}", recursive=False)
    buffer.seek(0)
    return buffer


def ensure_image(
    client: Any, recipe: ImageRecipe, log: Callable[[str], None] = lambda line: None
) -> tuple[str, bool]:
    """The tag of the image for ``recipe``, building it if missing; and whether it was built."""
    import docker

    tag = image_tag(recipe)
    try:
        client.images.get(tag)
        return tag, False
    except docker.errors.ImageNotFound:
        pass
    log(f"building step image {tag} from {recipe.base_image}")
    lines: list[str] = []
    try:
        for chunk in client.api.build(
            fileobj=_context(recipe),
            custom_context=True,
            tag=tag,
            rm=True,
            forcerm=True,
            decode=True,
            network_mode="none" if recipe.wheelhouse is not None else None,
        ):
            text = (chunk.get("stream") or chunk.get("error") or "").rstrip()
            if text:
                lines.append(text)
            if "error" in chunk:
                raise ImageBuildError(
                    f"building {tag} failed: {chunk['error'].strip()}; last output: "
                    + " | ".join(lines[-8:])
                )
    except docker.errors.APIError as exc:
        raise ImageBuildError(f"building {tag} failed: {exc.explanation or exc}") from exc
    return tag, True


def push_image(client: Any, image: str, registry: str) -> str:
    """Tag ``image`` into ``registry`` and push it; returns the pushed name."""
    repository, tag = image.rsplit(":", 1)
    target = f"{registry.rstrip('/')}/{repository}"
    client.images.get(image).tag(target, tag)
    for line in client.images.push(target, tag, stream=True, decode=True):
        if "error" in line:
            raise ImageBuildError(
                f"pushing the step image to {registry} failed: {line['error']}; check that "
                "the registry is reachable and that `docker login` was done for it"
            )
    return f"{target}:{tag}"
