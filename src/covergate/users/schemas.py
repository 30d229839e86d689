"""Roles, delegations, and how a token is named and shown."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType


class Role(StrEnum):
    """What a user may do. Least privilege: each role has one job."""

    REQUESTER = "requester"  # an agency's officer: submits, extends, closes, acknowledges
    REVIEWER = "reviewer"  # Inspection Service legal staff: annotates, produces packages
    APPROVER = "approver"  # holds a written delegation (39 CFR 233.3(d)): decides
    OBSERVER = "observer"  # postal staff recording covered mail (exteriors only)
    AUDITOR = "auditor"  # Inspector General, Congress: reads everything, incl. access log
    ADMIN = "admin"  # manages users and tokens; no access to subject data
    COURT = "court"  # a clerk or judge of one court: confirms or refuses its orders, delays notice


class Delegation(StrEnum):
    """Who may order a mail cover, 39 CFR 233.3(d)(1)-(3)."""

    CHIEF_POSTAL_INSPECTOR = "chief_postal_inspector"
    HEADQUARTERS_DESIGNEE = "headquarters_designee"
    OPERATIONS_SUPPORT_GROUP_MANAGER = "operations_support_group_manager"
    INSPECTOR_IN_CHARGE = "inspector_in_charge"


#: Roles whose users see every agency's requests.
STAFF_ROLES = frozenset({Role.REVIEWER, Role.APPROVER, Role.OBSERVER, Role.AUDITOR})


def with_article(role: Role) -> str:
    """``an auditor``, ``a reviewer``: for messages that name a role."""
    article = "an" if role.value[0] in "aeiou" else "a"
    return f"{article} {role.value}"


TokenId = NewType("TokenId", str)
"""A token's public name: the first hex digits of its SHA-256 digest (``3f9a1c0b2d4e``).

Anyone holding a token can work out its id; the id tells nothing of the token."""


class TokenStatus(StrEnum):
    """Whether a token signs in now, and if not, why."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USER_DISABLED = "user_disabled"  # the token is fine; its holder's account is not
