"""Links into the Flyte console for the objects a plan mentions.

``ConsoleLinks(base_url)`` builds URLs; ``default_console_url(endpoint)`` derives the console's
base URL from an Admin endpoint (the console is normally served by the same host). Pure string
work: this module never contacts anything.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from reconciler.model.address import Address

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>\d{1,5}))?$")
# Endpoints that have no console: the embedded admin, unix sockets.
_NO_CONSOLE = ("sandbox", "unix:", "unix-abstract:")


def _segment(value: str) -> str:
    return quote(value, safe="-._~")


class ConsoleLinks:
    """URLs of Flyte console pages under ``base_url`` (e.g. ``https://flyte.example.com``)."""

    def __init__(self, base_url: str) -> None:
        base = base_url.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", base):
            raise ValueError(f"console URL {base_url!r} must start with http:// or https:// and name a host")
        # Accept a base given with the console path already on it.
        if base.endswith("/console"):
            base = base[: -len("/console")]
        self.base_url = base

    def __repr__(self) -> str:
        return f"ConsoleLinks({self.base_url!r})"

    def _page(self, project: str, domain: str, section: str, name: str) -> str:
        return (f"{self.base_url}/console/projects/{_segment(project)}/domains/{_segment(domain)}"
                f"/{section}/{_segment(name)}")

    def launch_plan(self, project: str, domain: str, name: str) -> str:
        return self._page(project, domain, "launchPlans", name)

    def workflow(self, project: str, domain: str, name: str) -> str:
        return self._page(project, domain, "workflows", name)

    def execution(self, project: str, domain: str, name: str) -> str:
        return self._page(project, domain, "executions", name)

    def for_address(self, address: str) -> str | None:
        """The page for a plan address: launch plans and workflows; a backfill links to the launch
        plan it runs (its executions are listed there). Other kinds have no page."""
        parsed = Address.parse(address)
        if parsed.kind == "launchplan":
            return self.launch_plan(parsed.project, str(parsed.domain), str(parsed.name))
        if parsed.kind == "workflow":
            return self.workflow(parsed.project, str(parsed.domain), str(parsed.name))
        if parsed.kind == "backfill":
            return self.launch_plan(parsed.project, str(parsed.domain), str(parsed.launch_plan))
        return None


def default_console_url(endpoint: str | None, *, insecure: bool | None = None) -> str | None:
    """``https://<host>[:port]`` for an Admin endpoint such as ``dns:///flyte.example.com:443``.

    Plain ``http`` for local hosts or when ``insecure`` is true; port 443 (https) and 80 (http) are
    left out. ``None`` for endpoints without a console (the embedded sandbox admin, unix sockets).
    Raises ``ValueError`` for an endpoint that names no host.
    """
    if endpoint is None or not endpoint.strip():
        return None
    text = endpoint.strip()
    if text.startswith(_NO_CONSOLE):
        return None
    scheme: str | None = None
    match = re.match(r"^(?P<scheme>[a-z][a-z0-9+.-]*):(?P<rest>.*)$", text)
    if match and not _HOST_PORT.match(text):
        scheme, text = match["scheme"], match["rest"]
        if scheme == "dns":
            text = text.lstrip("/")
            # dns://authority/host:port names a DNS server first; the target comes after it.
            text = text.split("/", 1)[1] if "/" in text else text
        else:
            text = text.lstrip("/")
    text = text.split("/", 1)[0]
    parsed = _HOST_PORT.match(text)
    if not parsed:
        raise ValueError(f"cannot derive a console URL from the endpoint {endpoint!r}: no host[:port] in it; "
                         "set the console URL explicitly")
    host, port = parsed["host"], parsed["port"]
    local = host.strip("[]") in _LOCAL_HOSTS
    if scheme in ("http", "https"):
        secure = scheme == "https"
    elif insecure is not None:
        secure = not insecure
    else:
        secure = not local
    web = "https" if secure else "http"
    default_port = "443" if secure else "80"
    suffix = f":{port}" if port and port != default_port else ""
    return f"{web}://{host}{suffix}"
