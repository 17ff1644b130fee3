"""Configuration of the ``docker`` orchestrator and of single steps (kept free of imports)."""

from __future__ import annotations

from attrs import field, frozen

from zenml_core.config.validators import optional, positive


@frozen
class DockerOrchestratorConfig:
    """Settings of the ``docker`` orchestrator.

    - ``base_image``: the image step images are built on (it needs Python 3.10+ and pip).
    - ``requirements`` / ``requirements_file``: what the steps need besides zenml, as pip
      requirement lines or a file relative to the repository root.
    - ``wheelhouse``: a folder of wheels; zenml, the plugins and the requirements are
      installed from it alone, with no package index and no network (air-gapped builds).
    - ``parallelism``: how many step containers may run at once (None: the number of cores).
    - ``network``: the network mode of step containers (e.g. ``none``, ``host``, ``bridge``).
    - ``environment``: environment variables of every step container.
    - ``user``: ``uid:gid`` the steps run as (None: the user running the pipeline, so files in
      the artifact store stay theirs).
    - ``keep_containers``: leave finished containers for inspection.
    """

    base_image: str = "python:3.11-slim"
    requirements: list[str] = field(factory=list)
    requirements_file: str | None = None
    wheelhouse: str | None = None
    parallelism: int | None = field(default=None, validator=optional(positive))
    network: str | None = None
    environment: dict[str, str] = field(factory=dict)
    user: str | None = None
    keep_containers: bool = False


@frozen
class DockerStepSettings:
    """Per-step settings: ``@step(settings={"docker": {"memory": "2g", "cpus": 1.5}})``.

    ``volumes`` are ``host:container[:ro]`` strings added to the step's container.
    """

    environment: dict[str, str] = field(factory=dict)
    cpus: float | None = field(default=None, validator=optional(positive))
    memory: str | None = None
    network: str | None = None
    volumes: list[str] = field(factory=list)
