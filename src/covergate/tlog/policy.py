"""Witness policies (C2SP tlog-policy, after Sigsum's policy file) and quorum.

A policy names the logs and witnesses a verifier trusts and the rule (the
quorum) that says which sets of witness cosignatures make a checkpoint
trusted. One statement per line; ``#`` starts a comment::

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> <k>|any|all <member> <member>...
    quorum <name>|none

Log keys are signed-note verifier keys of type 0x01, witness keys of type 0x04
(Ed25519) or 0x06 (ML-DSA-44), the two cosignature types of C2SP
tlog-cosignature (:mod:`covergate.tlog.cosignature`). Witness and group names share one
namespace, are defined before they are used, and ``none`` is predefined (no
cosignature needed). A group is satisfied when at least ``k`` of its members
are (``any`` is 1, ``all`` every member); a witness when it cosigned. There is
exactly one ``quorum`` line.

>>> from covergate.tlog.keys import generate_signer
>>> log, _ = generate_signer("example.com/log")
>>> p = parse_policy(f"log {log.verifier_key()}\\nquorum none\\n")
>>> p.satisfied(set())
True
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog._decimal import parse_decimal
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.cosignature import CosignatureVerifier
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.note import NoteVerifier, open_note

__all__ = [
    "NONE",
    "CosignedCheckpoint",
    "PolicyGroup",
    "PolicyLog",
    "PolicyWitness",
    "WitnessPolicy",
    "open_cosigned_checkpoint",
    "parse_policy",
]

NONE = "none"
MAX_POLICY_SIZE = 1 << 20


@dataclass(frozen=True)
class PolicyLog:
    """A log the policy trusts: its key and, optionally, where it is."""

    verifier: Ed25519Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    """A witness: its policy-local name, its cosignature key and its address."""

    name: str
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyGroup:
    """``k`` of ``members`` (witness or group names) must be satisfied."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class WitnessPolicy:
    """A parsed policy; :meth:`satisfied` evaluates the quorum."""

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str
    _groups: dict[str, PolicyGroup] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_groups", {g.name: g for g in self.groups})

    def satisfied(self, cosigned_by: Set[str]) -> bool:
        """Whether witnesses ``cosigned_by`` (policy names) meet the quorum."""
        return self._met(self.quorum, cosigned_by)

    def _met(self, name: str, cosigned_by: Set[str]) -> bool:
        if name == NONE:
            return True
        group = self._groups.get(name)
        if group is None:
            return name in cosigned_by
        met = sum(1 for member in group.members if self._met(member, cosigned_by))
        return met >= group.threshold

    def log_for(self, origin: str) -> PolicyLog | None:
        """The policy's log whose key is named ``origin``, if any."""
        return next((log for log in self.logs if log.verifier.name == origin), None)

    def witness(self, name: str) -> PolicyWitness:
        """The witness of that policy name; KeyError when there is none."""
        for witness in self.witnesses:
            if witness.name == name:
                return witness
        raise KeyError(name)

    def describe_quorum(self) -> str:
        """The quorum in words, for error messages and ``--help`` output."""
        return self._describe(self.quorum)

    def _describe(self, name: str) -> str:
        if name == NONE:
            return "no witness"
        group = self._groups.get(name)
        if group is None:
            return name
        inner = ", ".join(self._describe(member) for member in group.members)
        return f"{group.threshold} of ({inner})"


def _url(parts: list[str], at: int, line_no: int) -> str | None:
    if len(parts) == at:
        return None
    if len(parts) == at + 1 and parts[at].startswith(("http://", "https://")):
        return parts[at].rstrip("/")
    raise MalformedLogData(f"malformed witness policy: line {line_no}: bad URL or extra words")


