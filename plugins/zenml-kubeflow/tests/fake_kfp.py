"""A fake Kubeflow Pipelines API server (v2beta1 REST) on 127.0.0.1 that records requests.

It answers the calls ``kfp.Client`` makes to submit and watch a run: health check,
experiment lookup and creation, run creation, run lookup. With ``execute`` it also plays the
cluster: each task of the submitted pipeline spec runs its container's command as a process
on this machine (with this interpreter instead of the image's), dependencies first, and the
run ends SUCCEEDED or FAILED by their exit codes. Otherwise a run ends in ``final_state``.
``hold`` keeps runs RUNNING until the test sets it.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlparse

from zenml_kubeflow.testing import run_tasks_locally

from zenml_core.testing.fake_server import FakeServer, QuietHandler


class FakeKFP(FakeServer):
    def __init__(
        self, final_state: str = "SUCCEEDED", error: str | None = None, *, execute: bool = False
    ) -> None:
        self.final_state = final_state
        self.error = error
        self.execute = execute
        self.hold = threading.Event()
        self.hold.set()
        self.fail_run_creation = False
        self.requests: list[tuple[str, str, Any]] = []
        self.experiments: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.exit_codes: dict[str, int] = {}
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(("GET", url.path, parse_qs(url.query)))
                if url.path == "/apis/v2beta1/healthz":
                    return self.answer_json(200, {"multi_user": False})
                if url.path == "/apis/v2beta1/experiments":
                    wanted = json.loads(parse_qs(url.query)["filter"][0])["predicates"][0]
                    found = [e for e in fake.experiments.values()
                             if e["display_name"] == wanted["stringValue"]]  # fmt: skip
                    return self.answer_json(200, {"experiments": found, "total_size": len(found)})
                if url.path.startswith("/apis/v2beta1/runs/"):
                    return self.answer_json(200, fake.runs[url.path.rsplit("/", 1)[1]])
                return self.answer_json(404, {"error": f"no route {url.path}"})

            def do_POST(self) -> None:
                body = self.read_json()
                fake.requests.append(("POST", self.path, body))
                if self.path == "/apis/v2beta1/experiments":
                    experiment = {**body, "experiment_id": f"exp-{len(fake.experiments) + 1}"}
                    fake.experiments[experiment["experiment_id"]] = experiment
                    return self.answer_json(200, experiment)
                if self.path == "/apis/v2beta1/runs":
                    if fake.fail_run_creation:
                        return self.answer_json(500, {"error": "the cluster is full", "code": 13})
                    run = {**body, "run_id": f"run-{len(fake.runs) + 1}", "state": "PENDING"}
                    fake.runs[run["run_id"]] = run
                    threading.Thread(target=fake._play, args=(run,), daemon=True).start()
                    return self.answer_json(200, run)
                return self.answer_json(404, {"error": f"no route {self.path}"})

        super().__init__(Handler)

    def _play(self, run: dict[str, Any]) -> None:
        """Take the run from RUNNING to its end state."""
        run["state"] = "RUNNING"
        self.hold.wait()
        state, error = self.final_state, self.error
        if self.execute:
            parameters = run["runtime_config"]["parameters"]
            self.exit_codes = run_tasks_locally(run["pipeline_spec"], parameters)
            failed = [name for name, code in self.exit_codes.items() if code > 0]
            state = "FAILED" if failed else "SUCCEEDED"
            error = (
                f"task {failed[0]} exited with code {self.exit_codes[failed[0]]}"
                if failed
                else None
            )
        if error:
            run["error"] = {"code": 2, "message": error}
        run["state"] = state

    def posted(self, path: str) -> list[Any]:
        return [body for method, p, body in self.requests if method == "POST" and p == path]
