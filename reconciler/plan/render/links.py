"""Links into the Flyte console for the objects a plan mentions.

``ConsoleLinks(base_url)`` builds URLs; ``default_console_url(endpoint)`` derives the console's
base URL from an Admin endpoint only where the console is served by the same host (TLS on 443). Pure string
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
    """``https://<host>`` for an Admin endpoint served with TLS on port 443, else ``None``.

    Only there is the console reliably beside Admin: flytekit derives ``https://HOST/console`` from such
    an endpoint the same way. A plaintext, local or other-port endpoint (``127.0.0.1:28089``, a
    port-forward, the embedded admin) has no console at that address, and a link built from it would
    lead nowhere: set ``consoleUrl`` (or ``FLYTE_PLATFORM_CONSOLE_ENDPOINT``) instead. An endpoint that
    names no host raises ``ValueError``.
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
    if scheme in ("http", "grpc") or insecure or (insecure is None and local):
        return None  # plaintext: no console at this address
    if port not in (None, "443"):
        return None
    return f"https://{host}"
