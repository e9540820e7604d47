"""Console links only where a console is: never built from a loopback gRPC endpoint (over gRPC)."""

from __future__ import annotations

from click.testing import CliRunner

from reconciler.cli import cli

LAUNCH_PLAN = """\
apiVersion: flyte-reconciler/v1
kind: LaunchPlan
metadata: {project: flytesnacks, domain: development, name: nightly}
spec:
  workflow: {name: reports.daily_report, version: v1}
"""


def test_no_link_from_a_plaintext_endpoint_and_the_configured_console_otherwise(repo) -> None:  # type: ignore[no-untyped-def]
    repo.write("lp.yaml", LAUNCH_PLAN)
    plan = repo.run("plan")
    assert plan.exit_code == 0, plan.output
    assert "/console/" not in plan.output
    configured = CliRunner().invoke(
        cli, ["plan", str(repo.root), "--endpoint", repo.admin.address, "--insecure"],
        env={"FLYTE_PLATFORM_CONSOLE_ENDPOINT": "https://console.example.com"})
    assert configured.exit_code == 0, configured.output
    assert ("https://console.example.com/console/projects/flytesnacks/domains/development/launchPlans/nightly"
            in configured.output)
