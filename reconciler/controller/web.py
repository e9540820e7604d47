"""The controller's HTTP face (stdlib ``ThreadingHTTPServer``): page, JSON API, metrics, probes, webhook.

Access: ``/healthz`` and ``/readyz`` answer anyone (kubelet probes carry no token and they reveal
nothing); every other GET is anonymous only from loopback, else it needs ``Authorization: Bearer``
with the token from the environment; writes (``POST …/sync``, ``/refresh``, ``…/pause``) always need
the token; ``POST /api/v1/webhook`` needs a valid GitHub signature or GitLab token instead.
"""

from __future__ import annotations

import ipaddress
import json
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from reconciler import __version__
from reconciler.controller import api
from reconciler.controller.loop import Controller
from reconciler.controller.metrics import CONTENT_TYPE
from reconciler.controller.status import STATUSES
from reconciler.controller.webhook import bearer_ok, verify_webhook
from reconciler.errors import ConfigError

MAX_BODY_BYTES = 1024 * 1024
REFRESH_MS = 5000


def parse_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"--listen {listen!r} is not HOST:PORT", hint="e.g. 127.0.0.1:8080 or 0.0.0.0:8080")
    return host.strip("[]") or "127.0.0.1", int(port)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("reconciler.controller", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["urlq"] = lambda value: quote(str(value), safe="")
    env.globals.update(STATUSES=STATUSES, version=__version__, refresh_ms=REFRESH_MS,
                       sparkline=api.sparkline_points)
    return env


class ControllerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, controller: Controller, listen: str) -> None:
        self.controller = controller
        self.templates = _templates()
        try:
            super().__init__(parse_listen(listen), _Handler)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {listen}: {exc.strerror or exc}",
                              hint="pick another --listen HOST:PORT (port 0: any free port)") from exc

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="controller-http", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: ControllerServer
    server_version = "flyte-reconciler-controller"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # access logs would drown the one line per sync
        return

    # helpers ---------------------------------------------------------------------------------------
    @property
    def controller(self) -> Controller:
        return self.server.controller

    def _token(self) -> str | None:
        return os.environ.get(self.controller.settings.token_env_var) or None

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, indent=2, sort_keys=True).encode(), "application/json")

    def _html(self, template: str, **context: Any) -> None:
        page = self.server.templates.get_template(template).render(**context)
        self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _env_or_404(self, name: str) -> bool:
        if name not in self.controller.envs:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no environment {name!r}"})
            return False
        return True

    # GET -------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._get()
        except ValueError:  # a malformed query (offset=abc): the client's mistake, not a crash
            self._json(HTTPStatus.BAD_REQUEST, {"error": "malformed request"})

    def _get(self) -> None:
        url = urlsplit(self.path)
        path, query = url.path.rstrip("/") or "/", {k: v[-1] for k, v in parse_qs(url.query).items()}
        if path == "/healthz":
            return self._send(HTTPStatus.OK, b"ok\n", "text/plain")
        if path == "/readyz":
            ready = self.controller.ready()
            return self._send(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE,
                              b"ready\n" if ready else b"not ready\n", "text/plain")
        if not (_is_loopback(self.client_address[0]) or bearer_ok(self.headers.get("Authorization"), self._token())):
            return self._json(HTTPStatus.UNAUTHORIZED, {"error": "a bearer token is required from this address"})
        if path == "/metrics":
            return self._send(HTTPStatus.OK, self.controller.metrics.exposition(), CONTENT_TYPE)
        store = self.controller.store
        assert store is not None
        parts = [unquote(p) for p in path.strip("/").split("/")] if path != "/" else []
        names = list(self.controller.envs)
        if parts[:2] == ["api", "v1"]:
            rest = parts[2:]
            if rest == ["environments"]:
                return self._json(HTTPStatus.OK, [api.environment_view(store, n) for n in names])
            if len(rest) >= 2 and rest[0] == "environments":
                if not self._env_or_404(rest[1]):
                    return None
                name = rest[1]
                if len(rest) == 2:
                    return self._json(HTTPStatus.OK, api.environment_view(store, name))
                if rest[2:] == ["objects"]:
                    items, _total = api.objects_view(store, name, status=query.get("status"), text=query.get("q"),
                                                     kind=query.get("kind"),
                                                     limit=int(query.get("limit", 1_000_000)),
                                                     offset=int(query.get("offset", 0)),
                                                     links=api.links_for(store.environment(name).get("consoleUrl")))
                    return self._json(HTTPStatus.OK, items)
                if rest[2:] == ["syncs"]:
                    return self._json(HTTPStatus.OK, store.syncs(name, limit=int(query.get("limit", 500))))
            return self._json(HTTPStatus.NOT_FOUND, {"error": "no such API path"})
        if not parts:
            return self._html("overview.html.j2", environments=[api.environment_view(store, n) for n in names])
        if parts[0] == "environments" and len(parts) >= 2 and parts[1] in self.controller.envs:
            name = parts[1]
            env = api.environment_view(store, name)
            if len(parts) == 2:
                offset = max(0, int(query.get("offset", 0) or 0))
                items, total = api.objects_view(store, name, status=query.get("status") or None,
                                                text=query.get("q") or None, kind=query.get("kind") or None,
                                                offset=offset, links=api.links_for(env["consoleUrl"]))
                return self._html("environment.html.j2", env=env, objects=items, total=total, offset=offset,
                                  page_size=api.PAGE_SIZE, status=query.get("status", ""), q=query.get("q", ""),
                                  kind=query.get("kind", ""))
            if parts[2:] == ["object"] and query.get("address"):
                item = store.object(name, query["address"])
                if item is None:
                    return self._send(HTTPStatus.NOT_FOUND, b"no such object\n", "text/plain")
                return self._html("object.html.j2", env=env,
                                  obj=api.object_view(item, api.links_for(env["consoleUrl"])))
            if parts[2:] == ["syncs"]:
                return self._html("syncs.html.j2", env=env, syncs=store.syncs(name, limit=100))
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    # POST ------------------------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        try:
            body = self._body()
        except ValueError:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        if path == "/api/v1/webhook":
            secret = os.environ.get(self.controller.settings.webhook_secret_env_var) or None
            ok, which = verify_webhook(dict(self.headers.items()), body, secret)
            if not ok:
                self.controller.log({"level": "warning", "msg": "webhook refused", "reason": which})
                return self._json(HTTPStatus.UNAUTHORIZED, {"error": "webhook signature missing or invalid"})
            self.controller.log({"msg": "webhook", "from": which})
            self.controller.refresh()
            return self._json(HTTPStatus.ACCEPTED, {"accepted": True})
        if not bearer_ok(self.headers.get("Authorization"), self._token()):
            return self._json(HTTPStatus.UNAUTHORIZED,
                              {"error": "writes need Authorization: Bearer <token> "
                                        f"(the token is read from ${self.controller.settings.token_env_var})"})
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts == ["api", "v1", "refresh"]:
            self.controller.refresh()
            return self._json(HTTPStatus.ACCEPTED, {"accepted": True})
        if len(parts) == 5 and parts[:3] == ["api", "v1", "environments"] and self._env_or_404(parts[3]):
            if parts[4] == "sync":
                self.controller.request_sync(parts[3])
                return self._json(HTTPStatus.ACCEPTED, {"accepted": True, "environment": parts[3]})
            if parts[4] == "pause":
                try:
                    paused = bool(json.loads(body or b"{}").get("paused", True))
                except (ValueError, AttributeError):
                    return self._json(HTTPStatus.BAD_REQUEST, {"error": 'body must be {"paused": true|false}'})
                self.controller.set_paused(parts[3], paused)
                return self._json(HTTPStatus.OK, {"environment": parts[3], "paused": paused})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "no such API path"})
