"""Configuration of the ``kubeflow`` orchestrator and of single steps (kept free of imports)."""

from __future__ import annotations

from attrs import field, frozen


@frozen
class KubeflowOrchestratorConfig:
    """Settings of the ``kubeflow`` orchestrator.

    - ``local``: run the compiled pipeline on this machine with ``kfp.local.DockerRunner``
      (the step image must exist locally; nothing is pulled).
    - ``host``: otherwise, the KFP API server to submit to (``experiment``, ``namespace``);
      the orchestrator waits up to ``timeout`` seconds for the run to end. The cluster must
      be able to pull the step image and reach the stack's stores.
    - ``base_image``, ``requirements``, ``requirements_file``, ``wheelhouse``: the step image,
      built with zenml-docker's image builder.
    - ``network``: the network mode of local step containers.
    """

    local: bool = False
    host: str | None = None
    experiment: str = "zenml"
    namespace: str | None = None
    timeout: int = 3600
    base_image: str = "python:3.11-slim"
    requirements: list[str] = field(factory=list)
    requirements_file: str | None = None
    wheelhouse: str | None = None
    network: str | None = None


@frozen
class KubeflowStepSettings:
    """Per step: ``@step(settings={"kubeflow": {"cpu": "2", "memory": "4G", "retries": 2}})``.

    ``gpu_type`` (an accelerator type such as ``NVIDIA_TESLA_T4``) with ``gpu_count``.
    """

    cpu: str | None = None
    memory: str | None = None
    gpu_type: str | None = None
    gpu_count: int = 1
    retries: int = 0
    environment: dict[str, str] = field(factory=dict)