def parse_policy(text: str | bytes) -> WitnessPolicy:
    """Parse a policy file; MalformedLogData naming the line for anything wrong."""
    if isinstance(text, bytes):
        if len(text) > MAX_POLICY_SIZE:
            raise MalformedLogData("malformed witness policy: file too large")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedLogData("malformed witness policy: not UTF-8") from exc
    if len(text) > MAX_POLICY_SIZE:
        raise MalformedLogData("malformed witness policy: file too large")
    logs: list[PolicyLog] = []
    witnesses: dict[str, PolicyWitness] = {}
    groups: dict[str, PolicyGroup] = {}
    quorum: str | None = None
    for line_no, raw in enumerate(text.split("\n"), start=1):
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        keyword, args = parts[0], parts[1:]
        where = f"malformed witness policy: line {line_no}"
        if keyword == "log":
            if not args:
                raise MalformedLogData(f"{where}: log needs a verifier key")
            logs.append(PolicyLog(_log_key(args[0], where), _url(parts, 2, line_no)))
        elif keyword == "witness":
            if len(args) < 2:
                raise MalformedLogData(f"{where}: witness needs a name and a verifier key")
            name = _new_name(args[0], witnesses, groups, where)
            witnesses[name] = PolicyWitness(
                name, _witness_key(args[1], where), _url(parts, 3, line_no)
            )
        elif keyword == "group":
            if len(args) < 3:
                raise MalformedLogData(f"{where}: group needs a name, a threshold and members")
            name = _new_name(args[0], witnesses, groups, where)
            members = tuple(args[2:])
            for member in members:
                if member not in witnesses and member not in groups:
                    raise MalformedLogData(f"{where}: {member!r} is not defined above")
            if len(set(members)) != len(members):
                raise MalformedLogData(f"{where}: a member is named twice")
            groups[name] = PolicyGroup(name, _threshold(args[1], len(members), where), members)
        elif keyword == "quorum":
            if len(args) != 1:
                raise MalformedLogData(f"{where}: quorum takes one name")
            if quorum is not None:
                raise MalformedLogData(f"{where}: a second quorum line")
            if args[0] != NONE and args[0] not in witnesses and args[0] not in groups:
                raise MalformedLogData(f"{where}: quorum {args[0]!r} is not defined above")
            quorum = args[0]
        else:
            raise MalformedLogData(f"{where}: unknown keyword {keyword!r}")
    if quorum is None:
        raise MalformedLogData("malformed witness policy: no quorum line")
    return WitnessPolicy(tuple(logs), tuple(witnesses.values()), tuple(groups.values()), quorum)


def _new_name(
    name: str, witnesses: dict[str, PolicyWitness], groups: dict[str, PolicyGroup], where: str
) -> str:
    if name == NONE or name in witnesses or name in groups:
        raise MalformedLogData(f"{where}: the name {name!r} is already taken")
    return name


def _threshold(text: str, members: int, where: str) -> int:
    if text == "any":
        return 1
    if text == "all":
        return members
    # ASCII decimal only: str.isdigit() would admit superscripts (int() then
    # fails) and other scripts' digits (int() accepts them).
    try:
        threshold = parse_decimal(text, "threshold")
    except MalformedLogData:
        threshold = 0
    if not 1 <= threshold <= members:
        raise MalformedLogData(f"{where}: threshold must be any, all or 1..{members}")
    return threshold


def _log_key(vkey: str, where: str) -> Ed25519Verifier:
    try:
        return Ed25519Verifier.from_key_string(vkey)
    except MalformedLogData as exc:
        raise MalformedLogData(f"{where}: bad log key: {exc}") from exc


def _witness_key(vkey: str, where: str) -> CosignatureVerifier:
    # Either cosignature type; an ML-DSA-44 key where cryptography has no
    # ML-DSA raises MLDSAUnavailable (InvalidInput), which says so itself.
    try:
        return CosignatureVerifier.from_key_string(vkey)
    except MalformedLogData as exc:
        raise MalformedLogData(f"{where}: bad witness key: {exc}") from exc


# --- checking a cosigned checkpoint ----------------------------------------


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint whose log signature and witness quorum were checked.

    ``cosigned_at`` maps each witness (policy name) whose cosignature verified
    to the UNIX time it carries.
    """

    checkpoint: Checkpoint
    cosigned_at: dict[str, int]


def open_cosigned_checkpoint(
    note: bytes, log: NoteVerifier, policy: WitnessPolicy
) -> CosignedCheckpoint:
    """Open a checkpoint signed by ``log`` and check its cosignatures meet the quorum.

    Raises VerificationFailed when the log did not sign it, a known witness's
    cosignature fails, or the witnesses that cosigned fall short of the quorum;
    MalformedLogData for a malformed note or checkpoint.
    """
    by_key = {(w.verifier.name, bytes(w.verifier.key_id)): w for w in policy.witnesses}
    verifiers: list[NoteVerifier] = [log, *(w.verifier for w in policy.witnesses)]
    opened = open_note(note, verifiers)
    if not any(v is log for v in opened.verified_by):
        raise VerificationFailed(f"checkpoint is not signed by the log key {log.name!r}")
    checkpoint = Checkpoint.from_text(opened.text)
    if log.name != checkpoint.origin:
        raise VerificationFailed(
            f"checkpoint origin {checkpoint.origin!r} is not the key name {log.name!r}"
        )
    cosigned_at: dict[str, int] = {}
    for sig in opened.signatures:
        witness = by_key.get((sig.name, bytes(sig.key_id)))
        if witness is not None:
            cosigned_at[witness.name] = CosignatureVerifier.timestamp(sig.signature)
    if not policy.satisfied(set(cosigned_at)):
        have = ", ".join(sorted(cosigned_at)) or "no witness"
        raise VerificationFailed(
            f"checkpoint of size {checkpoint.size} lacks the witness quorum: "
            f"cosigned by {have}; the policy needs {policy.describe_quorum()}"
        )
    return CosignedCheckpoint(checkpoint, cosigned_at)
