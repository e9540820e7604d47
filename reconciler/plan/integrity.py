"""Sealing a saved plan: one canonical body, a digest over all of it, and an optional HMAC signature.

A saved plan file is the plan's JSON body plus two keys: ``digest`` (SHA-256 over the canonical
body: every key except ``digest`` and ``signature``, sorted, compact) and ``signature`` (HMAC-SHA256
of the same bytes under ``FLYTE_RECONCILER_PLAN_KEY``, or null). The digest catches any edit made
without recomputing it (a hand edit, a truncated upload, a merge gone wrong); anyone can recompute
a digest, so only the signature stops a deliberate edit — see docs/plan-json.md, "Threat model".

Pure: the key is handed in by the caller (the CLI reads it from the environment); nothing here
performs I/O or prints. Comparisons of digests and signatures are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from reconciler.errors import PlanIntegrityError

DIGEST_PREFIX = "sha256:"
SIGNATURE_PREFIX = "hmac-sha256:"
SEAL_KEYS = ("digest", "signature")
KEY_VARIABLE = "FLYTE_RECONCILER_PLAN_KEY"


def canonical(body: Mapping[str, Any]) -> bytes:
    """The bytes the digest and the signature cover: sorted keys, no whitespace, ASCII only."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def digest_of(body: Mapping[str, Any]) -> str:
    return DIGEST_PREFIX + hashlib.sha256(canonical(body)).hexdigest()


def signature_of(body: Mapping[str, Any], key: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def seal(body: Mapping[str, Any], key: bytes | None = None) -> dict[str, Any]:
    """The document to write: the body, its digest, and its signature when a key is given."""
    unsealed = {k: v for k, v in body.items() if k not in SEAL_KEYS}
    return {**unsealed, "digest": digest_of(unsealed),
            "signature": signature_of(unsealed, key) if key else None}


def unseal(document: Mapping[str, Any], key: bytes | None = None) -> tuple[dict[str, Any], bool]:
    """Check a sealed document; return ``(body, signed)``.

    With ``key``: the document must carry a signature made with that key. Without: the digest
    must hold; a signature present cannot be checked and is reported back as ``signed``.
    """
    body = {k: v for k, v in document.items() if k not in SEAL_KEYS}
    recorded = document.get("digest")
    if not isinstance(recorded, str) or not recorded:
        raise PlanIntegrityError("the saved plan has no digest, so it cannot be checked",
                                 hint="save the plan again with `flyte-reconciler plan --out FILE`")
    if not hmac.compare_digest(recorded, digest_of(body)):
        raise PlanIntegrityError("the saved plan was modified after it was written: its digest does not match "
                                 "its content",
                                 hint="never edit a saved plan; make a new one with `flyte-reconciler plan --out "
                                      "FILE` and review it")
    signature = document.get("signature")
    if key is not None:
        if not isinstance(signature, str) or not signature:
            raise PlanIntegrityError(f"the saved plan is not signed, and {KEY_VARIABLE} is set: only plans signed "
                                     "with that key are applied",
                                     hint=f"make the plan with {KEY_VARIABLE} set to the same key")
        if not hmac.compare_digest(signature, signature_of(body, key)):
            raise PlanIntegrityError(f"the saved plan's signature does not match {KEY_VARIABLE}: it was signed "
                                     "with another key or modified after signing",
                                     hint=f"make the plan again with the {KEY_VARIABLE} used here")
    return body, bool(signature)


def key_from(environ: Mapping[str, str]) -> bytes | None:
    """The signing key from ``FLYTE_RECONCILER_PLAN_KEY`` (its UTF-8 bytes), or None when unset/empty."""
    value = environ.get(KEY_VARIABLE)
    return value.encode("utf-8") if value else None
