"""Who may write: webhook signatures (GitHub, GitLab) and bearer tokens, checked in constant time.

GitHub signs the raw body with HMAC-SHA256 and the shared secret (``X-Hub-Signature-256: sha256=<hex>``);
GitLab sends the secret itself (``X-Gitlab-Token``). Without a configured secret every webhook is
refused: an unauthenticated trigger would let anyone make the controller fetch and sync at will.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(headers: Mapping[str, str], body: bytes, secret: str | None) -> tuple[bool, str]:
    """``(accepted, which)``; ``headers`` keys compared case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if not secret:
        return False, "no webhook secret configured"
    signature = lowered.get("x-hub-signature-256")
    if signature is not None:
        ok = hmac.compare_digest(signature.strip().encode(), github_signature(secret, body).encode())
        return ok, "github"
    token = lowered.get("x-gitlab-token")
    if token is not None:
        return hmac.compare_digest(token.encode(), secret.encode()), "gitlab"
    return False, "unsigned"


def bearer_ok(authorization: str | None, token: str | None) -> bool:
    if not token or not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())
