"""Field checks with the limits real Flyte Admin enforces; each raises ValueError("problem (expected)")."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping

from reconciler.model.address import DOMAIN, ENTITY_NAME, PROJECT_ID, VERSION
from reconciler.model.cron import CronError
from reconciler.model.cron import parse as parse_cron

# Every pattern is applied with ``fullmatch`` and spells its character classes as ASCII ranges: with
# ``match`` and ``$``, a trailing newline passes ("abc\n"), and ``\w``/``\d`` accept non-ASCII letters
# and digits that Admin (Go regexps, Kubernetes validators) refuses after we said "valid".
_DNS_LABEL = DOMAIN
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_BACKFILL_NAME = re.compile(r"[a-z][a-z0-9-]*")


URL_SAFE_VERSION = re.compile(r"[A-Za-z0-9._-]{1,128}")  # fullmatch: "v1\n" must not pass


def address_part(value: str) -> str:
    """Names that become part of an address (``launchplan/<project>/<domain>/<name>``): no '/', and
    not '-', which spells "no level" in attributes addresses."""
    if "/" in value:
        raise ValueError(f"{value!r} contains '/' (a name without '/')")
    if value == "-":
        raise ValueError("'-' is not a name (omit the key for no level)")
    return value


def project_id(value: str) -> str:
    if len(value) > 63:
        raise ValueError(f"{value!r} is {len(value)} characters long (a DNS-1123 label of at most 63 characters)")
    if not PROJECT_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid project id (a DNS-1123 label: lowercase letters, digits and "
                         "'-', starting and ending with a letter or digit)")
    return value


def max_bytes(value: str, limit: int, what: str) -> str:
    size = len(value.encode())
    if size > limit:
        raise ValueError(f"{what} is {size} bytes long (at most {limit} bytes, Flyte Admin's limit)")
    return value


def max_chars(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters long (at most {limit} characters, Flyte Admin's limit)")
    return value


def qualified_name(key: str, what: str) -> None:
    """Kubernetes ``IsQualifiedName``: an optional DNS-1123 subdomain prefix and '/', then a name part."""
    name = key
    if "/" in key:
        prefix, name = key.split("/", 1)
        if not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix):
            raise ValueError(f"{what} key {key!r} has an invalid prefix {prefix!r} (a DNS-1123 subdomain such as "
                             "example.com, then '/')")
    if not name or len(name) > 63 or not _NAME_PART.fullmatch(name):
        raise ValueError(f"{what} key {key!r} is invalid (a Kubernetes qualified name: at most 63 characters of "
                         "alphanumerics, '-', '_', '.', starting and ending with an alphanumeric, with an optional "
                         "prefix such as example.com/)")


def annotation_map(values: Mapping[str, str]) -> Mapping[str, str]:
    """Admin does not check annotations, but Kubernetes rejects the execution's resources when keys are
    not qualified names or the total size exceeds 256 KiB."""
    for key in values:
        qualified_name(key, "annotation")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in values.items())
    if size > 256 * 1024:
        raise ValueError(f"annotations total {size} bytes (at most 262144 bytes, Kubernetes' limit)")
    return values


def timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r} (an IANA zone name such as UTC or Europe/Berlin)") from exc
    return value


def labels(values: Mapping[str, str], what: str = "labels") -> Mapping[str, str]:
    if len(values) > 16:
        raise ValueError(f"{len(values)} {what} given (at most 16, Flyte Admin's limit)")
    for key, value in values.items():
        qualified_name(key, "label")
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
            raise ValueError(f"label value {value!r} of {key!r} is invalid (empty, or at most 63 characters: "
                             "alphanumerics, '-', '_', '.', starting and ending with an alphanumeric)")
    return values


def cron(expression: str) -> str:
    """As Flyte Admin parses schedules (robfig/cron ``ParseStandard``; the rules are in ``reconciler.model.cron``)."""
    try:
        parse_cron(expression)
    except CronError as exc:
        raise ValueError(exc.problem) from exc
    return expression


def backfill_name(value: str) -> str:
    if len(value) > 30 or not _BACKFILL_NAME.fullmatch(value):
        raise ValueError(f"{value!r} cannot be used in execution names (lowercase letters, digits and '-', "
                         "starting with a letter, at most 30 characters)")
    return value


def printable(value: str) -> str:
    """``value`` with control and non-ASCII characters escaped, safe to quote in one line of output."""
    return value.encode("unicode_escape").decode("ascii")


def entity_name(value: str, what: str = "name") -> str:
    """Launch plan / workflow names as Admin stores them and as they appear in addresses and filters."""
    if value == "-":
        raise ValueError(f"{what} '-' is not a name: it spells 'no level' in addresses (omit the key for the level "
                         "above)")
    if "/" in value:
        raise ValueError(f"{what} '{printable(value)}' contains '/', which separates address parts (a Flyte name: "
                         "ASCII letters, digits, '_', '.' and '-')")
    if not ENTITY_NAME.fullmatch(value):
        raise ValueError(f"{what} '{printable(value)}' is not a Flyte name (at most 255 ASCII letters, digits, "
                         "'_', '.' and '-', not starting with '.' or '-'; no '/', ',', '(', ')', spaces or control "
                         "characters)")
    return value


def version(value: str) -> str:
    if not VERSION.fullmatch(value):
        raise ValueError(f"version '{printable(value)}' cannot be sent to Flyte Admin (at most 255 ASCII letters, "
                         "digits and _ . : + = @ ~ -; no '/', ',', '(', ')', spaces or control characters)")
    return value


def domain_name(value: str) -> str:
    if not _DNS_LABEL.fullmatch(value):
        raise ValueError(f"domain '{printable(value)}' is not a valid domain name (lowercase letters, digits and "
                         "'-', as Flyte Admin's domains are configured)")
    return value
