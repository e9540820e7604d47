"""The embedded admin's signed-URL endpoint: the HTTP PUT a data proxy's upload location points at.

``CreateUploadLocation`` signs ``http://HOST:PORT/upload?url=<native url>&md5=<b64>&expires=<unix>``
with an HMAC key that lives as long as the process (a URL is good for this admin only, and only
until it expires, as a presigned S3 URL is). A PUT must carry a valid signature, must not be late,
and must send the signed ``Content-MD5``, which must be the body's MD5 — S3 answers 403 and
400 BadDigest for the same mistakes. The body is stored in the admin's blob table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from reconciler.localadmin.store import blobs
from reconciler.localadmin.store.db import Database

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class BlobServer:
    def __init__(self, db: Database, host: str, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self._key = secrets.token_bytes(32)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                status, message = server.accept(self.path, self.headers, self._body())
                self.send_response(status)
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message)

            def _body(self) -> bytes | None:
                length = int(self.headers.get("Content-Length") or -1)
                if length < 0 or length > MAX_UPLOAD_BYTES:
                    return None
                return self.rfile.read(length)

            def log_message(self, format: str, *args: object) -> None:
                return  # the sandbox's console stays quiet

        self._http = ThreadingHTTPServer((host, 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, name="localadmin-blobs", daemon=True)
        self._thread.start()
        self.base = f"http://{host}:{self._http.server_address[1]}"

    def _signature(self, native_url: str, md5_b64: str, expires: int) -> str:
        message = f"{native_url}\n{md5_b64}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sign(self, native_url: str, md5_b64: str, expires: int) -> str:
        query = urllib.parse.urlencode({"url": native_url, "md5": md5_b64, "expires": expires,
                                        "signature": self._signature(native_url, md5_b64, expires)})
        return f"{self.base}/upload?{query}"

    def accept(self, path: str, headers: object, body: bytes | None) -> tuple[int, bytes]:
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if parsed.path != "/upload" or not {"url", "md5", "expires", "signature"} <= set(query):
            return 404, b"NoSuchUpload"
        native_url, md5_b64 = query["url"], query["md5"]
        try:
            expires = int(query["expires"])
        except ValueError:
            return 403, b"SignatureDoesNotMatch"
        if not hmac.compare_digest(query["signature"], self._signature(native_url, md5_b64, expires)):
            return 403, b"SignatureDoesNotMatch"
        if self.clock() > expires:
            return 403, b"Request has expired"
        if body is None:
            return 411, b"MissingContentLength"
        sent_md5 = headers.get("Content-MD5") if hasattr(headers, "get") else None
        if md5_b64 and sent_md5 != md5_b64:
            return 403, b"SignatureDoesNotMatch (Content-MD5)"
        actual = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        if md5_b64 and actual != md5_b64:
            return 400, b"BadDigest"
        blobs.write(self.db, native_url, body, actual, self.clock())
        return 200, b""

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)
