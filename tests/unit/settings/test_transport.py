"""Transport rules that need no server: loopback detection, plaintext-credential refusal (gRPC and
token URLs), CA file problems, and the one-line description doctor prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.admin import transport
from reconciler.errors import ConfigError
from reconciler.settings import resolve


@pytest.mark.parametrize(("host", "loopback"), [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True),
                                                ("::1", True), ("[::1]", True), ("api.localhost", True),
                                                ("flyte.example.com", False), ("10.0.0.1", False),
                                                ("localhost.example.com", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert transport.is_loopback(host) is loopback


@pytest.mark.parametrize(("endpoint", "expected"), [("h:81", ("h", 81)), ("h", ("h", 443)),
                                                    ("[::1]:8089", ("::1", 8089)), ("[::1]", ("::1", 443))])
def test_split_host_port(endpoint: str, expected: tuple[str, int]) -> None:
    assert transport.split_host_port(endpoint) == expected


def test_plaintext_credentials_are_refused_to_remote_hosts_only() -> None:
    with pytest.raises(ConfigError, match=r"refusing to send credentials over a plaintext connection to "
                                          r"flyte\.example\.com:81") as caught:
        transport.require_safe_credentials("flyte.example.com:81", plaintext=True, allow=False)
    assert "--allow-plaintext-credentials" in str(caught.value)
    transport.require_safe_credentials("127.0.0.1:81", plaintext=True, allow=False)
    transport.require_safe_credentials("flyte.example.com:81", plaintext=True, allow=True)
    transport.require_safe_credentials("flyte.example.com:443", plaintext=False, allow=False)


def test_an_http_token_url_on_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="refusing to send the client secret over a plaintext connection"):
        transport.require_safe_token_url("http://idp.example.com/oauth2/token", allow=False)
    transport.require_safe_token_url("https://idp.example.com/oauth2/token", allow=False)
    transport.require_safe_token_url("http://127.0.0.1:8080/oauth2/token", allow=False)
    with pytest.raises(ConfigError, match="not an http"):
        transport.require_safe_token_url("idp.example.com/token", allow=False)


def test_ca_file_problems_name_the_file_and_the_setting(tmp_path: Path) -> None:
    missing = resolve(flags={"endpoint": "h:443", "ca_cert_file": str(tmp_path / "nope.pem")},
                      environ={"HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match=r"cannot read the CA certificate file .*nope\.pem") as caught:
        transport.channel_credentials(missing)
    assert "caCertFilePath" in str(caught.value)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        transport.http_ssl_context(resolve(flags={"ca_cert_file": str(junk)}, environ={"HOME": str(tmp_path)}))


def test_plaintext_settings_give_no_channel_credentials(tmp_path: Path) -> None:
    plain = resolve(flags={"endpoint": "h:80", "insecure": True}, environ={"HOME": str(tmp_path)})
    assert transport.channel_credentials(plain) is None
    assert transport.describe(plain) == "plaintext (insecure)"


def test_describe(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    assert transport.describe(resolve(flags={}, environ=environ)) == "TLS, verified against the system roots"
    assert transport.describe(resolve(flags={"ca_cert_file": "/ca.pem"}, environ=environ)) == \
        "TLS, verified against /ca.pem"
    assert "NOT verified" in transport.describe(resolve(flags={"insecure_skip_verify": True}, environ=environ))
