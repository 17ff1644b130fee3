"""A fake Secret Manager REST API on 127.0.0.1: ``versions/*:access`` answers the payload of
the secrets the test put in, and every request is recorded."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlparse

from zenml_core.testing.fake_server import FakeServer, QuietHandler


class FakeSecretManager(FakeServer):
    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets  # version resource name -> value
        self.requests: list[str] = []
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path = urlparse(self.path).path
                fake.requests.append(path)
                access = re.fullmatch(
                    r"/v1/(projects/[^/]+/secrets/[^/]+/versions/[^/:]+):access", path
                )
                if access and access[1] in fake.secrets:
                    data = base64.b64encode(fake.secrets[access[1]].encode()).decode()
                    return self.answer_json(200, {"name": access[1], "payload": {"data": data}})
                error: dict[str, Any] = {"code": 404, "message": f"Secret [{path}] not found",
                                         "status": "NOT_FOUND"}  # fmt: skip
                return self.answer_json(404, {"error": error})

        super().__init__(Handler)
