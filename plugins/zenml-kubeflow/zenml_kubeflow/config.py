"""Configuration of the ``kubeflow`` orchestrator and of single steps (kept free of heavy
imports)."""

from __future__ import annotations

from attrs import field, frozen
from zenml_docker.image import StepImageSettings

from zenml_core.config.validators import at_least_zero, positive


@frozen(kw_only=True)
class KubeflowOrchestratorConfig(StepImageSettings):
    """Settings of the ``kubeflow`` orchestrator.

    - ``local``: run the compiled pipeline on this machine with ``kfp.local.DockerRunner``
      (the step image must exist locally; nothing is pulled).
    - ``host``: otherwise, the KFP API server to submit to (``experiment``, ``namespace``).
      With ``wait`` the orchestrator waits up to ``timeout`` seconds for the run to end;
      without (or after the timeout) it returns and ``zenml runs show`` follows the run.
      ``registry`` (``host[:port][/path]``) is where the step image is pushed for the cluster
      to pull.
      The cluster must reach the artifact store; a SQLite metadata store it cannot reach, so
      steps then record via their manifests, imported when the run ends (no caching there).
    - ``secret``: the Kubernetes secret the step pods read the stack's secrets from (one key
      per variable, named like it: ``ZENML_DB_PASSWORD`` for ``password_env:
      ZENML_DB_PASSWORD``, ``ZENML_METADATA_STORE__PASSWORD`` for a password in the
      configuration). The compiled YAML names the secret, never a value.
    - ``base_image``, ``requirements``, ``requirements_file``, ``wheelhouse``: the step image
      (:class:`~zenml_docker.image.StepImageSettings`).
    - ``network``: the network mode of local step containers.
    """

    local: bool = False
    host: str | None = None
    experiment: str = "zenml"
    namespace: str | None = None
    wait: bool = True
    timeout: int = field(default=3600, validator=positive)
    registry: str | None = None
    secret: str | None = None
    network: str | None = None


@frozen
class KubeflowStepSettings:
    """Per step: ``@step(settings={"kubeflow": {"cpu": "2", "memory": "4G", "retries": 2}})``.

    ``gpu_type`` (an accelerator type such as ``NVIDIA_TESLA_T4``) with ``gpu_count``.
    """

    cpu: str | None = None
    memory: str | None = None
    gpu_type: str | None = None
    gpu_count: int = field(default=1, validator=positive)
    retries: int = field(default=0, validator=at_least_zero)
    environment: dict[str, str] = field(factory=dict)
