"""The ``Package`` kind: a workflow package (``pyflyte package`` / ``pyflyte serialize`` output) to register.

``spec.source`` is a path relative to the manifest: a ``.tgz``/``.tar.gz``/``.tar`` archive or a
directory of ``*_1.pb`` (tasks), ``*_2.pb`` (workflows) and ``*_3.pb`` (launch plans). ``spec.version``
is the version every entity is registered under: a string, or ``auto`` (a digest of the hydrated
entities, so an unchanged package never gets a new version). The options mirror flytectl's
``register files`` flags that make sense declaratively. Pure: no file is read here (the engine's
package loader reads and hydrates the source).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from reconciler.manifests import checks
from reconciler.manifests.models import EntityMetadata, Strict

AUTO_VERSION = "auto"


def _version(value: str) -> str:
    if value != AUTO_VERSION and not checks.URL_SAFE_VERSION.fullmatch(value):
        raise ValueError(f"{value!r} is not a usable version (letters, digits, '.', '_', '-', at most 128 "
                         "characters; or auto)")
    return value


class PackageSpec(Strict):
    source: Annotated[str, Field(min_length=1)]
    version: Annotated[str, AfterValidator(_version)] = AUTO_VERSION
    serviceAccount: Annotated[str, Field(min_length=1)] | None = None  # flytectl --K8sServiceAccount
    iamRole: Annotated[str, Field(min_length=1)] | None = None  # flytectl --assumableIamRole
    rawOutputDataPrefix: Annotated[str, Field(min_length=1)] | None = None  # flytectl --outputLocationPrefix
    destinationDirectory: Annotated[str, Field(min_length=1)] | None = None  # flytectl --destinationDirectory
    envs: dict[str, str] = {}  # environment variables of the package's launch plans


class Package(Strict):
    apiVersion: Literal["flyte-reconciler/v1"]
    kind: Literal["Package"]
    metadata: EntityMetadata
    spec: PackageSpec
