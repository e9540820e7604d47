"""Every case of tests/manifests_invalid (listed in its expectations.yml) is rejected by `validate` with
exit code 1 and a problem naming the file, the line and the field, without any network contact."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli

CORPUS = Path(__file__).resolve().parents[2] / "manifests_invalid"
TABLE = CORPUS / "expectations.yml"
ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text())


class NetworkContact(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket or a gRPC channel fails the test."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NetworkContact(f"network contact attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(grpc, "insecure_channel", refuse)
    monkeypatch.setattr(grpc, "secure_channel", refuse)


def test_the_table_lists_every_case_exactly_once() -> None:
    cases = sorted(p.name for p in CORPUS.iterdir()
                   if p.name not in ("flyte-reconciler.yaml", TABLE.name) and not p.name.startswith("."))
    assert sorted(row["case"] for row in ROWS) == cases
    assert len(cases) >= 45


@pytest.mark.parametrize("row", ROWS, ids=[row["case"] for row in ROWS])
def test_invalid_manifest_is_rejected_with_file_line_and_field(row: dict[str, Any], no_network: None) -> None:
    case = CORPUS / row["case"]
    file = case / row["file"] if row.get("file") else case
    result = CliRunner().invoke(cli, ["validate", str(case)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, NetworkContact)
    location = f"{file}:{row['line']}:"
    rows = [line.removeprefix("Error: ") for line in result.output.splitlines()]
    located = [line for line in rows if line.startswith(location)]
    assert located, f"nothing reported at {location}\n{result.output}"
    assert any(row["message"] in line for line in located), result.output
    if row["field"]:
        field = re.compile(rf" {re.escape(row['field'])}[.:]")
        assert any(field.search(line) for line in located), result.output
    assert "nothing was contacted" in result.output


def test_all_problems_of_the_corpus_are_reported_in_one_run(no_network: None) -> None:
    files = [str(CORPUS / row["case"]) for row in ROWS if row["case"].endswith(".yaml")]
    result = CliRunner().invoke(cli, ["validate", *files, "--config", str(CORPUS / "flyte-reconciler.yaml")])
    assert result.exit_code == 1
    reported = {line.removeprefix("Error: ").split(":", 1)[0] for line in result.output.splitlines()
                if ".yaml:" in line}
    assert reported == set(files)


def test_plan_with_invalid_manifests_never_connects() -> None:
    # An endpoint nobody listens on: plan must fail on the manifests before trying to connect.
    case = CORPUS / "cron_six_fields.yaml"
    result = CliRunner().invoke(cli, ["plan", str(case), "--endpoint", "127.0.0.1:9", "--insecure"])
    assert result.exit_code == 1
    assert "6 fields" in result.output and "UNAVAILABLE" not in result.output


def test_the_network_guard_itself_refuses_connections(no_network: None) -> None:
    with pytest.raises(NetworkContact):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkContact):
        grpc.insecure_channel("127.0.0.1:9")
