"""Opaque global IDs: base64 of ``Type:id``, as Relay clients expect."""

from __future__ import annotations

import base64
import binascii

import strawberry

from db.model import ENTITIES
from schema.errors import InvalidId

TYPES = tuple(ENTITIES)  # the types with a global ID: the model's entities
MAX_PK = 2**63 - 1  # ids are PostgreSQL bigints


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(gid: str) -> tuple[str, int]:
    """Decode a global ID; raise ``INVALID_ID`` if it is not one of ours."""
    try:
        type_name, _, raw = base64.b64decode(gid.encode(), validate=True).decode().partition(":")
        pk = int(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidId(f"{gid!r} is not a valid ID.", id=gid) from exc
    if type_name not in TYPES or not 0 < pk <= MAX_PK:
        raise InvalidId(f"{gid!r} is not a valid ID.", id=gid)
    return type_name, pk


def pk_of(gid: str, expected: str) -> int:
    """The database id behind a global ID that must be of type ``expected``."""
    type_name, pk = from_global_id(gid)
    if type_name != expected:
        raise InvalidId(f"{gid!r} is the ID of a {type_name}, not of a {expected}.", id=gid)
    return pk
