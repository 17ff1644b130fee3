"""The few calls of Airflow's REST API (v2) a zenml run needs, with the standard library.

Airflow 3's API takes a bearer token: with ``username`` it is fetched from ``/auth/token``
with the password (Airflow's simple auth manager, or any manager that offers that endpoint);
without, requests go unauthenticated (a server where every user is an admin).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from zenml_core.errors import ZenMLError


class AirflowApiError(ZenMLError):
    """The Airflow API answered with an error, or could not be reached."""


class AirflowApi:
    def __init__(self, base_url: str, username: str | None, password: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self._username, self._password = username, password
        self._token: str | None = None

    def _send(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth and self._username:
            request.add_header("Authorization", f"Bearer {self.token()}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise AirflowApiError(
                f"Airflow at {self.base_url} answered {method} {path} with {exc.code}: {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AirflowApiError(f"cannot reach Airflow at {self.base_url} ({reason})") from None
        return json.loads(text) if text else None

    def token(self) -> str:
        if self._token is None:
            answer = self._send(
                "POST", "/auth/token",
                {"username": self._username, "password": self._password or ""}, auth=False,
            )  # fmt: skip
            self._token = str(answer["access_token"])
        return self._token

    def task_ids(self, dag_id: str) -> set[str] | None:
        """The task ids of the DAG as the server parsed it, or None if it does not know it."""
        try:
            answer = self._send("GET", f"/api/v2/dags/{_quote(dag_id)}/tasks")
        except AirflowApiError as exc:
            if " with 404:" in str(exc):
                return None
            raise
        return {task["task_id"] for task in answer["tasks"]}

    def import_errors(self, file_name: str) -> list[str]:
        answer = self._send("GET", "/api/v2/importErrors?limit=100")
        return [
            str(error.get("stack_trace", "")).strip().splitlines()[-1:][0]
            for error in answer.get("import_errors", [])
            if str(error.get("filename", "")).endswith(file_name) and error.get("stack_trace")
        ]

    def unpause(self, dag_id: str) -> None:
        self._send("PATCH", f"/api/v2/dags/{_quote(dag_id)}", {"is_paused": False})

    def pause(self, dag_id: str) -> None:
        self._send("PATCH", f"/api/v2/dags/{_quote(dag_id)}", {"is_paused": True})

    def trigger(self, dag_id: str, dag_run_id: str, conf: dict[str, Any]) -> None:
        body = {"dag_run_id": dag_run_id, "logical_date": None, "conf": conf}
        self._send("POST", f"/api/v2/dags/{_quote(dag_id)}/dagRuns", body)

    def dag_run(self, dag_id: str, dag_run_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._send(
            "GET", f"/api/v2/dags/{_quote(dag_id)}/dagRuns/{_quote(dag_run_id)}"
        )
        return answer

    def task_states(self, dag_id: str, dag_run_id: str) -> dict[str, str | None]:
        answer = self._send(
            "GET", f"/api/v2/dags/{_quote(dag_id)}/dagRuns/{_quote(dag_run_id)}/taskInstances"
        )
        return {task["task_id"]: task.get("state") for task in answer["task_instances"]}


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")
