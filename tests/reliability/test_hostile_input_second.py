"""The second hostile-input campaign: what got past validation, leaked or broke exit codes (issue 19).

Each case is a small manifest tree (written into tmp_path; symlink cases build theirs) run through
`validate`, `plan --out` and `apply --auto-approve` against a live embedded admin, with a canary
client secret in the environment. Every run must exit 1 with `FILE:LINE` naming the right line and a
message that says what to do, print no traceback, never show the canary (output, and every file the
run left behind), contact nothing for `validate` and send no write for `plan` and `apply` (these
cases are all caught before a connection is opened, so no RPC at all is asserted).

Families (the `family` of each case, counted by `python -m reliability`): secrets, level, admin
(values Admin would refuse after "valid"), crash (values that used to raise), template, symlink, lines,
smaller.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from tests.reliability.figures import record

pytestmark = pytest.mark.integration

CANARY = "hostile-canary-Zq8wX3vK"  # the client secret in every run's environment
CONFIG = "scope: {projects: [flytesnacks]}\n"
HEAD = "apiVersion: flyte-reconciler/v1\n"
PROJECT = HEAD + "kind: Project\nmetadata: {name: flytesnacks}\nspec: {displayName: Flyte snacks}\n"
LP_META = "metadata: {project: flytesnacks, domain: development, name: nightly}\n"


def lp(extra: str = "", meta: str = LP_META, schedule: str = "{cron: '0 6 * * *'}") -> str:
    """A launch plan; its `spec:` is line 4, `workflow:` line 5, `schedule:` line 6, `extra` from line 7."""
    return (HEAD + "kind: LaunchPlan\n" + meta + "spec:\n  workflow: {name: reports.daily_report, version: v1}\n"
            f"  schedule: {schedule}\n" + extra)


def backfill(spec: str, schedule: str = "{cron: '0 6 * * *'}") -> str:
    """A launch plan (lines 1-6) and a backfill whose `spec:` is line 11, written as a flow mapping."""
    return (lp(schedule=schedule) + "---\n" + HEAD + "kind: Backfill\n"
            "metadata: {project: flytesnacks, domain: development, name: bf}\n"
            f"spec: {{launchPlan: nightly, {spec}}}\n")


def project(spec: str) -> str:
    """A project whose spec mapping is on line 4."""
    return HEAD + "kind: Project\nmetadata: {name: flytesnacks}\nspec: {displayName: x, " + spec + "}\n"


def attributes(meta: str, spec: str = "{executionQueue: [gpu]}") -> str:
    return HEAD + "kind: Attributes\nmetadata: {project: flytesnacks, " + meta + "}\nspec: " + spec + "\n"


def jinja(expression: str) -> str:
    """A project whose displayName (line 4) is the rendered expression."""
    return project(f'description: "{expression}"')


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    content: str | bytes = ""
    line: int | None = None
    says: str = ""  # a fragment (case-insensitive) of the message: what is wrong or what to do
    file: str = "m.yaml"  # the file the message must name
    config: str = CONFIG
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    setup: Callable[[Path, Path], None] | None = None  # (manifest root, a directory outside it)


def _c(name: str, family: str, content: str | bytes, line: int | None, says: str, **kw: object) -> Case:
    return Case(name, family, content, line, says, **kw)  # type: ignore[arg-type]


def _link(target: str, name: str = "m.yaml") -> Callable[[Path, Path], None]:
    def setup(root: Path, outside: Path) -> None:
        (outside / "elsewhere.yaml").write_text(PROJECT)
        (root / name).symlink_to(target.replace("OUTSIDE", str(outside)))
    return setup


def _loop(root: Path, _outside: Path) -> None:
    (root / "m.yaml").symlink_to(root / "n.yaml")
    (root / "n.yaml").symlink_to(root / "m.yaml")


CASES: list[Case] = [
    # --- secrets: env() allow-list, secret values anywhere in a manifest, credential names in config -----
    _c("env_reads_client_secret", "secrets", jinja("{{ env('FLYTE_CREDENTIALS_CLIENT_SECRET') }}"), 4,
       "templates can never read"),
    _c("env_client_secret_in_kind", "secrets", HEAD + "kind: \"{{ env('FLYTE_CREDENTIALS_CLIENT_SECRET') }}\"\n",
       2, "credential"),
    _c("env_reads_token_variable", "secrets", jinja("{{ env('FLYTE_RECONCILER_TOKEN_ENV_VAR', 'x') }}"), 4,
       "credential"),
    _c("env_not_in_allow_list", "secrets", jinja("{{ env('HOME') }}"), 4, "add its exact name"),
    _c("env_default_does_not_bypass", "secrets", jinja("{{ env('PATH', default='') }}"), 4, "allow-list"),
    _c("env_glob_skips_secret_names", "secrets", jinja("{{ env('CI_DEPLOY_TOKEN') }}"), 4, "exact name",
       config=CONFIG + "templates: {env: ['CI_*']}\n", env={"CI_DEPLOY_TOKEN": "t0ken-value"}),
    _c("env_pointer_target", "secrets", jinja("{{ env('MY_IDP_SECRET') }}"), 4, "credential",
       config=CONFIG + "templates: {env: [MY_IDP_SECRET]}\n",
       env={"FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "MY_IDP_SECRET", "MY_IDP_SECRET": CANARY}),
    _c("env_allowed_variable_holds_the_secret", "secrets", jinja("{{ env('DEPLOY_NOTE') }}"), 4,
       "remove the secret", config=CONFIG + "templates: {env: [DEPLOY_NOTE]}\n", env={"DEPLOY_NOTE": CANARY}),
    _c("var_holds_the_secret", "secrets", jinja("{{ vars.note }}"), 4, "remove the secret",
       args=("--var", f"note={CANARY}")),
    _c("secret_written_literally", "secrets", project(f"description: 'key {CANARY}'"), 4, "remove the secret"),
    _c("secret_in_label_via_var", "secrets", lp("  labels: {team: '{{ vars.t }}'}\n"), 7, "remove the secret",
       args=("--var", f"t={CANARY}")),
    _c("config_allows_credential_variable", "secrets", PROJECT, 3, "can never read it",
       file="flyte-reconciler.yaml", config=CONFIG + "templates:\n  env: [FLYTE_CREDENTIALS_CLIENT_SECRET]\n"),
    _c("token_file_content_in_manifest", "secrets", project(f"description: 'tok-{CANARY}-tok'"), 4,
       "remove the secret", setup=lambda root, outside: (outside / "token").write_text(f"tok-{CANARY}-tok\n"),
       env={"FLYTE_RECONCILER_TOKEN_FILE": "OUTSIDE/token"}),
    # --- level: names that change which object is written ------------------------------------------
    _c("workflow_dash_is_domain_wide", "level", attributes("domain: development, workflow: '-'"), 3,
       "omit the key"),
    _c("workflow_with_slash", "level", attributes("domain: development, workflow: 'x/y'"), 3, "contains '/'"),
    _c("launch_plan_name_with_slash", "level", lp(meta="metadata: {project: flytesnacks, domain: development, "
                                                  "name: a/b}\n"), 3, "contains '/'"),
    _c("workflow_kind_name_with_slash", "level", HEAD + "kind: Workflow\nmetadata: {project: flytesnacks, "
       "domain: development, name: 'x/y'}\nspec: {description: d}\n", 3, "contains '/'"),
    _c("backfill_launch_plan_dash", "level", backfill("from: 2024-01-01T00:00:00Z, to: 2024-01-02T00:00:00Z")
       .replace("launchPlan: nightly", "launchPlan: '-'"), 11, "omit the key"),
    _c("domain_dash", "level", attributes("domain: '-'"), 3, "lowercase letters"),
    # --- admin: values "valid" here that Admin refuses (or mis-stores) ---------------------------------
    _c("project_id_trailing_newline", "admin", HEAD + 'kind: Project\nmetadata: {name: "flytesnacks\\n"}\n'
       "spec: {displayName: x}\n", 3, "DNS-1123"),
    _c("label_key_trailing_newline", "admin", project('labels: {"team\\n": a}'), 4, "qualified name"),
    _c("label_value_trailing_newline", "admin", project('labels: {team: "a\\n"}'), 4, "starting and ending"),
    _c("annotation_key_trailing_newline", "admin", lp('  annotations: {"owner\\n": a}\n'), 7, "qualified name"),
    _c("label_key_prefix_trailing_newline", "admin", project('labels: {"example.com\\n/team": a}'), 4, "prefix"),
    _c("cron_arabic_digit", "admin", lp(schedule="{cron: '\u0663 * * * *'}"), 6, "ascii"),
    _c("cron_fullwidth_hour", "admin", lp(schedule="{cron: '0 \uff16 * * *'}"), 6, "ascii"),
    _c("cron_devanagari_step", "admin", lp(schedule="{cron: '*/\u0967\u0965 * * * *'}"), 6, "ascii"),
    _c("cron_non_breaking_space", "admin", lp(schedule="{cron: '0\u00a06 * * *'}"), 6, "ascii"),
    _c("nul_in_project_description", "admin", project('description: "a\\0b"'), 4, "without NUL"),
    _c("nul_in_launch_plan_description", "admin", lp('  description: "x\\0"\n'), 7, "without NUL"),
    _c("nul_in_workflow_description", "admin", HEAD + "kind: Workflow\nmetadata: {project: flytesnacks, "
       'domain: development, name: wf}\nspec: {description: "\\0"}\n', 4, "without NUL"),
    _c("nul_in_a_key", "admin", lp('  defaultInputs: {"a\\0": 1}\n'), 7, "without NUL"),
    _c("newline_in_launch_plan_name", "admin", lp(meta='metadata: {project: flytesnacks, domain: development, '
                                                  'name: "a\\nb"}\n'), 3, "not a Flyte name"),
    _c("filter_comma_in_launch_plan_name", "admin", lp(meta="metadata: {project: flytesnacks, domain: "
                                                       "development, name: 'a,b'}\n"), 3, "not a Flyte name"),
    _c("filter_paren_in_launch_plan_name", "admin", lp(meta="metadata: {project: flytesnacks, domain: "
                                                       "development, name: 'x)+eq(y'}\n"), 3, "not a Flyte name"),
    _c("filter_paren_in_backfill_launch_plan", "admin", backfill("from: 2024-01-01T00:00:00Z, "
       "to: 2024-01-02T00:00:00Z").replace("launchPlan: nightly", "launchPlan: 'nightly)'"), 11, "Flyte name"),
    _c("backfill_name_trailing_newline", "admin", backfill("from: 2024-01-01T00:00:00Z, to: 2024-01-02T00:00:00Z")
       .replace("name: bf}", 'name: "bf\\n"}'), 10, "execution names"),
    _c("workflow_ref_with_space", "admin", lp().replace("name: reports.daily_report", "name: 'reports daily'"), 5,
       "not a Flyte name"),
    _c("version_with_slash", "admin", lp().replace("version: v1", "version: 'v1/evil'"), 5, "cannot be sent"),
    _c("pinned_version_newline", "admin", lp('  version: "v2\\n"\n'), 7, "cannot be sent"),
    _c("package_version_trailing_newline", "admin", HEAD + "kind: Package\nmetadata: {project: flytesnacks, "
       'domain: development, name: etl}\nspec: {source: pkg, version: "v1\\n"}\n', 4, "usable version",
       setup=lambda root, _outside: (root / "pkg").mkdir()),
    _c("package_name_with_slash", "level", HEAD + "kind: Package\nmetadata: {project: flytesnacks, "
       "domain: development, name: 'etl/x'}\nspec: {source: pkg}\n", 3, "contains '/'",
       setup=lambda root, _outside: (root / "pkg").mkdir()),
    _c("run_name_trailing_newline", "admin", HEAD + "kind: Run\nmetadata: {project: flytesnacks, domain: "
       'development, name: "adhoc\\n"}\nspec:\n  launchPlan: {name: nightly}\n', 3, "cannot name a run"),
    _c("run_target_filter_injection", "admin", HEAD + "kind: Run\nmetadata: {project: flytesnacks, domain: "
       "development, name: adhoc}\nspec:\n  workflow: {name: 'wf,eq(x'}\n", 5, "not a Flyte name"),
    _c("domain_trailing_newline", "admin", lp(meta='metadata: {project: flytesnacks, domain: "development\\n", '
                                              'name: n}\n'), 3, "domain"),
    # --- crash: values that raised ValueError/OverflowError instead of a located problem --------------
    _c("date_feb_29_non_leap", "crash", backfill("from: 2023-02-29T00:00:00Z, to: 2024-01-01T00:00:00Z"), 11,
       "real calendar date"),
    _c("date_month_13", "crash", backfill("from: 2024-13-01T00:00:00Z, to: 2025-01-01T00:00:00Z"), 11,
       "real calendar date"),
    _c("time_24_00", "crash", backfill("from: 2024-01-01T24:00:00Z, to: 2025-01-01T00:00:00Z"), 11,
       "time of day"),
    _c("plain_date_feb_30", "crash", lp("  defaultInputs: {day: 2024-02-30}\n"), 7, "real calendar date"),
    _c("quoted_date_feb_29", "crash", backfill("from: '2023-02-29T00:00:00Z', to: '2024-01-01T00:00:00Z'"), 11,
       "ISO 8601"),
    _c("offset_huge", "crash", lp(schedule="{cron: '0 6 * * *', offset: P9999999999D}"), 6, "at most 366 days"),
    _c("offset_over_a_year", "crash", lp(schedule="{cron: '0 6 * * *', offset: P400D}"), 6, "at most 366 days"),
    _c("offset_unicode_digits", "crash", lp(schedule="{cron: '0 6 * * *', offset: 'PT\u0663H'}"), 6, "ascii digits"),
    _c("year_one_with_offset", "crash", backfill("from: '0001-01-01T00:00+01:00', to: 2024-01-01T00:00:00Z"),
       11, "representable"),
    _c("year_9999_end", "crash", backfill("from: 2024-01-01T00:00:00Z, to: '9999-12-31T23:59:59-05:00'"), 11,
       "representable"),
    _c("rate_1e20", "crash", lp(schedule="{rate: {value: 1.0e+20, unit: day}}"), 6, "too large"),
    _c("rate_above_uint32", "crash", lp(schedule="{rate: {value: 4294967296, unit: minute}}"), 6,
       "less than or equal to 4294967295"),
    _c("rate_beyond_a_century", "crash", lp(schedule="{rate: {value: 50000, unit: day}}"), 6, "at most 36600 days"),
    _c("backfill_unix_seconds", "crash", backfill("from: 1700000000, to: 1700100000"), 11, "not read as Unix"),
    # --- template: resource bounds -------------------------------------------------------------------
    _c("tilde_doubling", "template", jinja("{% set ns = namespace(s='a' * 1000000) %}{% for i in range(12) %}"
                                           "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"), 4, "would produce"),
    _c("tilde_chain", "template", jinja("{% set s = 'a' * 600000 %}{{ s ~ s ~ s }}"), 4, "would produce"),
    _c("plus_doubling", "template", jinja("{% set ns = namespace(s='a' * 1000000) %}{% for i in range(12) %}"
                                          "{% set ns.s = ns.s + ns.s %}{% endfor %}"), 4, "would produce"),
    _c("printf_width", "template", jinja("{{ '%99999999999s' % 'x' }}"), 4, "width"),
    _c("printf_precision", "template", jinja("{{ '%.99999999f' % 1.5 }}"), 4, "width or precision"),
    _c("format_width", "template", jinja("{{ '{:>99999999999}'.format('x') }}"), 4, "width"),
    _c("format_nested_width", "template", jinja("{{ '{:>{}}'.format('x', 99999999) }}"), 4, "limit"),
    _c("format_map_width", "template", jinja("{{ '{a:>{w}}'.format_map({'a': 'x', 'w': 99999999}) }}"), 4, "limit"),
    _c("format_filter_width", "template", jinja("{{ '%99999999s'|format('x') }}"), 4, "width"),
    _c("nested_empty_loops", "template", jinja("{% for i in range(99999) %}{% for j in range(99999) %}"
                                               "{% endfor %}{% endfor %}"), 4, "split the file"),
    _c("nested_loops_over_a_string", "template", jinja("{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}"
                                                       "{% endfor %}{% endfor %}"), 4, "steps"),
    _c("loop_on_a_later_line", "template", project("description: d") + "# {% for i in range(99999) %}"
       "{% for j in range(99999) %}{% endfor %}{% endfor %}\n", 5, "steps"),
    # --- symlinks ------------------------------------------------------------------------------------
    _c("symlink_from_outside", "symlink", b"", 1, "outside the manifest root",
       setup=_link("OUTSIDE/elsewhere.yaml")),
    _c("symlink_dangling", "symlink", b"", 1, "dangling", setup=_link("gone.yaml")),
    _c("symlink_loop", "symlink", b"", 1, "loop", setup=_loop),
    # With prune on, a skipped link would make whatever it declared "unmanaged" and deactivate it.
    _c("symlink_dangling_with_prune", "symlink", lp(), 1, "dangling", file="gone.yaml",
       config=CONFIG + "prune: {launchPlans: true, attributes: true, projects: true}\n",
       setup=lambda root, _outside: (root / "gone.yaml").symlink_to(root / "moved-away.yaml")),
    _c("symlinked_directory_outside", "symlink", b"", 1, "outside the manifest root",
       setup=_link("OUTSIDE", name="more"), file="more"),
    # --- line numbers with other line breaks ---------------------------------------------------------
    _c("cr_only_endings", "lines", (PROJECT + "---\n" + lp(schedule="{cron: '0 6 * *'}")).replace("\n", "\r")
       .encode(), 11, "exactly 5"),
    _c("u2028_in_comment", "lines", "# note\u2028# still the note\n" + lp(schedule="{cron: '0 6 * *'}"), 7,
       "exactly 5"),
    _c("nel_in_comment", "lines", "# note\x85# more\n" + lp(schedule="{cron: '0 6 * *'}"), 7, "exactly 5"),
    _c("u2029_in_comment", "lines", lp("  # x\u2029  # y\n  maxParallelism: -1\n"), 8, "greater than or equal"),
    # --- smaller ---------------------------------------------------------------------------------------
    _c("nan_input", "smaller", lp("  defaultInputs: {limit: .nan}\n"), 7, "finite number"),
    _c("infinite_input", "smaller", lp("  fixedInputs: {limit: -.inf}\n"), 7, "finite number"),
    _c("private_use_in_var", "smaller", jinja("{{ vars.x }}"), 1, "without them", file="--var",
       args=("--var", "x=a\ue000b")),
    _c("never_fires_feb_30", "smaller", lp(schedule="{cron: '0 0 30 2 *'}"), 6, "never fires"),
    _c("never_fires_april_31", "smaller", lp(schedule="{cron: '0 0 31 4,6,9,11 *'}"), 6, "never fires"),
    _c("never_fires_names", "smaller", lp(schedule="{cron: '0 0 31 FEB *'}"), 6, "never fires"),
    _c("lookalike_zero_width_name", "smaller", lp(meta="metadata: {project: flytesnacks, domain: development, "
       "name: 'night\u200bly'}\n"), 3, "not a Flyte name"),
    _c("lookalike_nfd_name", "smaller", lp(meta="metadata: {project: flytesnacks, domain: development, "
       "name: 'cafe\u0301'}\n"), 3, "not a Flyte name"),
    _c("lookalike_cyrillic_project", "smaller", HEAD + "kind: Project\nmetadata: {name: 'flyt\u0435snacks'}\n"
       "spec: {displayName: x}\n", 3, "DNS-1123"),
    _c("missing_var_file", "smaller", PROJECT, 1, "an existing yaml file", file="absent.yaml",
       args=("--var-file", "absent.yaml")),
    _c("integer_backfill_to", "smaller", backfill("from: 2024-01-01T00:00:00Z, to: 1704153600"), 11,
       "ISO 8601 timestamp"),
]


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path_factory.mktemp("hostile2") / "a.db", port=0, seed_samples=True) as running:
        yield running


def test_the_second_corpus_is_large_and_covers_every_family() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.family for c in CASES} == {"secrets", "level", "admin", "crash", "template", "symlink", "lines",
                                         "smaller"}


def _build(case: Case, tmp_path: Path) -> tuple[Path, set[Path]]:
    root, outside = tmp_path / "manifests", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "flyte-reconciler.yaml").write_text(case.config)
    if case.content:
        content = case.content if isinstance(case.content, bytes) else case.content.encode()
        (root / "m.yaml").write_bytes(content)
    if case.setup is not None:
        case.setup(root, outside)
    return root, {p for p in tmp_path.rglob("*")}


def _new_files(tmp_path: Path, before: set[Path]) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p not in before and p.is_file()]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
def test_second_hostile_corpus_is_refused_with_its_line(case: Case, command: str, admin: LocalAdmin,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLYTE_CREDENTIALS_CLIENT_SECRET", CANARY)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.replace("OUTSIDE", str(tmp_path / "outside")))
    root, before = _build(case, tmp_path)
    args = [command, str(root), *case.args]
    if command != "validate":
        args += ["--endpoint", admin.address, "--insecure", "--no-color"]
    if command == "plan":
        args += ["--out", str(tmp_path / "plan.json")]
    if command == "apply":
        args.append("--auto-approve")
    admin.reset_counters()
    result = CliRunner().invoke(cli, args)
    output = result.output
    calls = admin.counters()
    record("hostile_input_second", bad_inputs=1, write_rpcs=admin.write_calls(), rpcs=sum(calls.values()),
           accepted=int(result.exit_code != 1), leaks=int(CANARY in output))
    record(f"hostile_second_{case.family}", runs=1)
    assert result.exit_code == 1, output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert calls == {}, calls  # validation comes before any connection: no read, so no write
    where = re.search(rf"{re.escape(case.file)}:(\d+)", output)
    assert where, output[-3000:]
    if case.line is not None:
        assert int(where.group(1)) == case.line, output[-3000:]
    assert case.says.lower() in output.lower(), output[-3000:]
    assert CANARY not in output
    for written in _new_files(tmp_path, before):
        assert CANARY.encode() not in written.read_bytes(), written
    assert not (tmp_path / "plan.json").exists()


def test_a_worst_case_template_is_refused_in_a_child_process_too(tmp_path: Path) -> None:
    """The CLI as users run it (a real process, the installed entry point) refuses a loop bomb."""
    import subprocess
    import sys

    root = tmp_path / "m"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text(CONFIG)
    (root / "m.yaml").write_text(jinja("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}"
                                       "{% endfor %}"))
    done = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(root)], capture_output=True,
                          text=True, env={**os.environ, "FLYTE_CREDENTIALS_CLIENT_SECRET": CANARY}, check=False)
    assert done.returncode == 1, done.stderr
    assert "m.yaml:4:" in done.stderr + done.stdout and "Traceback" not in done.stderr
