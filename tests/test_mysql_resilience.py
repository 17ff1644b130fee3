"""MySQL connections lost inside a transaction (killed by the server, as a failover or a
``KILL`` does) are retried whole, as the README promises, and a retry whose first attempt did
commit adds nothing twice. Four processes write while every connection of theirs is killed
again and again."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from conftest import mysql_settings, reset_mysql

from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig

WORKER = """
import json, sys
from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
from zenml_core.metadata_stores.records import NewArtifact

settings, worker, runs = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
store = MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**settings))
for index in range(runs):
    run_id = f"w{worker}-{index}"
    store.create_run(
        run_id=run_id, name=run_id, pipeline="p", stack_name="s", stack={}, spec={},
        parameters={}, git_commit=None, git_dirty=None, host="h", pid=1,
    )
    previous = {}
    for step in range(3):
        step_id = store.start_step(run_id, f"s{step}", {"i": index}, f"k{worker}-{index}-{step}")
        out = NewArtifact(output_name="output", uri=f"/a/{run_id}/{step}", type="builtins:int",
                          materializer="m", size=1, content_hash="h")
        previous = store.complete_step(step_id, [out], {n: a.id for n, a in previous.items()})
    store.finish_run(run_id, "completed")
print("done")
"""

WORKERS, RUNS = 4, 15


def test_killed_connections_are_retried_without_duplicates_or_losses() -> None:
    import pymysql

    reset_mysql()
    settings = mysql_settings()
    store = MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**settings))  # type: ignore[arg-type]
    store.initialize()  # the schema exists before the writers start
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(settings), str(n), str(RUNS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    killed = 0
    stop = threading.Event()

    def killer() -> None:
        nonlocal killed
        admin = pymysql.connect(**settings)  # type: ignore[arg-type]
        with admin, admin.cursor() as cursor:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                cursor.execute("SELECT CONNECTION_ID()")
                own = cursor.fetchone()[0]  # type: ignore[index]
                cursor.execute(
                    "SELECT id FROM information_schema.processlist WHERE user = %s AND id <> %s",
                    (settings["user"], own),
                )
                for (connection_id,) in cursor.fetchall():
                    try:
                        cursor.execute(f"KILL CONNECTION {int(connection_id)}")
                        killed += 1
                    except pymysql.err.OperationalError:
                        pass  # it ended by itself
                time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        results = [worker.communicate(timeout=240) for worker in workers]
    finally:
        stop.set()
        thread.join()
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0 and out.strip() == "done", err[-2000:]
    assert killed >= WORKERS, killed  # the writers really lost connections

    connection = pymysql.connect(**settings)  # type: ignore[arg-type]
    with connection, connection.cursor() as cursor:
        counts = {}
        for table in ("run", "step_run", "artifact", "step_output", "step_input"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute("SELECT COUNT(*) FROM run WHERE status <> 'completed'")
        unfinished = cursor.fetchone()[0]  # type: ignore[index]
    total = WORKERS * RUNS
    assert counts == {
        "run": total,
        "step_run": total * 3,
        "artifact": total * 3,
        "step_output": total * 3,
        "step_input": total * 2,
    }
    assert unfinished == 0
