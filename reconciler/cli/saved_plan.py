"""Loading a saved plan for ``apply --plan`` and ``show``: read, verify, and find where it goes.

``load_saved(path)`` reads the file and the signing key (``FLYTE_RECONCILER_PLAN_KEY``) and refuses
anything that is not exactly a plan this tool wrote (``reconciler.plan.saved`` and the payload check
of ``reconciler.admin.plan_payloads``). ``saved_plan_target(plan, kwargs)`` reads the run
configuration the plan's environment came from, refuses manifests at PATHS that moved since the
plan, and returns the one connection the plan may be applied through (``reconciler.pinning``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from reconciler.admin.plan_payloads import payload_problems
from reconciler.cli.connection import target_from
from reconciler.cli.options import DEFAULT_PATHS, load_from_options
from reconciler.connect import Target
from reconciler.errors import ConfigError, PlanError, PlanIntegrityError
from reconciler.manifests import RunConfig, load_config
from reconciler.pinning import pinned_target
from reconciler.plan.integrity import KEY_VARIABLE, key_from
from reconciler.plan.model import Plan
from reconciler.plan.saved import read_saved_plan
from reconciler.plan.sources import differing_files, file_digests
from reconciler.plan.target import PlannedTarget


def load_saved(path: Path, *, check_payloads: bool = True) -> Plan:
    """The verified plan in ``path``; ``check_payloads``: also decode what each action would send (apply)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the saved plan {path}: {exc}",
                          hint="pass the file written by `flyte-reconciler plan --out FILE`") from exc
    key = key_from(os.environ)
    saved = read_saved_plan(text, key=key, source=str(path))
    problems = payload_problems(saved.plan) if check_payloads else []
    if problems:
        raise PlanIntegrityError(f"{path} does not do what it shows; refusing it:\n  " + "\n  ".join(problems),
                                 hint="never edit a saved plan; make a new one with `flyte-reconciler plan --out "
                                      "FILE` and review it")
    if saved.signed and key is None:
        click.echo(f"warning: {path} is signed, but {KEY_VARIABLE} is not set here, so the signature was not "
                   "checked", err=True)
    return saved.plan


def _config_for(recorded: PlannedTarget, config_path: str | None, paths: list[str]) -> RunConfig | None:
    """The run configuration the plan's environment was read from (None: the plan names none)."""
    if recorded.environment is None or recorded.sandbox:
        return None
    if config_path is None and recorded.config_file and Path(recorded.config_file).is_file():
        config_path = recorded.config_file
    config = load_config(config_path, paths or list(DEFAULT_PATHS))
    if recorded.environment not in config.environments:
        raise ConfigError(f"the saved plan was made for environment {recorded.environment!r} of "
                          f"{recorded.config_file or 'flyte-reconciler.yaml'}, which is not defined in "
                          f"{config.path or 'any flyte-reconciler.yaml found here'}",
                          hint="run apply from the repository the plan was made in, or pass --config FILE")
    return config


def _check_manifests(plan: Plan, kwargs: dict[str, Any], config_path: str | None) -> None:
    """``apply --plan FILE PATHS``: the manifests at PATHS must still render to what was planned."""
    recorded = plan.target
    options = {**kwargs, "env": recorded.environment if recorded else None, "config_path": config_path}
    loaded, _ = load_from_options(options)
    if loaded.digest == plan.manifests_digest:
        return
    groups = differing_files(plan.manifest_files, file_digests(loaded.documents))
    detail = "; ".join(f"{name}: {', '.join(files)}" for name, files in groups.items()) or \
        "the same files render differently (other variables or environment)"
    raise PlanError(f"the manifests at {', '.join(kwargs['paths'])} no longer render to what the saved plan was "
                    f"made from ({detail})",
                    hint="review and apply a new plan of these manifests (`flyte-reconciler plan --out FILE`); "
                         "render them with the same --var/--var-file as the plan")


def saved_plan_target(plan: Plan, kwargs: dict[str, Any]) -> tuple[Target, RunConfig | None]:
    """Where ``plan`` may be applied (and the run config to connect with); raises before any connection."""
    recorded = plan.target
    if recorded is None:
        raise PlanIntegrityError("the saved plan does not record the target it was made for",
                                 hint="make it again with `flyte-reconciler plan --out FILE`")
    paths = list(kwargs.get("paths") or ())
    config_path = kwargs.get("config_path")
    config = _config_for(recorded, config_path, paths)
    if paths:
        _check_manifests(plan, kwargs, (config.path if config else None) or config_path)
    given = target_from(dict(kwargs), kwargs.get("env"))
    return pinned_target(recorded, given=given, config=config), config
