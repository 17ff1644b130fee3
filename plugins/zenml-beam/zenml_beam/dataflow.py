"""The ``dataflow`` processing backend: each batch of shard work a step sends is one Apache Beam
job on Google Cloud Dataflow (the DataflowRunner, runner v2).

Dataflow's workers do not share this machine's disk, so everything they touch is in Cloud
Storage under the stack's ``gcs`` artifact store: the job's staging and temp locations (unless
configured), the shards they write (a scratch prefix the step's outputs then copy into the
artifact server-side), and the results they send back. Input Datasets are read by the workers
from the artifact store where they lie, each shard checked against its recorded hash.

The workers start from ``sdk_container_image``: by default the step's own image (the tag the
orchestrator that built it sets in ``ZENML_STEP_IMAGE``), which has zenml, Beam and the
project's code, so shard functions of project modules import there as in the step.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen, validators

from zenml_beam.backend import BeamSession
from zenml_core.backends.base import BaseProcessingBackend
from zenml_core.backends.processing import ProcessingSession
from zenml_core.config.environment import STEP_IMAGE_ENV
from zenml_core.config.validators import positive
from zenml_core.errors import ConfigError


@frozen
class DataflowProcessingBackendConfig:
    """Configuration of the ``dataflow`` processing backend.

    ``temp_location``/``staging_location`` default to ``.tmp/dataflow/...`` under the stack's
    gcs artifact store; ``sdk_container_image`` to the step's image. A step can override
    ``machine_type``, ``max_workers`` and ``sdk_container_image`` under its ``dataflow``
    settings. ``endpoint`` and ``anonymous`` point the client at another Dataflow API (tests, a
    private endpoint); ``options`` are further Beam pipeline options as ``--flag=value``.
    """

    project: str
    region: str
    temp_location: str | None = None
    staging_location: str | None = None
    machine_type: str | None = None
    max_workers: int | None = field(default=None, validator=validators.optional(positive))
    service_account: str | None = None
    sdk_container_image: str | None = None
    endpoint: str | None = None
    anonymous: bool = False
    options: list[str] = field(factory=list)


class DataflowSession(BeamSession):
    """Shard tasks as one Dataflow job per call, everything they touch in Cloud Storage."""

    workers_elsewhere = True

    def __init__(
        self,
        name: str,
        scratch_url: str | None,
        settings: Mapping[str, Any],
        config: DataflowProcessingBackendConfig,
    ) -> None:
        super().__init__(None, settings, scratch_url)
        self.name = name
        self.dataflow = config

    def _setting(self, key: str) -> Any:
        return self.settings.get(key, getattr(self.dataflow, key))

    def _bucket_folder(self, what: str) -> str:
        if self._scratch_url is None or not self._scratch_url.startswith("gs://"):
            raise ConfigError(
                f"processing backend {self.name!r} (dataflow): its workers cannot reach this "
                f"stack's artifact store ({what} needs a gs:// location); use a gcs artifact "
                "store in the stack"
            )
        return self._scratch_url

    def scratch_location(self) -> str:
        self._bucket_folder("the shards the workers write")
        return super().scratch_location()

    def results_location(self) -> str:
        return f"{self.scratch_location()}/results-{uuid.uuid4().hex}"

    def worker_image(self) -> str:
        image = self._setting("sdk_container_image") or os.environ.get(STEP_IMAGE_ENV)
        if not image:
            raise ConfigError(
                f"processing backend {self.name!r} (dataflow): no image for the workers; set "
                "its sdk_container_image, or run the step on an orchestrator that builds a "
                f"step image (docker, kubeflow, vertex: they set {STEP_IMAGE_ENV})"
            )
        return str(image)

    def pipeline_options(self) -> list[str]:
        config = self.dataflow
        temp = config.temp_location or f"{self._bucket_folder('temp_location')}/dataflow/temp"
        staging = config.staging_location or (
            f"{self._bucket_folder('staging_location')}/dataflow/staging"
        )
        options = [
            "--runner=DataflowRunner",
            "--experiments=use_runner_v2",
            f"--project={config.project}",
            f"--region={config.region}",
            f"--temp_location={temp}",
            f"--staging_location={staging}",
            f"--job_name=zenml-{uuid.uuid4().hex[:16]}",
            f"--sdk_container_image={self.worker_image()}",
        ]
        optional = {
            "machine_type": self._setting("machine_type"),
            "max_num_workers": self._setting("max_workers"),
            "service_account_email": config.service_account,
            "dataflow_endpoint": config.endpoint,
        }
        options += [f"--{flag}={value}" for flag, value in optional.items() if value]
        if config.anonymous:
            options.append("--no_auth")
        return [*options, *config.options, *self.settings.get("options", [])]


class DataflowProcessingBackend(BaseProcessingBackend[DataflowProcessingBackendConfig]):
    """Runs shard functions as Apache Beam jobs on Google Cloud Dataflow."""

    def session(
        self,
        *,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> ProcessingSession:
        return DataflowSession(self.name, scratch_url, settings, self.config)
