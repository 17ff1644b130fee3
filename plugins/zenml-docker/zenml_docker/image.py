"""Building the image steps run in: the user's project, zenml and the plugins its stack needs.

Reusable by every plugin that runs steps in containers (Docker, Kubeflow, Vertex AI): they
nest :class:`StepImageSettings` in their configs and call :func:`build_step_image`. zenml-core
and the plugins go in as wheels repacked from what is installed here (:mod:`zenml_docker.wheels`);
their third-party dependencies come from the index, or only from the configured wheelhouse.
The tag is a hash of everything that goes in (Dockerfile, requirements, wheels, zenml's files,
project files), so an unchanged project is never rebuilt, and deciding that takes one hash
and one lookup.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from zenml_core.errors import ZenMLError
from zenml_core.utils.hashing import hash_text
from zenml_docker.wheels import build_wheel, installed_files

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack

IMAGE_REPOSITORY = "zenml-steps"
LABEL = "zenml.step-image"  # on every step image, for pruning
_WHEELS = "/opt/zenml/wheels"
_DISTRIBUTIONS = "/opt/zenml/distributions"


@frozen(kw_only=True)
class StepImageSettings:
    """The step image, shared by every flavor that builds one (its fields are flat keys of
    their configs: ``--base_image=...``, ``ZENML_ORCHESTRATOR__BASE_IMAGE``).

    - ``base_image``: the image step images are built on (it needs Python 3.10+ and pip).
    - ``requirements`` / ``requirements_file``: what the steps need besides zenml, as pip
      requirement lines or a file relative to the repository root.
    - ``wheelhouse``: a folder of wheels; the requirements and zenml's dependencies are then
      installed from it alone, with no package index and no network (air-gapped builds).
      zenml itself and the plugins never need one: they are packed from this installation.
    """

    base_image: str = "python:3.11-slim"
    requirements: list[str] = field(factory=list)
    requirements_file: str | None = None
    wheelhouse: str | None = None


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
    packages: tuple[str, ...]  # zenml distributions, e.g. "zenml-core[mysql]==0.1.0"
    requirements: tuple[str, ...] = ()
    wheelhouse: Path | None = None
    exclude: tuple[str, ...] = field(default=(".zen", ".git", ".venv", ".tox"))

    @property
    def distributions(self) -> tuple[str, ...]:
        """The packages installed here: they go in as wheels packed from this installation."""
        names = (re.split(r"[\[=<>!~ ;]", package, maxsplit=1)[0] for package in self.packages)
        return tuple(name for name in names if _installed(name))

    def dockerfile(self) -> str:
        install = f"python3 -m pip install --no-cache-dir --find-links {_DISTRIBUTIONS}"
        if self.wheelhouse is not None:
            install += f" --no-index --find-links {_WHEELS}"
        lines = [f"FROM {self.base_image}", f"COPY distributions/ {_DISTRIBUTIONS}/"]
        if self.wheelhouse is not None:
            lines.append(f"COPY wheels/ {_WHEELS}/")
        lines.append("COPY requirements.txt /opt/zenml/requirements.txt")
        lines.append(f"RUN {install} -r /opt/zenml/requirements.txt")
        lines.append(f"COPY project/ {self.project_root}/")
        lines.append(f"WORKDIR {self.project_root}")
        lines.append("ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1")
        lines.append(f'LABEL {LABEL}="{IMAGE_REPOSITORY}"')
        return "\n".join(lines) + "\n"

    def requirements_text(self) -> str:
        return "\n".join([*self.packages, *self.requirements]) + "\n"


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _zenml_dependencies(distribution: str) -> list[str]:
    """The zenml distributions ``distribution`` requires (zenml-core and plugins: those with
    ``zenml.plugins`` entry points), which are on no index either."""
    found = []
    for line in importlib.metadata.requires(distribution) or []:
        if "extra ==" in line:
            continue
        name = re.split(r"[\[=<>!~ ;(]", line, maxsplit=1)[0]
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        plugin = any(entry.group == "zenml.plugins" for entry in dist.entry_points)
        if plugin or dist.metadata["Name"] == "zenml-core":
            found.append(dist.metadata["Name"])
    return found


def _requirement(distribution: str, extras: Iterable[str]) -> str:
    """``distribution[extras]==installed version`` (just the name if it is not installed)."""
    chosen = ",".join(sorted(set(extras)))
    name = f"{distribution}[{chosen}]" if chosen else distribution
    try:
        return f"{name}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return name


def image_recipe(
    settings: StepImageSettings, stack: Stack, plugins: PluginManager, root: Path
) -> ImageRecipe:
    """The image for ``stack``: zenml, the distribution of every flavor in it (with the extras
    the flavors declared), the requirements, and the project at ``root``."""
    extras: dict[str, set[str]] = {"zenml-core": set()}
    for kind, component in stack.components.items():
        if component.flavor is None:
            continue
        flavor = plugins.registry.flavor(kind, component.flavor)
        extras.setdefault(flavor.distribution, set()).update(flavor.extras)
    pending = list(extras)
    while pending:  # zenml-kubeflow needs zenml-docker, which no flavor of the stack names
        name = pending.pop()
        for dependency in _zenml_dependencies(name) if _installed(name) else []:
            if dependency not in extras:
                extras[dependency] = set()
                pending.append(dependency)
    packages = sorted(_requirement(name, chosen) for name, chosen in extras.items())
    requirements = list(settings.requirements)
    if settings.requirements_file:
        path = Path(settings.requirements_file)
        path = path if path.is_absolute() else root / path
        requirements += [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    wheelhouse = None
    if settings.wheelhouse:
        wheelhouse = Path(settings.wheelhouse)
        wheelhouse = wheelhouse if wheelhouse.is_absolute() else root / wheelhouse
    return ImageRecipe(
        base_image=settings.base_image,
        project_root=root.resolve(),
        packages=tuple(packages),
        requirements=tuple(requirements),
        wheelhouse=wheelhouse,
    )


def project_python_path(root: Path) -> list[str]:
    """Folders of ``sys.path`` inside the project: where the user's modules come from (they
    are at the same paths in the image)."""
    root = root.resolve()
    found = []
    for entry in sys.path:
        folder = Path(entry or ".").resolve()
        if folder.is_relative_to(root) and str(folder) not in found:
            found.append(str(folder))
    return found or [str(root)]


def store_mounts(stack: Stack) -> dict[str, dict[str, str]]:
    """Bind mounts (at the same paths) for the stores whose files are on this machine: what
    step containers on this machine need to reach them."""
    mounts = {}
    for folder in (stack.artifact_store.local_root(), stack.metadata_store.local_folder()):
        if folder is not None:
            mounts[str(folder)] = {"bind": str(folder), "mode": "rw"}
    return mounts


def build_step_image(
    settings: StepImageSettings,
    stack: Stack,
    plugins: PluginManager,
    root: Path,
    *,
    registry: str | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[str, bool]:
    """Build (if missing) the step image for ``stack`` and push it to ``registry`` if given;
    returns the image name and whether it was built."""
    import docker

    client = docker.from_env()
    image, built = ensure_image(client, image_recipe(settings, stack, plugins, root), log)
    if registry:
        image = push_image(client, image, registry)
    return image, built


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
    for distribution in recipe.distributions:
        version = importlib.metadata.version(distribution)
        parts += [
            f"{distribution} {version} {name} {_file_hash(path)}"
            for name, path in installed_files(distribution)
        ]
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
        with tempfile.TemporaryDirectory(prefix="zenml-wheels-") as scratch:
            distributions = tarfile.TarInfo("distributions")
            distributions.type, distributions.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(distributions)
            for name in recipe.distributions:
                wheel = build_wheel(name, Path(scratch))
                archive.add(wheel, arcname=f"distributions/{wheel.name}")
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


def current_step_image(
    settings: StepImageSettings, stack: Stack, plugins: PluginManager, root: Path
) -> str:
    """The tag the step image of ``stack`` has now (built or not)."""
    return image_tag(image_recipe(settings, stack, plugins, root))


def prune_step_images(
    client: Any, *, keep: AbstractSet[str] = frozenset()
) -> tuple[list[str], int, int]:
    """Remove step containers that ended and every step image not in ``keep`` nor used by
    a container; returns (removed image tags, removed containers, bytes freed on disk: the
    engine's layer total before and after, as images share their base layers)."""
    import docker

    layers_before = int(client.df().get("LayersSize") or 0)
    containers = 0
    for container in client.containers.list(all=True, filters={"label": "zenml.run"}):
        if container.status in ("exited", "dead", "created"):
            container.remove(force=True)
            containers += 1
    in_use = {c.image.id for c in client.containers.list(all=True)}
    removed = []
    for image in client.images.list(name=IMAGE_REPOSITORY):
        tags = [tag for tag in image.tags if tag.startswith(f"{IMAGE_REPOSITORY}:")]
        if image.id in in_use or any(tag in keep for tag in tags):
            continue
        try:
            client.images.remove(image.id, force=True)
        except docker.errors.APIError:
            continue  # used meanwhile, or shared with a pushed tag still needed
        removed += tags
    freed = layers_before - int(client.df().get("LayersSize") or 0) if removed else 0
    return removed, containers, max(freed, 0)
