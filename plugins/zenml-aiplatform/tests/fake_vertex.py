"""A fake Vertex AI REST API on 127.0.0.1 that records requests and answers like the service.

Creating a pipeline job or custom job returns the resource with a name and a pending state;
getting it returns the state the test controls. With ``execute`` the fake also plays Vertex:
a pipeline job's tasks run with zenml-kubeflow's ``run_tasks_locally``, a custom job's first
worker pool container runs as a process here (this interpreter for the image's ``python3``),
and the job ends SUCCEEDED or FAILED by their exit codes. ``hold`` keeps jobs RUNNING until the
test sets it; ``refuse`` makes creation answer with an error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from typing import Any
from urllib.parse import urlparse

from zenml_kubeflow.testing import run_tasks_locally

from zenml_core.testing.fake_server import FakeServer, QuietHandler

PREFIX = {"pipelineJobs": "PIPELINE_STATE_", "customJobs": "JOB_STATE_"}
# What a task here may take from this process's environment: a Vertex task does not inherit
# the submitter's variables (its secrets included), only what the job spec gives it.
INHERITED = ("PATH", "HOME", "LANG", "PYTHONPATH", "STORAGE_EMULATOR_HOST", "GCSFS_")


def task_environment(extra: dict[str, str]) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if k.startswith(INHERITED)}
    return {**kept, **extra}


class FakeVertex(FakeServer):
    def __init__(self, *, execute: bool = False) -> None:
        self.execute = execute
        self.hold = threading.Event()
        self.hold.set()
        self.refuse: str | None = None
        self.final_state: str | None = None  # e.g. "FAILED" or "CANCELLED", without execute
        self.error: str | None = None
        self.requests: list[tuple[str, str, Any]] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.exit_codes: dict[str, int] = {}
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path = urlparse(self.path).path
                fake.requests.append(("GET", path, None))
                name = path.split("/", 2)[2] if path.count("/") >= 2 else ""
                if name in fake.jobs:
                    return self.answer_json(200, fake.jobs[name])
                return self.answer_json(404, {"error": {"code": 404, "message": f"no {path}"}})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                body = self.read_json()
                fake.requests.append(("POST", url.path, body))
                created = re.fullmatch(
                    r"/v1[a-z0-9]*/(projects/[^/]+/locations/[^/]+)/(\w+)", url.path
                )
                if created and created[2] in PREFIX:
                    if fake.refuse:
                        status = {"code": 400, "message": fake.refuse, "status": "INVALID_ARGUMENT"}
                        return self.answer_json(400, {"error": status})
                    kind = created[2]
                    name = f"{created[1]}/{kind}/{len(fake.jobs) + 1}"
                    job = {**body, "name": name, "state": PREFIX[kind] + "PENDING",
                           "createTime": "2026-11-27T00:00:00Z"}  # fmt: skip
                    fake.jobs[name] = job
                    threading.Thread(target=fake._play, args=(kind, job), daemon=True).start()
                    return self.answer_json(200, job)
                cancel = re.fullmatch(r"/v1[a-z0-9]*/(.+):cancel", url.path)
                if cancel and cancel[1] in fake.jobs:
                    job = fake.jobs[cancel[1]]
                    job["state"] = job["state"].rsplit("_", 1)[0] + "_CANCELLED"
                    return self.answer_json(200, {})
                return self.answer_json(404, {"error": {"code": 404, "message": f"no {url.path}"}})

        super().__init__(Handler)

    def _play(self, kind: str, job: dict[str, Any]) -> None:
        """Take the job from RUNNING to its end state."""
        prefix = PREFIX[kind]
        job["state"] = prefix + "RUNNING"
        self.hold.wait()
        state, error = self.final_state or "SUCCEEDED", self.error
        if self.execute:
            if kind == "pipelineJobs":
                parameters = job["runtimeConfig"]["parameterValues"]
                self.exit_codes = run_tasks_locally(
                    job["pipelineSpec"], parameters, environ=task_environment({})
                )
            else:
                self.exit_codes = {"worker": self._run_container(job)}
            failed = [name for name, code in self.exit_codes.items() if code > 0]
            state = "FAILED" if failed else "SUCCEEDED"
            error = f"{failed[0]} exited with code {self.exit_codes[failed[0]]}" if failed else None
        if error:
            job["error"] = {"code": 3, "message": error}
        if not job["state"].endswith("CANCELLED"):
            job["state"] = prefix + state

    @staticmethod
    def _run_container(job: dict[str, Any]) -> int:
        container = job["jobSpec"]["workerPoolSpecs"][0]["containerSpec"]
        environment = task_environment({e["name"]: e["value"] for e in container.get("env", [])})
        command = [sys.executable, *container["command"][1:], *container.get("args", [])]
        return subprocess.run(command, capture_output=True, env=environment).returncode

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        super().__exit__(*exc)

    def created(self, kind: str) -> list[Any]:
        """Bodies of the create requests for ``kind`` (``pipelineJobs``, ``customJobs``)."""
        return [body for method, path, body in self.requests
                if method == "POST" and path.endswith(f"/{kind}")]  # fmt: skip
