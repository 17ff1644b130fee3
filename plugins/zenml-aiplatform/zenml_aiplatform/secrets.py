"""The stack's secrets in Vertex AI: Secret Manager references in the job, values in the task.

A pipeline task or custom job gets ``ZENML_SECRET_REFERENCES`` (variable name -> secret
version resource name) in its environment, never a value; the task's entrypoint
(:mod:`zenml_aiplatform.entrypoint`) reads each version with the Secret Manager client under
the job's service account and sets the variables before the step's stores are opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from zenml_aiplatform.vertex import VertexError

if TYPE_CHECKING:
    from zenml_aiplatform.config import VertexSettings
    from zenml_core.stack.stack import Stack

REFERENCES = "ZENML_SECRET_REFERENCES"
ENDPOINT = "ZENML_SECRET_MANAGER_ENDPOINT"
ANONYMOUS = "ZENML_SECRET_MANAGER_ANONYMOUS"


def reference_environment(settings: VertexSettings, stack: Stack) -> dict[str, str]:
    """The environment of every task and job for the stack's secrets: references only."""
    from zenml_core.stack.builder import secret_variables

    needed = secret_variables(stack)
    missing = [name for name in needed if name not in settings.secrets]
    if missing:
        example = ", ".join(
            f"{n}: projects/PROJECT/secrets/SECRET/versions/latest" for n in missing
        )
        raise VertexError(
            f"the stack's secrets {', '.join(missing)} must reach Vertex AI tasks as Secret "
            f"Manager references: add secrets={{{example}}} to the Vertex settings"
        )
    if not needed:
        return {}
    environment = {REFERENCES: json.dumps({name: settings.secrets[name] for name in needed})}
    if settings.secret_manager_endpoint:
        environment[ENDPOINT] = settings.secret_manager_endpoint
    if settings.anonymous:
        environment[ANONYMOUS] = "1"
    return environment


def resolve_references(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set every referenced variable from Secret Manager (inside a task); returns their
    names. A reference that cannot be read fails the task naming the variable."""
    environ = os.environ if environ is None else environ
    references: dict[str, str] = json.loads(environ.get(REFERENCES) or "{}")
    if not references:
        return []
    from google.cloud import secretmanager

    options = {"api_endpoint": environ[ENDPOINT]} if environ.get(ENDPOINT) else None
    credentials = None
    if environ.get(ANONYMOUS):
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    client = secretmanager.SecretManagerServiceClient(
        credentials=credentials, transport="rest", client_options=options
    )
    for name, version in references.items():
        try:
            response = client.access_secret_version(name=version)
        except Exception as exc:  # the API's answer, whatever its type
            raise VertexError(
                f"cannot read secret {name} from Secret Manager ({version}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        environ[name] = response.payload.data.decode("utf-8")
    return list(references)
