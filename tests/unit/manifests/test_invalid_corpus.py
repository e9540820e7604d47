"""Every file under tests/manifests_invalid is rejected with its file, line, field and a clear message,
exit code 1, and without any network contact (validate is offline; plan stops before connecting)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

CORPUS = Path(__file__).resolve().parents[2] / "manifests_invalid"
_EXPECT = re.compile(r"^# expect: line=(\d+) field=(\S*) message=(.+)$")
# Files whose first line cannot carry the expectation.
SPECIAL = {"binary.yaml": (1, "", "binary file")}


def _cases() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.yaml") if p.name != "flyte-reconciler.yaml")


def _expectation(path: Path) -> tuple[int, str, str]:
    if path.name in SPECIAL:
        return SPECIAL[path.name]
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    match = _EXPECT.match(first)
    assert match, f"{path.name} lacks an expectation line"
    return int(match.group(1)), match.group(2), match.group(3)


def test_the_corpus_is_large() -> None:
    assert len(_cases()) >= 45


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_invalid_manifest_is_rejected_with_file_line_and_field(path: Path) -> None:
    line, field, message = _expectation(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    expected_location = f"{path}:{line}:"
    assert expected_location in result.output, result.output
    rows = [row.removeprefix("Error: ") for row in result.output.splitlines()]
    located = [row for row in rows if row.startswith(expected_location)]
    assert any(message in row for row in located), result.output
    if field:
        assert any(f" {field}:" in row for row in located), result.output
    assert "nothing was contacted" in result.output


def test_plan_with_invalid_manifests_never_connects(tmp_path: Path) -> None:
    # An endpoint nobody listens on: plan must fail on the manifests before trying to connect.
    case = CORPUS / "cron_six_fields.yaml"
    result = CliRunner().invoke(cli, ["plan", str(case), "--endpoint", "127.0.0.1:9", "--insecure"])
    assert result.exit_code == 1
    assert "6 fields" in result.output and "UNAVAILABLE" not in result.output
