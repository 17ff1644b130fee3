"""What the Vertex orchestrator and training backend share: connecting to Vertex AI, the step
image, job states, and waiting for a job."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zenml_core.errors import ZenMLError
from zenml_core.orchestrators.remote import RemoteState

if TYPE_CHECKING:
    from zenml_aiplatform.config import VertexSettings


class VertexError(ZenMLError):
    """A Vertex AI request failed, or a job cannot be set up as configured."""


def connect(settings: VertexSettings) -> Any:
    """``google.cloud.aiplatform``, initialised for ``settings`` (imported here: ~2.5 s)."""
    from google.cloud import aiplatform

    aiplatform.init(
        project=settings.project,
        location=settings.location,
        credentials=credentials(settings),
        api_endpoint=settings.api_endpoint,
        api_transport=settings.api_transport,
    )
    return aiplatform


def credentials(settings: VertexSettings) -> Any:
    """None for Google's default credentials, else the configured ones."""
    if settings.anonymous:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]
    if settings.credentials_file:
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            settings.credentials_file,
            scopes=["https://www.googleapis.com/auth/cloud-platform"],
        )
    return None


def resource_id(text: str) -> str:
    """``text`` as a Vertex resource id: lowercase letters, digits and '-', at most 128."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return cleaned[:128] or "zenml"


def job_state(job: Any, what: str) -> RemoteState:
    """A Vertex job's state (``PIPELINE_STATE_*``/``JOB_STATE_*``) as a RemoteState."""
    name = job.state.name
    word = name.removeprefix("PIPELINE_STATE_").removeprefix("JOB_STATE_")
    failed = word in ("FAILED", "CANCELLED", "EXPIRED")
    ended = failed or word in ("SUCCEEDED", "PARTIALLY_SUCCEEDED")
    error = None
    if failed:
        message = getattr(getattr(job._gca_resource, "error", None), "message", "")
        error = f"{what} ended {word}" + (f": {message}" if message else "")
    return RemoteState(word, ended=ended, failed=failed, error=error)


def wait_for(
    read_state: Callable[[], RemoteState], *, timeout: float, poll_seconds: float
) -> RemoteState | None:
    """Poll until the job ended; None if it still runs after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        state = read_state()
        if state.ended:
            return state
        if time.monotonic() + poll_seconds > deadline:
            return None
        time.sleep(poll_seconds)
