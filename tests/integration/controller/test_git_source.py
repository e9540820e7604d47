"""The git source on its own: branches, tags and commits as refs, immutable snapshots, readable errors."""

from __future__ import annotations

import re

import pytest

from reconciler.controller.sources import GitSource, SourceError
from tests.integration.controller.conftest import git


def test_refs_resolve_to_snapshots_of_their_commit(repo, tmp_path) -> None:
    first = repo.commit({"manifests/a.yaml": "a: 1\n"}, "one")
    git(repo.work, "tag", "v1")
    git(repo.work, "push", "--quiet", "origin", "v1")
    second = repo.commit({"manifests/a.yaml": "a: 2\n"}, "two")

    branch = GitSource(repo.url, ref="main", subpath="manifests", workdir=tmp_path / "w1").poll()
    assert branch.revision == second and (branch.manifests / "a.yaml").read_text() == "a: 2\n"
    tag = GitSource(repo.url, ref="v1", subpath="manifests", workdir=tmp_path / "w2").poll()
    assert tag.revision == first and (tag.manifests / "a.yaml").read_text() == "a: 1\n"
    pinned = GitSource(repo.url, ref=first, subpath=None, workdir=tmp_path / "w3").poll()
    assert pinned.revision == first
    head = GitSource(repo.url, ref=None, subpath=None, workdir=tmp_path / "w4")
    assert head.poll().revision == second
    third = repo.commit({"manifests/a.yaml": "a: 3\n"}, "three")
    later = head.poll()
    assert later.revision == third and (later.root / "manifests" / "a.yaml").read_text() == "a: 3\n"
    assert (tmp_path / "w4" / "revisions" / second / "manifests" / "a.yaml").read_text() == "a: 2\n"  # untouched


def test_an_unknown_ref_or_repository_is_a_source_error(repo, tmp_path) -> None:
    repo.commit({"a.yaml": "a: 1\n"})
    with pytest.raises(SourceError, match="ref 'nope' not found"):
        GitSource(repo.url, ref="nope", subpath=None, workdir=tmp_path / "w1").poll()
    with pytest.raises(SourceError, match=re.escape("git clone of https://****@127.0.0.1:9/x.git failed")) as caught:
        GitSource("https://user:secret-token@127.0.0.1:9/x.git", ref=None, subpath=None,
                  workdir=tmp_path / "w2").poll()
    assert "secret-token" not in str(caught.value)
