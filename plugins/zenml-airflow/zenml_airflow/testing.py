"""A real ``airflow standalone`` for tests and benchmarks: started on 127.0.0.1 with its own
ports and a SQLite home in a given folder, waited for until every part is healthy, stopped
with its whole process group. The traps it avoids: standalone starts its parts by the name
``airflow`` (so that command's folder goes first on PATH); with the API on another port the
tasks need ``AIRFLOW__CORE__EXECUTION_API_SERVER_URL`` too; the log servers listen on all
interfaces on fixed ports unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class AirflowServer:
    """``airflow standalone`` (API server, scheduler, DAG processor, triggerer); ``url``,
    ``dags`` (the folder its DAG processor reads) and the password of user ``zenml``."""

    def __init__(self, airflow_command: str, home: Path) -> None:
        import json
        import os
        import subprocess
        import time
        import urllib.request

        self.home, self.dags = home, home / "dags"
        self.dags.mkdir(parents=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        bin_folder = str(Path(airflow_command).parent)
        environment = {
            **os.environ,
            # standalone starts its parts by the name `airflow`
            "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "zenml:admin",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "2",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        }
        self.log = open(home / "standalone.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [airflow_command, "standalone"], env=environment, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as r:
                    health = json.loads(r.read())
                if all(part.get("status") == "healthy" for part in health.values()):
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = (home / "standalone.log").read_text()[-2000:]
                raise RuntimeError(f"airflow standalone did not become healthy:\n{tail}")
            time.sleep(1)
        passwords = home / "simple_auth_manager_passwords.json.generated"
        self.password = json.loads(passwords.read_text())["zenml"]

    def stop(self) -> None:
        import os
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except Exception:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
