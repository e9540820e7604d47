"""``flyte-reconciler diff --base REF [--head REF] [PATHS]``: offline review of two git revisions."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import click

from reconciler.cli.options import DEFAULT_PATHS, _parse_vars
from reconciler.errors import EXIT_CHANGES, EXIT_OK, ConfigError
from reconciler.manifests import LoadedManifests, load_config, load_manifests
from reconciler.review import render_review, review


def _git(*args: str, cwd: Path) -> bytes:
    try:
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout
    except FileNotFoundError as exc:
        raise ConfigError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise ConfigError(f"git {' '.join(args)} failed: {exc.stderr.decode(errors='replace').strip()}") from exc


def _checkout(ref: str, repo: Path, target: Path) -> None:
    """Materialise the tree of ``ref`` under ``target`` (git archive; the working tree is untouched)."""
    data = _git("archive", "--format=tar", ref, cwd=repo)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(target, filter="data")


def _load(root: Path, paths: list[str], options: dict[str, Any], relative: list[str]) -> LoadedManifests | None:
    targets = [str(root / p) for p in relative]
    if not any(Path(t).exists() for t in targets):
        return None
    config = load_config(None, targets)
    return load_manifests(targets, config=config, environment=options["env"],
                          variables=_parse_vars(options["variables"]), var_files=list(options["var_files"]))


@click.command("diff")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--base", required=True, help="Git revision to compare from (e.g. origin/main).")
@click.option("--head", default=None, help="Git revision to compare to (default: the working tree).")
@click.option("--env", "env", metavar="NAME", help="Environment whose template vars render both revisions.")
@click.option("--var", "variables", multiple=True, metavar="KEY=VALUE")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the desired state differs.")
def diff_command(paths: tuple[str, ...], base: str, head: str | None, fmt: str, detailed_exitcode: bool,
                 **options: Any) -> None:
    """Show how the desired state differs between two revisions, without contacting Flyte Admin."""
    repo = Path(_git("rev-parse", "--show-toplevel", cwd=Path.cwd()).decode().strip())
    relative = [str(Path(p).resolve().relative_to(repo)) for p in (paths or DEFAULT_PATHS)]
    with tempfile.TemporaryDirectory() as tmp:
        base_root = Path(tmp) / "base"
        _checkout(base, repo, base_root)
        before = _load(base_root, list(paths), options, relative)
        if head is None:
            head_root = repo
        else:
            head_root = Path(tmp) / "head"
            _checkout(head, repo, head_root)
        after = _load(head_root, list(paths), options, relative)
    if after is None:
        raise ConfigError(f"no manifests at {', '.join(relative)} in {head or 'the working tree'}")
    changes = review(before, after)
    click.echo(render_review(changes, markdown=fmt == "markdown", base=base, head=head or "working tree"))
    sys.exit(EXIT_CHANGES if detailed_exitcode and changes else EXIT_OK)


def register(cli: click.Group) -> None:
    cli.add_command(diff_command)
