"""A fake image registry (Docker Registry HTTP API v2) on 127.0.0.1 that keeps what is pushed.

Just enough of the push protocol for ``docker push`` (the Docker engine talks plain HTTP to
registries on 127.0.0.0/8): version check, blob existence, chunked blob uploads checked
against their digest, and manifests by tag.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

from zenml_core.testing.fake_server import FakeServer, QuietHandler


class FakeRegistry(FakeServer):
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.manifests: dict[tuple[str, str], dict[str, Any]] = {}
        self.uploads: dict[str, bytearray] = {}
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return bytes(data)
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def _answer(
                self, code: int, headers: dict[str, str] | None = None, body: bytes = b""
            ) -> None:
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/v2/":
                    return self._answer(200, {"Content-Type": "application/json"}, b"{}")
                manifest = re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", url.path)
                if manifest and (manifest[1], manifest[2]) in fake.manifests:
                    document = fake.manifests[(manifest[1], manifest[2])]
                    data = json.dumps(document).encode()
                    return self._answer(200, {"Content-Type": document["mediaType"]}, data)
                blob = re.fullmatch(r"/v2/(.+)/blobs/(sha256:[0-9a-f]+)", url.path)
                if blob and blob[2] in fake.blobs:
                    return self._answer(
                        200, {"Docker-Content-Digest": blob[2]}, fake.blobs[blob[2]]
                    )
                return self._answer(404)

            do_HEAD = do_GET

            def do_POST(self) -> None:
                self._body()
                name = re.fullmatch(r"/v2/(.+)/blobs/uploads/", urlparse(self.path).path)
                if name is None:
                    return self._answer(404)
                upload = uuid.uuid4().hex
                fake.uploads[upload] = bytearray()
                location = f"/v2/{name[1]}/blobs/uploads/{upload}"
                return self._answer(
                    202, {"Location": location, "Docker-Upload-UUID": upload, "Range": "0-0"}
                )

            def do_PATCH(self) -> None:
                url = urlparse(self.path)
                upload = url.path.rsplit("/", 1)[1]
                fake.uploads[upload] += self._body()
                size = len(fake.uploads[upload])
                return self._answer(
                    202,
                    {"Location": url.path, "Docker-Upload-UUID": upload, "Range": f"0-{size - 1}"},
                )

            def do_PUT(self) -> None:
                url = urlparse(self.path)
                body = self._body()
                manifest = re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", url.path)
                if manifest:
                    digest = "sha256:" + hashlib.sha256(body).hexdigest()
                    fake.manifests[(manifest[1], manifest[2])] = json.loads(body)
                    return self._answer(
                        201, {"Docker-Content-Digest": digest, "Location": url.path}
                    )
                upload = url.path.rsplit("/", 1)[1]
                data = bytes(fake.uploads.pop(upload) + body)
                digest = parse_qs(url.query)["digest"][0]
                if digest != "sha256:" + hashlib.sha256(data).hexdigest():
                    return self._answer(400, body=b'{"errors":[{"code":"DIGEST_INVALID"}]}')
                fake.blobs[digest] = data
                return self._answer(201, {"Docker-Content-Digest": digest})

        super().__init__(Handler)
