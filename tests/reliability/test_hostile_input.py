"""Hostile and broken manifests, run through `plan` and `apply` against a live embedded admin.

Every case must be refused with exit 1 and a message naming the file and line, and the admin must see
zero calls (validation happens before anything is contacted, so zero writes a fortiori). The corpus
is built here in code: cases that need big or binary files are generated into tmp_path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.localadmin import LocalAdmin
from tests.reliability.figures import record

pytestmark = pytest.mark.integration

HEAD = "apiVersion: flyte-reconciler/v1\n"
PROJECT = HEAD + "kind: Project\nmetadata: {name: flytesnacks}\nspec: {displayName: Flyte snacks}\n"
LP = (HEAD + "kind: LaunchPlan\nmetadata: {project: flytesnacks, domain: development, name: nightly}\n"
      "spec:\n  workflow: {name: reports.daily_report, version: v1}\n  schedule: {cron: '0 6 * * *'}\n")


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes | Callable[[], bytes]
    line: int | None = None  # the line the message must name (None: any line of that file)
    says: str = ""  # a fragment the message must contain (case-insensitive)

    def bytes(self) -> bytes:
        return self.content() if callable(self.content) else self.content


def _t(name: str, text: str, line: int | None = None, says: str = "") -> Case:
    return Case(name, text.encode(), line, says)


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + f"\nkind: *a{levels - 1}\n"


def _nested_flow(depth: int) -> str:
    return PROJECT.replace("{displayName: Flyte snacks}", "{displayName: x, labels: " + "[" * depth + "]" * depth + "}")


def _nested_block(depth: int) -> str:
    body = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "leaf: 1\n"
    return PROJECT + "extra:\n" + "".join("  " + line + "\n" for line in body.splitlines())


def _description(size: int) -> str:
    return PROJECT.replace("{displayName: Flyte snacks}", "{displayName: x, description: '" + "d" * size + "'}")


def _backfill(span_from: str, span_to: str, cron: str = "* * * * *") -> str:
    return (PROJECT + "---\n" + LP.replace("'0 6 * * *'", f"'{cron}'") + "---\n" + HEAD +
            "kind: Backfill\nmetadata: {project: flytesnacks, domain: development, name: huge}\n"
            f"spec: {{launchPlan: nightly, from: '{span_from}', to: '{span_to}'}}\n")


def _jinja(expression: str) -> str:
    return PROJECT + "---\n" + LP.replace("name: nightly}", "name: " + expression + "}")


CASES: list[Case] = [
    # --- YAML: expansion, nesting, tags, keys ---------------------------------------------------
    _t("alias_bomb_9x9", _bomb(9), says="alias bomb"),
    _t("alias_bomb_wide", _bomb(6, width=40), says="alias bomb"),
    _t("alias_bomb_in_spec", PROJECT.replace("spec: {displayName: Flyte snacks}",
                                             "spec: {displayName: x}\n" + _bomb(8)), says="alias bomb"),
    _t("self_recursive_alias", "a: &a [*a]\n", says="yaml"),
    _t("deep_flow_nesting_100", _nested_flow(100), says="nesting"),
    _t("deep_flow_nesting_5000", _nested_flow(5000), says=""),
    _t("deep_block_nesting_80", _nested_block(80), says="nesting"),
    _t("duplicate_top_key", PROJECT + "kind: Project\n", line=5, says="duplicate key"),
    _t("duplicate_nested_key", PROJECT.replace("{name: flytesnacks}", "{name: flytesnacks, name: other}"), line=3,
       says="duplicate key"),
    _t("python_object_tag", PROJECT + "x: !!python/object:os.system {}\n", line=5, says="not allowed"),
    _t("python_apply_tag", PROJECT + "x: !!python/object/apply:os.system ['id']\n", line=5, says="not allowed"),
    _t("python_name_tag", PROJECT + "x: !!python/name:os.system\n", line=5, says="not allowed"),
    _t("python_module_tag", PROJECT + "x: !!python/module:os\n", line=5, says="not allowed"),
    _t("binary_tag", PROJECT + "x: !!binary aGVsbG8=\n", line=5, says="not allowed"),
    _t("set_tag", PROJECT + "x: !!set {a, b}\n", line=5, says="not allowed"),
    _t("custom_local_tag", PROJECT + "x: !shell 'rm -rf /'\n", line=5, says="not allowed"),
    _t("merge_key", PROJECT + "base: &b {a: 1}\nx:\n  <<: *b\n", says="merge"),
    _t("tab_indentation", PROJECT + "x:\n\t- 1\n", says="yaml"),
    _t("unclosed_flow", PROJECT.replace("Flyte snacks}", "Flyte snacks"), says="yaml"),
    _t("document_is_a_list", HEAD + "- kind: Project\n", says=""),
    _t("document_is_a_scalar", "just a string\n", says=""),
    _t("kind_is_a_mapping", HEAD + "kind: {Project: 1}\nmetadata: {name: a}\nspec: {displayName: a}\n", line=2),
    _t("key_is_a_mapping", PROJECT + "? {a: 1}\n: 2\n", says="key"),
    _t("huge_key", PROJECT + "k" * 200_000 + ": 1\n", line=5),
    # --- Encoding and size ---------------------------------------------------------------------
    Case("binary_nul", b"apiVersion: flyte-reconciler/v1\nkind: Project\x00\x01\x02\n", 2, "binary"),
    Case("elf_header", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, 1, "binary"),
    Case("latin1", "apiVersion: flyte-reconciler/v1\nkind: Project\nmetadata: {name: caf\u00e9}\n".encode("latin-1"),
         3, "utf-8"),
    Case("utf16", PROJECT.encode("utf-16"), 1, ""),
    Case("invalid_continuation", PROJECT.encode() + b"x: \xc3\x28\n", 5, "utf-8"),
    Case("lone_surrogate_bytes", PROJECT.encode() + b"x: \xed\xa0\x80\n", 5, "utf-8"),
    Case("gzip_bytes", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64, 1, ""),
    Case("file_of_6_mib", lambda: (PROJECT + "# " + "x" * (6 * 1024 * 1024) + "\n").encode(), 1, "limited"),
    Case("file_of_50_mb", lambda: (PROJECT + ("# " + "y" * 1000 + "\n") * 50_000).encode(), 1, "limited"),
    _t("private_use_markers", PROJECT.replace("Flyte snacks", "Flyte \ue000snacks"), says="private-use"),
    # --- Jinja2 sandbox escapes and resource bombs ---------------------------------------------
    _t("jinja_class_mro", _jinja("{{ ''.__class__.__mro__ }}"), line=8, says="sandbox"),
    _t("jinja_subclasses", _jinja("{{ ''.__class__.__mro__[1].__subclasses__() }}"), line=8, says="sandbox"),
    _t("jinja_cycler_globals", _jinja("{{ cycler.__init__.__globals__.os }}"), line=8, says="sandbox"),
    _t("jinja_joiner_globals", _jinja("{{ joiner.__init__.__globals__ }}"), line=8, says="sandbox"),
    _t("jinja_namespace_globals", _jinja("{{ namespace.__init__.__globals__ }}"), line=8, says="sandbox"),
    _t("jinja_env_function_globals", _jinja("{{ env.__globals__ }}"), line=8, says="sandbox"),
    _t("jinja_func_code", _jinja("{{ env.__code__ }}"), line=8, says="sandbox"),
    _t("jinja_format_attribute", _jinja("{{ '{0.__class__}'.format(1) }}"), line=8, says="sandbox"),
    _t("jinja_self_module", _jinja("{{ self._TemplateReference__context }}"), line=8),
    _t("jinja_dict_mutation", _jinja("{% set d = {} %}{{ d.update({'a': 1}) }}"), line=8, says="sandbox"),
    _t("jinja_list_append", _jinja("{% set l = [] %}{{ l.append(1) }}"), line=8, says="sandbox"),
    _t("jinja_include_absolute", _jinja("{% include '/etc/passwd' %}"), line=8, says="loader"),
    _t("jinja_include_relative", _jinja("{% include '../secrets.yaml' %}"), line=8, says="loader"),
    _t("jinja_import", _jinja("{% import 'macros.j2' as m %}"), line=8, says="loader"),
    _t("jinja_from_import", _jinja("{% from '../x' import y %}"), line=8, says="loader"),
    _t("jinja_extends", _jinja("{% extends 'base.yaml' %}"), says="loader"),
    _t("jinja_recursive_macro", _jinja("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), line=8, says="recursion"),
    _t("jinja_mutual_recursion", _jinja("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}"
                                        "{{ a() }}"), line=8, says="recursion"),
    _t("jinja_string_bomb", _jinja("{{ 'a' * 10**10 }}"), line=8, says="repetition"),
    _t("jinja_list_bomb", _jinja("{{ [0] * 10**9 }}"), line=8, says="repetition"),
    _t("jinja_power_bomb", _jinja("{{ 10**10**10**10 }}"), line=8),
    _t("jinja_chained_power", _jinja("{{ (((10**64)**64)**64)**64 }}"), line=8, says="bits"),
    _t("jinja_range_bomb", _jinja("{{ range(10**9)|list }}"), line=8),
    _t("jinja_center_bomb", _jinja("{{ 'x'|center(10**9) }}"), line=8, says="limit"),
    _t("jinja_ljust_bomb", _jinja("{{ 'x'.ljust(10**8) }}"), line=8, says="limit"),
    _t("jinja_format_width_bomb", _jinja("{{ '%*s' % (10**9, 'x') }}"), line=8, says="limit"),
    _t("jinja_replace_bomb", _jinja("{{ ('a' * 900000)|replace('a', 'aaaa') }}"), line=8, says="replace"),
    _t("jinja_slice_bomb", _jinja("{{ [1]|slice(10**9)|list }}"), line=8, says="limit"),
    _t("jinja_loop_output_bomb", _jinja("{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx"
                                        "{% endfor %}{% endfor %}"), says="steps"),  # the step budget stops it first
    _t("jinja_wide_output_bomb", _jinja("{% for i in range(30000) %}{{ 'x' * 999999 }}{% endfor %}"), line=8,
       says="exceeds"),
    _t("jinja_lipsum", _jinja("{{ lipsum(10**6) }}"), line=8, says="undefined"),
    _t("jinja_undefined_secret", _jinja("{{ vars.admin_token }}"), line=8, says="undefined"),
    _t("jinja_env_not_allowed", _jinja("{{ env('FLYTE_RECONCILER_SURELY_UNSET_VAR') }}"), line=8, says="allow-list"),
    _t("jinja_syntax", _jinja("{{ oops( }}"), line=8, says="syntax"),
    # --- Absurd values ---------------------------------------------------------------------------
    _t("backfill_billion_runs", _backfill("1900-01-01T00:00:00Z", "3900-01-01T00:00:00Z"), says="maxexecutions"),
    _t("backfill_every_minute_century", _backfill("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"),
       says="maxexecutions"),
    _t("description_1mb", _description(1_000_000), line=4, says="description"),
    _t("display_name_huge", PROJECT.replace("Flyte snacks", "n" * 100_000), line=4),
    _t("ten_thousand_labels", PROJECT.replace("{displayName: Flyte snacks}", "{displayName: x, labels: {" +
                                              ", ".join(f"l{i}: v" for i in range(10_000)) + "}}"), line=4),
    _t("project_id_huge", PROJECT.replace("flytesnacks", "p" * 100_000), line=3),
    _t("quantity_giant_exponent", PROJECT + "---\n" + HEAD + "kind: Attributes\nmetadata: {project: flytesnacks}\n"
       "spec: {taskResources: {defaults: {cpu: '1e999999999'}}}\n", says="exponent"),
    _t("parallelism_absurd", LP + "  maxParallelism: 100000000000000000000\n", says="maxparallelism"),
    _t("cron_absurd_range", LP.replace("'0 6 * * *'", "'0-99999999 * * * *'"), line=6, says="cron"),
    _t("negative_quantity", PROJECT + "---\n" + HEAD + "kind: Attributes\nmetadata: {project: flytesnacks}\n"
       "spec: {taskResources: {defaults: {cpu: '-5'}}}\n", says="quantity"),
]


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAdmin]:
    with LocalAdmin.start(db_path=tmp_path_factory.mktemp("hostile") / "a.db", port=0, seed_samples=True) as running:
        yield running


def test_the_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_hostile_input_is_refused_before_anything_is_contacted(case: Case, command: str, admin: LocalAdmin,
                                                               tmp_path: Path) -> None:
    root = tmp_path / "manifests"
    root.mkdir()
    (root / "flyte-reconciler.yaml").write_text("scope: {projects: [flytesnacks]}\n")
    file = root / f"{case.name}.yaml"
    file.write_bytes(case.bytes())
    admin.reset_counters()
    args = [command, str(root), "--endpoint", admin.address, "--insecure", "--no-color"]
    result = CliRunner().invoke(cli, [*args, "--auto-approve"] if command == "apply" else args)
    output = result.output
    calls = admin.counters()
    record("hostile_input", bad_inputs=1, write_rpcs=admin.write_calls(), rpcs=sum(calls.values()),
           accepted=int(result.exit_code != 1))
    assert result.exit_code == 1, output[-3000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert calls == {}, calls  # nothing contacted, so nothing written
    where = re.search(rf"{re.escape(file.name)}:(\d+)", output)
    assert where, output[-3000:]
    if case.line is not None:
        assert int(where.group(1)) == case.line, output[-3000:]
    assert case.says.lower() in output.lower(), output[-3000:]
    assert "Traceback" not in output
