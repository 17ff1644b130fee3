"""Tests that need a service (a database, a Docker engine): skipped with the reason for a
developer without it, failed where CI promised it (``ZENML_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("ZENML_REQUIRE_SERVICES") == "1"  # set by .ci/run


def service_missing(reason: str) -> None:
    """Skip the test, or fail it when the service is required here."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ZENML_REQUIRE_SERVICES=1: CI must provide it)")
    pytest.skip(reason)


MYSQL = {
    "host": os.environ.get("ZENML_TEST_MYSQL_HOST", "127.0.0.1"),
    "port": int(os.environ.get("ZENML_TEST_MYSQL_PORT", "3306")),
    "user": os.environ.get("ZENML_TEST_MYSQL_USER", "zenml"),
    "password": os.environ.get("ZENML_TEST_MYSQL_PASSWORD", "zenml"),
    "database": os.environ.get("ZENML_TEST_MYSQL_DATABASE", "zenml_test"),
}


def reset_mysql() -> None:
    """An empty test database (scripts/services/mariadb): drop every table, so a MySQL store
    test starts from nothing."""
    try:
        import pymysql
    except ImportError:
        service_missing("PyMySQL is not installed")
    try:
        connection = pymysql.connect(**MYSQL, connect_timeout=3)
    except pymysql.err.OperationalError as exc:
        service_missing(
            f"no MySQL/MariaDB server at {MYSQL['host']}:{MYSQL['port']} ({exc.args[-1]}); "
            "start one with scripts/services/mariadb"
        )
    with connection, connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        cursor.execute("SHOW TABLES")
        for (table,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE `{table}`")
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
