"""A fake Dataflow API on 127.0.0.1 that the real Beam DataflowRunner submits to.

It records every request, and runs each job it is sent for real: the pipeline proto Beam
staged in Cloud Storage (the emulator) is read back, its environments (the SDK container
image, which cannot be pulled here) are replaced by embedded Python, and Beam's portable
FnApiRunner executes it before the create call answers, so the job is done when Beam first
asks. A job that fails is reported as JOB_STATE_FAILED with the error as a job message.
"""

from __future__ import annotations

import itertools
import traceback
from typing import Any
from urllib.parse import urlparse

from zenml_core.testing.fake_server import FakeServer, QuietHandler


def run_staged_pipeline(staged_url: str) -> None:
    """Execute the pipeline proto at ``staged_url`` (``gs://``) with embedded Python."""
    import gcsfs
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.portability import python_urns
    from apache_beam.portability.api import beam_runner_api_pb2
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    data = gcsfs.GCSFileSystem(project="test", token="anon").cat_file(staged_url)
    proto = beam_runner_api_pb2.Pipeline.FromString(data)
    for environment in proto.components.environments.values():
        environment.urn = python_urns.EMBEDDED_PYTHON
        environment.payload = b""
    FnApiRunner().run_via_runner_api(proto, PipelineOptions([])).wait_until_finish()


class FakeDataflow(FakeServer):
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.staged: list[str] = []
        ids = itertools.count(1)
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.read_json()
                path = urlparse(self.path).path
                fake.requests.append(("POST", path, body))
                job_id = f"job-{next(ids)}"
                options = body["environment"]["sdkPipelineOptions"]["options"]
                staged = f"{options['staging_location']}/pipeline.pb"
                fake.staged.append(staged)
                project = path.split("/")[3]  # /v1b3/projects/P/locations/R/jobs
                job = {"id": job_id, "projectId": project, "name": body.get("name", "")}
                try:
                    run_staged_pipeline(staged)
                    job["currentState"], job["error"] = "JOB_STATE_DONE", None
                except Exception:
                    job["currentState"] = "JOB_STATE_FAILED"
                    job["error"] = traceback.format_exc()
                fake.jobs[job_id] = job
                self.answer_json(200, {**body, **self.public(job)})

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                fake.requests.append(("GET", path, None))
                if path.endswith("/messages"):
                    job = fake.jobs[path.split("/")[-2]]
                    messages = []
                    if job["error"]:
                        messages.append(
                            {"id": "1", "messageImportance": "JOB_MESSAGE_ERROR",
                             "messageText": job["error"], "time": "2026-12-01T00:00:00Z"}
                        )  # fmt: skip
                    self.answer_json(200, {"jobMessages": messages})
                    return
                self.answer_json(200, self.public(fake.jobs[path.rsplit("/", 1)[1]]))

            @staticmethod
            def public(job: dict[str, Any]) -> dict[str, Any]:
                return {k: v for k, v in job.items() if k != "error"}

        super().__init__(Handler)

    @property
    def endpoint(self) -> str:
        """What Beam's ``dataflow_endpoint`` must be: it uses REST only for a URL that names
        ``localhost`` (``http://127.0.0.1:PORT`` is refused)."""
        return f"http://localhost:{self.server.server_address[1]}"

    def created(self) -> list[dict[str, Any]]:
        """The bodies of the job-creation requests, in order."""
        return [body for method, path, body in self.requests if method == "POST"]
