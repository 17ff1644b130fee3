"""Test helpers for code on Cloud Storage: an in-memory emulator on 127.0.0.1 that every
client in the process and its children talks to (needs ``gcp-storage-emulator``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_VARIABLES = ("STORAGE_EMULATOR_HOST", "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT")


@contextmanager
def storage_emulator() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh emulator, set as ``STORAGE_EMULATOR_HOST`` while
    the context lasts."""
    from gcp_storage_emulator.server import create_server

    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    url = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
    previous = {key: os.environ.get(key) for key in _VARIABLES}
    os.environ["STORAGE_EMULATOR_HOST"] = url
    # Otherwise gcsfs probes each new bucket over gRPC, which the emulator cannot answer (60 s).
    os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"
    try:
        yield url
    finally:
        server.stop()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def new_bucket() -> str:
    """A new, empty bucket in the running emulator."""
    import gcsfs

    name = f"zenml-{uuid.uuid4().hex[:12]}"
    gcsfs.GCSFileSystem(project="test", token="anon").mkdir(name)
    return name


def gcs_stack(project: Any, plugins: Any, bucket: str, **components: Any) -> Any:
    """The project's SQLite store and local orchestrator, artifacts in ``bucket`` (emulator),
    with ``components`` (orchestrator=..., training_backend=...) in their slots; downloads are
    cached beside the project (not in it: step images copy the project)."""
    from zenml_aiplatform.config import GCSArtifactStoreConfig
    from zenml_aiplatform.gcs import GCSArtifactStore
    from zenml_core.stack.builder import load_stack
    from zenml_core.stack.stack import Stack

    config = GCSArtifactStoreConfig(
        path=f"gs://{bucket}/artifacts", token="anon",
        cache_dir=str(project.root.parent / "gcs-cache"),  # not a project file: same image
    )  # fmt: skip
    local = load_stack(project, plugins=plugins, environ={})
    return Stack(
        name="gcp", artifact_store=GCSArtifactStore(name="gcs", config=config, flavor="gcs"),
        metadata_store=local.metadata_store,
        **{"orchestrator": local.orchestrator, **components},
    )  # fmt: skip
