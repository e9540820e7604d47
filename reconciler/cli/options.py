"""Options that select and render manifests, shared by validate, plan, apply and diff.

``@manifest_options`` adds PATHS, --config, --env, --var, --var-file and --no-cache to a command;
``load_from_options(kwargs)`` pops them again and returns the validated manifests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from reconciler.cli.base import note_ambient_environment
from reconciler.errors import ConfigError
from reconciler.manifests import LoadedManifests, load_config, load_manifests
from reconciler.manifests.parse_cache import ParseCache

DEFAULT_PATHS = ("manifests/",)


def _parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--var {item!r} is not KEY=VALUE", hint="e.g. --var release=v2")
        result[key] = value
    return result


def manifest_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(), metavar="[PATHS]..."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Run configuration (default: flyte-reconciler.yaml at the manifests' root)."),
        click.option("--env", "env", metavar="NAME", envvar="FLYTE_RECONCILER_ENV", callback=note_ambient_environment,
                     help="Environment of flyte-reconciler.yaml: its endpoint and its template `vars`."),
        click.option("--var", "variables", multiple=True, metavar="KEY=VALUE",
                     help="Template variable, available as {{ vars.KEY }}; wins over --var-file and the "
                          "environment's vars (repeatable)."),
        # No exists=True: a missing --var-file is a located manifest problem (exit 1), not a usage error (2).
        click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False),
                     help="YAML mapping of template variables; later files win (repeatable)."),
        click.option("--no-cache", "no_cache", is_flag=True, default=False,
                     help="Parse every manifest afresh instead of reusing the parse cache in "
                          ".flyte-reconciler/cache/ (also FLYTE_RECONCILER_NO_CACHE=1)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_from_options(kwargs: dict[str, Any]) -> tuple[LoadedManifests, str | None]:
    """Pop the manifest options from ``kwargs``, load and validate; returns (manifests, environment)."""
    paths = list(kwargs.pop("paths", ()) or DEFAULT_PATHS)
    environment = kwargs.pop("env", None)
    config = load_config(kwargs.pop("config_path", None), paths)
    cache = None if kwargs.pop("no_cache", False) else ParseCache.open()
    loaded = load_manifests(paths, config=config, environment=environment,
                            variables=_parse_vars(tuple(kwargs.pop("variables", ()))),
                            var_files=list(kwargs.pop("var_files", ())), cache=cache)
    return loaded, environment
