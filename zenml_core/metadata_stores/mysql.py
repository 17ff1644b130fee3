"""The ``mysql`` metadata store flavor: a MySQL or MariaDB database shared by a team.

Uses peewee with PyMySQL, a pure-Python driver (``pip install 'zenml-core[mysql]'``). The
password can stay out of ``.zen/config.yaml``: name an environment variable in
``password_env``, or set ``ZENML_METADATA_STORE__PASSWORD``; ``describe`` and run records
never show it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from attrs import field, frozen

from zenml_core.config.secrets import secret_field
from zenml_core.config.validators import port as port_number
from zenml_core.config.validators import positive
from zenml_core.errors import ConfigError
from zenml_core.metadata_stores.sql import SQLMetadataStore

# MySQL error codes after which the same transaction may simply be tried again.
_RETRY_CODES = {
    0,  # InterfaceError (0, ''): the connection was closed under us (killed, timed out)
    1205,  # lock wait timeout
    1213,  # deadlock
    2006,  # server has gone away
    2013,  # lost connection during query
    1927,  # connection was killed (MariaDB)
    1053,  # server shutdown in progress
}


@frozen
class MySQLMetadataStoreConfig:
    """Configuration of the ``mysql`` metadata store.

    ``ssl_ca`` (with ``ssl_cert``/``ssl_key`` for client certificates) turns TLS on;
    ``ssl_verify`` checks the server certificate against it.
    """

    database: str
    host: str = "127.0.0.1"
    port: int = field(default=3306, validator=port_number)
    user: str = "root"
    password: str | None = secret_field(default=None)
    password_env: str | None = None
    ssl_ca: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None
    ssl_verify: bool = True
    connect_timeout: int = field(default=10, validator=positive)


class MySQLMetadataStore(SQLMetadataStore[MySQLMetadataStoreConfig]):
    """Keeps the run record in a MySQL/MariaDB database (InnoDB, utf8mb4)."""

    DIALECT = "mysql"
    ROW_LOCK = " FOR UPDATE"  # SQLite needs none: its write transactions take the lock up front

    def _password(self) -> str | None:
        if self.config.password_env:
            value = os.environ.get(self.config.password_env)
            if value is None:
                raise ConfigError(
                    f"metadata store {self.name!r}: environment variable "
                    f"{self.config.password_env} (password_env) is not set"
                )
            return value
        return self.config.password

    def _connect(self) -> Any:
        from zenml_core.utils.extras import require

        require("pymysql", needed_by="the mysql metadata store")
        import peewee
        from playhouse.shortcuts import ReconnectMixin

        class Database(ReconnectMixin, peewee.MySQLDatabase):  # type: ignore[misc]
            """Reconnects once when the server closed an idle connection."""

        ssl = None
        if self.config.ssl_ca:
            ssl = {"ca": self.config.ssl_ca, "check_hostname": self.config.ssl_verify}
            if self.config.ssl_cert:
                ssl.update(cert=self.config.ssl_cert, key=self.config.ssl_key)
        return Database(
            self.config.database,
            host=self.config.host,
            port=self.config.port,
            user=self.config.user,
            password=self._password() or "",
            charset="utf8mb4",
            connect_timeout=self.config.connect_timeout,
            ssl=ssl,
            # Specs and errors can exceed TEXT's 64 KiB; runs are ordered by microseconds.
            field_types={"TEXT": "LONGTEXT", "DATETIME": "DATETIME(6)"},
        )

    @contextmanager
    def _schema_lock(self) -> Iterator[None]:
        # MySQL commits DDL at once, so a transaction cannot serialize schema changes between
        # processes; a named server lock does.
        lock = f"zenml_schema_{self.config.database}"
        self._execute("SELECT GET_LOCK(?, 120)", (lock,))
        try:
            yield
        finally:
            self._execute("SELECT RELEASE_LOCK(?)", (lock,))

    def _transient(self, exc: BaseException) -> bool:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code == 0:
            return type(exc).__name__ == "InterfaceError"
        return code in _RETRY_CODES
