"""API keys: made, hashed and checked here; issued and revoked by services, accepted by core.api_auth.

A key is 160 random bits written as 40 hexadecimal characters. Only its SHA-256 is stored: a key that random
needs no slow, salted hash (nobody can guess one to test against the stored digest), and a digest lookup is
one index read per request. Whoever reads the database or the back office learns no usable key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from karpear.core import access
from karpear.core.models import ApiToken, User

KEY_BYTES = 20  # 40 hexadecimal characters
PREFIX_LENGTH = 6


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def fingerprint(user: User) -> str:
    """What a token is issued against: the user's active memberships (organisation, role) and password.

    A changed role, a membership added, removed or deactivated, an organisation deactivated or a new password
    gives another fingerprint, so a token issued before stops working, wherever the change was made (pages,
    back office or shell). The password enters as its stored hash, which the database holds anyway.
    """
    memberships = sorted((m.organisation_id, str(m.role)) for m in access.memberships_of(user))
    blob = json.dumps({"memberships": memberships, "password": user.password}, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def token_for_key(key: str) -> ApiToken | None:
    """The token whose key this is (only its hash is stored), with its user."""
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()


def token_touch(token: ApiToken, now: dt.datetime) -> None:
    """Note when the token was last used, without saving anything else."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
