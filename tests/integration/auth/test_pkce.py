"""``authType: Pkce``: the authorization-code flow with PKCE and a loopback redirect, against the embedded
admin's authorization server. The test is the browser: it opens the authorization URL with an HTTP
client, which follows the 302 to the tool's loopback listener, as a browser would after the login."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flyteidl.admin import project_pb2

from reconciler.admin.auth import auth_from
from reconciler.admin.client import AdminClient
from reconciler.admin.pkce import Pkce, code_challenge, code_verifier
from reconciler.cli import cli
from reconciler.errors import ConfigError
from reconciler.localadmin import LocalAdmin
from reconciler.localadmin.auth.server import AuthConfig
from reconciler.settings import resolve

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[LocalAdmin]:
    # port 0 in the advertised redirect: the client listens on any free loopback port (RFC 8252 §7.3)
    auth = AuthConfig(client_id="ci", client_secret="unused-secret", scopes=("all", "offline"),
                      redirect_uri="http://127.0.0.1:0/callback")
    with LocalAdmin.start(db_path=tmp_path / "a.db", port=0, auth=auth) as running:
        yield running


class Browser:
    """Opens the URL with an HTTP client that follows redirects; remembers the pages it saw."""

    def __init__(self, tamper: str = "") -> None:
        self.pages: list[str] = []
        self.tamper = tamper

    def __call__(self, url: str) -> None:
        if self.tamper:
            parts = urllib.parse.urlsplit(url)
            query = dict(urllib.parse.parse_qsl(parts.query))
            query["state"] = self.tamper  # an authorization response meant for another login
            url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        with urllib.request.urlopen(url, timeout=30) as page:
            self.pages.append(page.read().decode())


def _pkce(admin: LocalAdmin, browser: Browser, *, interactive: bool = True) -> Pkce:
    settings = resolve(flags={"endpoint": admin.address, "insecure": True},
                       environ={"FLYTE_CREDENTIALS_AUTH_MODE": "Pkce"})
    flow = auth_from(settings)
    assert isinstance(flow, Pkce)
    flow.interactive, flow.open_browser, flow.notify = interactive, browser, lambda text: None
    return flow


def test_pkce_login_through_the_browser_then_refresh_without_it(admin: LocalAdmin) -> None:
    browser = Browser()
    flow = _pkce(admin, browser)
    issuer = admin.token_server.issuer
    with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow, max_attempts=1) as client:
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
        assert issuer.authorizations == 1 and len(browser.pages) == 1
        assert "Login complete" in browser.pages[0]
        issuer.revoke_all()  # Admin refuses the token now: the refresh token gets a new one, no browser
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
        assert issuer.authorizations == 1 and len(browser.pages) == 1 and issuer.issued == 2


def test_a_redirect_with_another_state_is_refused(admin: LocalAdmin) -> None:
    flow = _pkce(admin, Browser(tamper="forged-state"))
    with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow, max_attempts=1) as client, \
            pytest.raises(ConfigError, match="another state than the one sent"):
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
    assert admin.token_server.issuer.issued == 0


def test_a_non_interactive_run_says_which_mode_to_use_in_ci(admin: LocalAdmin) -> None:
    browser = Browser()
    flow = _pkce(admin, browser, interactive=False)
    with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow, max_attempts=1) as client, \
            pytest.raises(ConfigError, match="needs an interactive session") as caught:
        client.call("ListProjects", project_pb2.ProjectListRequest(limit=1))
    assert "in CI use a mode without a person: ClientSecret" in str(caught.value)
    assert browser.pages == []


def test_the_cli_in_ci_refuses_a_browser_login_with_the_mode_to_use(admin: LocalAdmin, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".flyte").mkdir()
    (tmp_path / ".flyte" / "config.yaml").write_text(
        f"admin:\n  endpoint: dns:///{admin.address}\n  authType: Pkce\n  insecure: true\n")
    result = CliRunner().invoke(cli, ["doctor"], env={"FLYTECTL_CONFIG": None})  # stdin is not a terminal
    assert result.exit_code == 1
    assert "the Pkce (browser) login needs an interactive session" in result.output
    assert "in CI use a mode without a person: ClientSecret" in result.output


def _authorize(admin: LocalAdmin, challenge: str, redirect: str = "http://127.0.0.1:5/callback") -> str:
    """The code the authorization endpoint redirects with (read off the 302, not followed)."""
    url = admin.token_server.url.replace("/token", "/authorize") + "?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": "flytectl", "redirect_uri": redirect, "scope": "all",
        "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.build_opener(NoRedirect).open(url, timeout=30)
    caught.value.close()
    assert caught.value.code == 302
    location = urllib.parse.urlsplit(caught.value.headers["Location"])
    assert location.netloc == "127.0.0.1:5" and location.path == "/callback"
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == "s1"
    return query["code"]


def _token(admin: LocalAdmin, code: str, verifier: str) -> tuple[int, dict[str, str]]:
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "client_id": "flytectl",
                                   "redirect_uri": "http://127.0.0.1:5/callback", "code_verifier": verifier})
    try:
        with urllib.request.urlopen(admin.token_server.url, data=form.encode(), timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_the_auth_server_binds_the_code_to_the_verifier_and_uses_it_once(admin: LocalAdmin) -> None:
    verifier = code_verifier()
    assert 43 <= len(verifier) <= 128
    code = _authorize(admin, code_challenge(verifier))
    assert _token(admin, code, code_verifier()) == (400, {"error": "invalid_grant",
                                                          "error_description": "code_verifier does not match"})
    code = _authorize(admin, code_challenge(verifier))
    status, body = _token(admin, code, verifier)
    assert status == 200 and body["token_type"] == "bearer" and body["refresh_token"]
    assert _token(admin, code, verifier)[0] == 400  # a code is good once


def test_the_auth_server_refuses_a_plain_challenge_and_a_foreign_redirect(admin: LocalAdmin) -> None:
    base = admin.token_server.url.replace("/token", "/authorize")
    good = {"response_type": "code", "client_id": "flytectl", "redirect_uri": "http://127.0.0.1:7/callback",
            "scope": "all", "state": "s", "code_challenge": code_challenge("v" * 43), "code_challenge_method": "S256"}
    for change in ({"code_challenge_method": "plain"}, {"redirect_uri": "http://evil.example.com:7/callback"},
                   {"client_id": "someone-else"}, {"scope": "all admin"}):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}?{urllib.parse.urlencode({**good, **change})}", timeout=30)
        caught.value.close()
        assert caught.value.code == 400, change


def test_a_burst_of_concurrent_calls_logs_in_once(admin: LocalAdmin) -> None:
    """The first calls of a plan go out at once, anonymously; Admin refuses them all, yet the person
    logs in once and every call is sent again with the one token (threads and in-flight futures)."""
    from concurrent.futures import ThreadPoolExecutor

    from flyteidl.admin import common_pb2

    browser = Browser()
    flow = _pkce(admin, browser)
    with AdminClient(endpoint=admin.address, insecure=True, metadata_plugin=flow, max_attempts=1) as client:
        jobs = [(f"flytesnacks/d{i}", lambda token, i=i: common_pb2.NamedEntityListRequest(
            resource_type=3, project="flytesnacks", domain=f"d{i}", limit=10, token=token)) for i in range(16)]
        assert client.list_all("ListNamedEntities", jobs, "entities", concurrency=16) == [[] for _ in jobs]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _: client.call("ListProjects", project_pb2.ProjectListRequest(limit=1)), range(16)))
    assert len(browser.pages) == 1 and admin.token_server.issuer.authorizations == 1
