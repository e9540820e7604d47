"""Unit tests of the checks added for issue 19: cron limits, times and durations, the env() policy and
secret values, the template step budget (and that loops still behave), YAML-only line breaks, names."""

from __future__ import annotations

import pytest

from reconciler.manifests import checks, cron_limits, moments
from reconciler.manifests.render import TemplateProblem, render
from reconciler.manifests.secrets import EnvNotAllowed, EnvPolicy, env_policy, find_secret, redact, secret_values
from reconciler.manifests.template_limits import MAX_TEMPLATE_STEPS
from reconciler.manifests.yamlload import load_documents


@pytest.mark.parametrize("expression", ["0 0 29 2 *", "0 0 31 1-12 *", "0 0 30 2 1", "0 0 31 */2 *", "@daily",
                                        "TZ=UTC 0 0 28 FEB *", "0 0 30 2,3 *", "*/5 * * * *"])
def test_schedules_that_fire_pass(expression: str) -> None:
    assert cron_limits.check(expression) == expression


@pytest.mark.parametrize("expression", ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 FEB ?", "0 0 30-31 2 *",
                                        "CRON_TZ=Europe/Berlin 0 0 31 6 *"])
def test_schedules_that_never_fire_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="never fires"):
        cron_limits.check(expression)


@pytest.mark.parametrize("expression", ["\u0663 * * * *", "0 \uff16 * * *", "0\u00a06 * * *", "0 6 * * MON\u200b"])
def test_cron_must_be_printable_ascii(expression: str) -> None:
    with pytest.raises(ValueError, match="U\\+"):
        cron_limits.check(expression)


@pytest.mark.parametrize(("text", "ok"), [("PT30M", True), ("-P366D", True), ("P367D", False), ("P9999999999D", False),
                                          ("PT\u0663H", False), ("P1Y", False)])
def test_offsets_are_bounded_ascii_durations(text: str, ok: bool) -> None:
    if ok:
        assert moments.offset(text) == text
    else:
        with pytest.raises(ValueError):
            moments.offset(text)


def test_rate_intervals_stay_within_a_century() -> None:
    assert moments.rate_interval(36_600, "day").days == 36_600
    with pytest.raises(ValueError, match="36600 days"):
        moments.rate_interval(36_601, "day")
    with pytest.raises(ValueError, match="minutes"):
        moments.rate_interval(2**32 - 1, "minute")


def test_numbers_are_not_timestamps() -> None:
    for value in (1_700_000_000, 1.5, True):
        with pytest.raises(ValueError, match="Unix seconds"):
            moments.not_a_number(value)
    assert moments.not_a_number("2024-01-01T00:00:00Z") == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(("value", "fragment"), [("-", "not a name"), ("a/b", "contains '/'"), ("a\n", "Flyte name"),
                                                 ("a,b", "Flyte name"), ("x)", "Flyte name"), (".hidden", "Flyte name"),
                                                 ("caf\u00e9", "Flyte name"), ("", "Flyte name"), ("a" * 256, "name")])
def test_entity_names_are_full_match_ascii(value: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        checks.entity_name(value)


def test_valid_names_and_versions_pass() -> None:
    for name in ("reports.daily_report", "ml-evaluate", "_private", "A1"):
        assert checks.entity_name(name) == name
    for version in ("v1", "0.1.0+build.7", "abc123def", "fast-x_Y=", "2024-01-01T00:00:00"):
        assert checks.version(version) == version
    for version in ("v1/evil", "v1\n", "v 1", "a,b", ""):
        with pytest.raises(ValueError):
            checks.version(version)


def test_project_ids_and_label_keys_refuse_a_trailing_newline() -> None:
    with pytest.raises(ValueError):
        checks.project_id("flytesnacks\n")
    with pytest.raises(ValueError):
        checks.labels({"team\n": "a"})
    with pytest.raises(ValueError):
        checks.labels({"team": "a\n"})


def test_env_policy_lists_globs_and_never_credentials() -> None:
    policy = EnvPolicy(("CI_*", "DEPLOY_TOKEN", "FLYTE_CREDENTIALS_CLIENT_SECRET"))
    assert policy.problem("CI_COMMIT_SHA") is None
    assert policy.problem("DEPLOY_TOKEN") is None  # listed by its exact name
    assert "exact name" in str(policy.problem("CI_JOB_TOKEN"))  # secret-looking: a glob does not reach it
    assert "credential" in str(policy.problem("FLYTE_CREDENTIALS_CLIENT_SECRET"))
    assert "allow-list" in str(policy.problem("HOME"))
    reader = policy.reader({"CI_COMMIT_SHA": "abc"})
    assert reader("CI_COMMIT_SHA") == "abc" and reader("CI_UNSET", default="d") == "d"
    with pytest.raises(EnvNotAllowed):
        reader("HOME", default="x")


def test_pointed_to_variables_and_token_files_are_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    token = tmp_path / "token"
    token.write_text("file-token-123456\n")
    environ = {"FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR": "IDP_SECRET", "IDP_SECRET": "pointed-secret",
               "FLYTE_RECONCILER_TOKEN_FILE": str(token), "FLYTE_CREDENTIALS_CLIENT_SECRET": "short"}
    policy = env_policy([], environ=environ)
    assert "IDP_SECRET" in policy.credentials
    secrets = secret_values(policy, environ=environ)
    assert set(secrets) == {"pointed-secret", "file-token-123456"}  # "short" is below the minimum length
    assert "IDP_SECRET" not in secrets  # a pointer's value is a name, not a secret
    assert redact("x pointed-secret y", secrets) == "x *** y"
    assert find_secret("ab file-token-123456", secrets) == 3 and find_secret("nothing", secrets) is None


def test_loops_keep_every_jinja_feature_under_the_budget() -> None:
    source = ("{% for x in [1,2,3] %}{{ loop.index }}/{{ loop.length }}{{ loop.cycle('a','b') }}{% endfor %}\n"
              "{% for x in [] %}no{% else %}empty{% endfor %}\n"
              "{% for x in range(5) if x is odd %}{{ x }}{% endfor %}\n"
              "{% for i in [[1,[2]],[3]] recursive %}[{% if i is iterable %}{{ loop(i) }}{% else %}{{ i }}{% endif %}]"
              "{% endfor %}\n{{ 'a' ~ 1 ~ none }}\n")
    assert render(source, {}, None).text == "1/3a2/3b3/3a\nempty\n13\n[[1][[2]]][[3]]\na1None\n"


def test_the_step_budget_is_per_render() -> None:
    nested = "{% for i in range(N) %}{% for j in range(N) %}{% endfor %}{% endfor %}ok\n"
    under = nested.replace("N", "450")  # about 203,000 steps: three of them exceed one budget together
    assert MAX_TEMPLATE_STEPS < 3 * 450 * 450
    for _ in range(3):
        assert render(under, {}, None).text == "ok\n"
    with pytest.raises(TemplateProblem, match="steps") as info:
        render("a: 1\n" + nested.replace("N", "800"), {}, None)
    assert info.value.line == 2


def test_the_budget_cannot_be_reached_or_shadowed_by_a_template() -> None:
    with pytest.raises(TemplateProblem):
        render("{% set loop = none %}{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
               {}, None)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_yaml_only_line_breaks_keep_editor_line_numbers(separator: str) -> None:
    document = load_documents(f"# a{separator}# b\nkey: 1\nother: 2\n")[0]
    assert document.lines[("key",)] == 2 and document.lines[("other",)] == 3
