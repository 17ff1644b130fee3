"""Configuration of the plugin's flavors and of single steps (kept free of imports)."""

from __future__ import annotations

from attrs import field, frozen
from zenml_docker.image import StepImageSettings

from zenml_core.config.validators import at_least_zero, optional, positive


@frozen
class GCSArtifactStoreConfig:
    """Settings of the ``gcs`` artifact store.

    - ``path``: ``gs://BUCKET`` or ``gs://BUCKET/PREFIX``; the bucket must exist.
    - ``project``: the Google Cloud project (default: that of the credentials).
    - ``token``: gcsfs credentials: None for Google's default credentials, ``anon`` for none
      (emulators, public buckets), or the path of a service-account key file.
    - ``cache_dir``: where read artifacts are kept locally (default ``~/.cache/zenml/gcs``).
    """

    path: str
    project: str | None = None
    token: str | None = None
    cache_dir: str | None = None


@frozen(kw_only=True)
class VertexSettings(StepImageSettings):
    """What the ``vertex`` orchestrator and training backend share.

    - ``project``, ``location``; jobs run as ``service_account`` in ``network``, encrypted with
      ``encryption_key`` (a Cloud KMS key name), carrying ``labels``.
    - Credentials: Google's default ones, or ``credentials_file`` (a service-account key).
      ``api_endpoint`` and ``api_transport`` (``grpc`` or ``rest``) are for private endpoints
      and local fakes; ``anonymous`` sends no credentials (only for such fakes).
    - The step image: ``base_image``, ``requirements``, ``requirements_file``, ``wheelhouse``
      (:class:`~zenml_docker.image.StepImageSettings`) and ``registry`` to push it to
      (Artifact Registry, e.g. ``us-docker.pkg.dev/PROJECT/REPO``).
    - ``secrets``: where tasks and jobs find the stack's secrets, as Secret Manager references
      per variable (``{ZENML_DB_PASSWORD: projects/P/secrets/db-password/versions/latest}``);
      resolved inside the task, so no job spec ever holds a value.
      ``secret_manager_endpoint``: a private (or fake) Secret Manager REST endpoint.
    """

    project: str
    location: str = "us-central1"
    service_account: str | None = None
    network: str | None = None
    encryption_key: str | None = None
    labels: dict[str, str] = field(factory=dict)
    credentials_file: str | None = None
    api_endpoint: str | None = None
    api_transport: str | None = None
    anonymous: bool = False
    registry: str | None = None
    secrets: dict[str, str] = field(factory=dict)
    secret_manager_endpoint: str | None = None


@frozen(kw_only=True)
class VertexOrchestratorConfig(VertexSettings):
    """Settings of the ``vertex`` orchestrator: the pipeline compiled by zenml-kubeflow runs
    as a Vertex AI PipelineJob (see :class:`VertexSettings` for the shared ones).

    - ``pipeline_root``: a ``gs://`` URL for Vertex's own pipeline files.
    - ``wait``: wait up to ``timeout`` seconds, checking every ``poll_seconds``; otherwise
      return at once and let ``zenml runs show`` follow the job.
    """

    pipeline_root: str
    wait: bool = True
    timeout: int = field(default=3600, validator=positive)
    poll_seconds: float = field(default=10.0, validator=positive)


@frozen(kw_only=True)
class VertexTrainingBackendConfig(VertexSettings):
    """Settings of the ``vertex`` training backend: steps handed to it run as Vertex AI
    CustomJobs on the step image (see :class:`VertexSettings` for the shared ones).

    - ``machine_type``, ``accelerator_type`` (e.g. ``NVIDIA_TESLA_T4``) with
      ``accelerator_count``, ``replica_count``; a step may override them with
      ``settings={"vertex": {...}}``.
    - ``staging_bucket``: a ``gs://`` URL for the job's own output directory.
    - The pipeline waits for the job up to ``timeout`` seconds, checking every
      ``poll_seconds``.
    """

    staging_bucket: str
    machine_type: str = "n1-standard-4"
    accelerator_type: str | None = None
    accelerator_count: int = field(default=0, validator=at_least_zero)
    replica_count: int = field(default=1, validator=positive)
    timeout: int = field(default=24 * 3600, validator=positive)
    poll_seconds: float = field(default=15.0, validator=positive)


@frozen
class VertexStepSettings:
    """Per step: ``@step(settings={"vertex": {"machine_type": "a2-highgpu-1g",
    "accelerator_type": "NVIDIA_TESLA_A100", "accelerator_count": 1}})``."""

    machine_type: str | None = None
    accelerator_type: str | None = None
    accelerator_count: int | None = field(default=None, validator=optional(at_least_zero))
    replica_count: int | None = field(default=None, validator=optional(positive))
