"""Opening a checkpoint as a verifier: the log's key(s) and, with a policy, the witnesses.

Every verifier of covergate (``log verify``, ``log monitor``, ``verify`` of a
tlog-proof, ``notice verify``) opens the checkpoint note it is given with
:func:`open_witnessed`:

- the note must be signed by one of the log keys given. Several are accepted so
  that a verifier can carry on across a rotation of the log key: during the
  transition the log signs with its old and its new key, and a monitor whose
  saved state was signed by the old key alone still opens it;
- with a witness policy (C2SP tlog-policy, :mod:`covergate.tlog.policy`), the
  witnesses' cosignatures must verify and meet its quorum
  (:func:`covergate.tlog.policy.open_cosigned_checkpoint`); a shortfall is
  :class:`QuorumNotMet`, which the commands exit 1 with, apart from the other
  verification failures (exit 2), so that a script can tell "the log lied" from
  "not enough witnesses have seen this yet";
- without a policy, cosignature lines are other keys' signatures: ignored, and
  the commands say "cosignatures not checked (no --policy)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from covergate.errors import InvalidInput, VerificationFailed
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.note import open_note
from covergate.tlog.policy import WitnessPolicy, open_cosigned_checkpoint, parse_policy

__all__ = [
    "NOT_CHECKED",
    "QuorumNotMet",
    "Witnessed",
    "log_keys_of",
    "open_witnessed",
    "parse_policy_file",
]

NOT_CHECKED = "cosignatures not checked (no --policy)"


class QuorumNotMet(VerificationFailed):
    """The log signed the checkpoint, but its cosignatures fall short of the policy's
    quorum (or a witness's cosignature does not verify)."""

    code = "quorum-not-met"
    title = "Witness quorum not met"


@dataclass(frozen=True)
class Witnessed:
    """An opened checkpoint: which log keys signed it, and which witnesses cosigned
    it when (UNIX seconds; empty without a policy)."""

    checkpoint: Checkpoint
    log_keys: tuple[Ed25519Verifier, ...]
    policy: WitnessPolicy | None = None
    cosigned_at: dict[str, int] = field(default_factory=dict)
    other_signatures: int = 0

    def cosigners(self) -> list[dict[str, str]]:
        """Each witness that cosigned, with its time in UTC, for ``--json`` output."""
        return [{"witness": name, "time": utc(at)} for name, at in sorted(self.cosigned_at.items())]

    def describe(self) -> str:
        """One phrase for the commands' output: who cosigned, or that nobody checked."""
        if self.policy is None:
            return NOT_CHECKED
        if not self.cosigned_at:
            return "witness quorum met (the policy needs no witness)"
        who = ", ".join(f"{c['witness']} at {c['time']}" for c in self.cosigners())
        return f"witness quorum met: cosigned by {who}"


def utc(timestamp: int) -> str:
    """A cosignature's time as ``2026-05-01T12:00:00Z``."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"@{timestamp}"  # beyond what a calendar shows; still the witness's claim


def parse_policy_file(data: bytes, where: str) -> WitnessPolicy:
    """Parse a policy file's bytes; the error names the file."""
    from covergate.errors import MalformedLogData

    try:
        return parse_policy(data)
    except MalformedLogData as exc:
        raise MalformedLogData(f"{where}: {exc.message}") from None


def log_keys_of(keys: Sequence[str], policy: WitnessPolicy | None) -> list[Ed25519Verifier]:
    """The log keys to trust: those given (``--key``), else every ``log`` line of
    the policy (the one named after the checkpoint's origin is the one that counts).
    InvalidInput when there is neither."""
    if keys:
        return [Ed25519Verifier.from_key_string(k.strip()) for k in keys]
    if policy is not None:
        if not policy.logs:
            raise InvalidInput("the witness policy has no `log` line: pass --key VKEY")
        return [log.verifier for log in policy.logs]
    raise InvalidInput("pass the log's verifier key with --key VKEY (or a policy with --policy)")


def open_witnessed(
    note: bytes, logs: Sequence[Ed25519Verifier], policy: WitnessPolicy | None = None
) -> Witnessed:
    """Open ``note`` with the log keys ``logs`` and, given one, check ``policy``.

    VerificationFailed when no log key named after the origin signed it (or a
    known key's signature is bad), QuorumNotMet when the witnesses fall short,
    MalformedLogData for a malformed note.
    """
    if not logs:
        raise InvalidInput("no log key to verify the checkpoint with")
    try:
        opened = open_note(note, list(logs))
    except VerificationFailed as exc:
        names = ", ".join(sorted({f"{v.name}+{v.key_id.hex()}" for v in logs}))
        raise VerificationFailed(
            f"checkpoint is not signed by the log key {names} ({exc.message})"
        ) from None
    checkpoint = Checkpoint.from_text(opened.text)
    signed_by = tuple(
        v for v in logs if v.name == checkpoint.origin and any(v is u for u in opened.verified_by)
    )
    if not signed_by:
        raise VerificationFailed(
            f"checkpoint of {checkpoint.origin!r} is not signed by a log key of that name"
        )
    others = len(opened.unverified)
    if policy is None:
        return Witnessed(checkpoint, signed_by, other_signatures=others)
    try:
        cosigned = open_cosigned_checkpoint(note, signed_by[0], policy)
    except VerificationFailed as exc:
        raise QuorumNotMet(exc.message) from None
    return Witnessed(checkpoint, signed_by, policy, dict(cosigned.cosigned_at), others)
