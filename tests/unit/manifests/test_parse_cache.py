"""The parse cache: same results as parsing, and entries nobody can forge (``manifests/parse_cache.py``)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifests import load_config, load_manifests
from reconciler.manifests.parse_cache import CACHE_DIR, ParseCache, key_file

PROJECT = """\
apiVersion: flyte-reconciler/v1
kind: Project
metadata: {name: alpha}
spec:
  displayName: Alpha
  labels: {team: {{ vars.team }}}
---
apiVersion: flyte-reconciler/v1
kind: Attributes
metadata: {project: alpha, domain: development}
spec:
  taskResources: {defaults: {cpu: 500m, memory: 1Gi}}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.delenv("FLYTE_RECONCILER_NO_CACHE", raising=False)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "alpha.yaml").write_text(PROJECT)
    return tmp_path


def _load(cache: ParseCache | None, team: str = "data") -> object:
    paths = ["manifests"]
    return load_manifests(paths, config=load_config(None, paths), variables={"team": team}, cache=cache)


def _view(loaded: object) -> list[tuple[object, ...]]:
    return [(d.kind, d.address, d.model, d.file, d.line, dict(d.lines)) for d in loaded.documents]  # type: ignore[attr-defined]


def test_a_second_run_reads_the_cache_and_gets_what_parsing_gives(repo: Path) -> None:
    first = ParseCache.open()
    assert first is not None
    cold = _load(first)
    assert (first.hits, first.misses) == (0, 1)
    second = ParseCache.open()
    assert second is not None
    warm = _load(second)
    assert (second.hits, second.misses) == (1, 0)
    uncached = _load(None)
    assert _view(warm) == _view(cold) == _view(uncached)
    assert warm.digest == cold.digest == uncached.digest  # type: ignore[attr-defined]


def test_the_key_lives_outside_the_repository_and_only_the_user_can_read_it(repo: Path) -> None:
    assert ParseCache.open() is not None
    assert not key_file().is_relative_to(repo / "manifests")
    assert key_file().stat().st_mode & 0o077 == 0
    assert (CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_changed_variable_or_file_misses_and_errors_keep_their_lines(repo: Path) -> None:
    _load(ParseCache.open())
    cache = ParseCache.open()
    assert cache is not None
    loaded = _load(cache, team="ml")
    assert cache.misses == 1 and loaded.documents[0].model.spec.labels == {"team": "ml"}  # type: ignore[attr-defined]
    (repo / "manifests" / "alpha.yaml").write_text(PROJECT.replace("displayName: Alpha", "displayName: [Alpha"))
    with pytest.raises(ManifestError) as cached:
        _load(ParseCache.open())
    with pytest.raises(ManifestError) as uncached:
        _load(None)
    assert str(cached.value) == str(uncached.value)
    assert [(p.file.endswith("alpha.yaml"), p.line) for p in cached.value.problems] == [(True, 6)]


def _entries() -> list[Path]:
    return [p for p in CACHE_DIR.iterdir() if len(p.name) == 64]


def test_an_entry_not_made_with_the_key_is_ignored_and_replaced(repo: Path) -> None:
    _load(ParseCache.open())
    [entry] = _entries()
    data = entry.read_bytes()
    # What a pull request could commit: the right name, a payload claiming other values, any MAC.
    forged = pickle.loads(data[32:])
    forged[0][0]["spec"]["labels"]["team"] = "attacker"
    entry.write_bytes(data[:32] + pickle.dumps(forged))
    cache = ParseCache.open()
    assert cache is not None
    loaded = _load(cache)
    assert loaded.documents[0].model.spec.labels == {"team": "data"}  # type: ignore[attr-defined]
    assert (cache.hits, cache.misses) == (0, 1)
    assert entry.read_bytes() == data  # replaced by an authentic entry


class _Payload:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.mkdir, (str(Path.cwd() / "pwned"),))


def test_unauthenticated_bytes_never_reach_the_unpickler(repo: Path) -> None:
    _load(ParseCache.open())
    [entry] = _entries()
    entry.write_bytes(b"\0" * 32 + pickle.dumps(_Payload()))
    _load(ParseCache.open())
    assert not (repo / "pwned").exists()


def test_a_key_from_another_machine_or_user_makes_every_entry_a_miss(repo: Path) -> None:
    _load(ParseCache.open())
    key_file().write_bytes(b"k" * 32)
    cache = ParseCache.open()
    assert cache is not None
    _load(cache)
    assert (cache.hits, cache.misses) == (0, 1)


def test_it_can_be_turned_off(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_RECONCILER_NO_CACHE", "1")
    assert ParseCache.open() is None


def test_old_entries_are_pruned_to_a_bound_tied_to_the_run(repo: Path) -> None:
    for team in range(80):
        _load(ParseCache.open(), team=f"t{team}")
    assert len(_entries()) <= 4 * 1 + 64
