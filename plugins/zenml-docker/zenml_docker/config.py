"""Configuration of the ``docker`` orchestrator and of single steps (kept free of heavy
imports)."""

from __future__ import annotations

from attrs import field, frozen

from zenml_core.config.validators import optional, positive
from zenml_docker.image import StepImageSettings


@frozen(kw_only=True)
class DockerOrchestratorConfig(StepImageSettings):
    """Settings of the ``docker`` orchestrator: the step image (see
    :class:`~zenml_docker.image.StepImageSettings`: ``base_image``, ``requirements``,
    ``requirements_file``, ``wheelhouse``) and:

    - ``parallelism``: how many step containers may run at once (None: the number of cores).
    - ``network``: the network mode of step containers (e.g. ``none``, ``host``, ``bridge``).
    - ``environment``: environment variables of every step container.
    - ``user``: ``uid:gid`` the steps run as (None: the user running the pipeline, so files in
      the artifact store stay theirs).
    - ``keep_containers``: leave finished containers for inspection.
    """

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
