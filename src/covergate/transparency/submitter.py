"""Sending one checkpoint to one witness (C2SP tlog-witness), over HTTP.

The request is ``POST <witness url>/add-checkpoint`` with ``old <size>``, the
consistency proof from that size and the signed note. What the answers mean
here:

- **200**: cosignature lines. Each is checked against the witness's key in the
  policy and the checkpoint's exact text; the first that verifies is the
  witness's cosignature, and a witness that returned none that verifies has
  failed (a line is never stored unchecked).
- **409**: the witness holds another size (``text/x.tlog.size``). We resend
  once from that size, with the proof for it, after :func:`resend_from` checks
  the size is one this log signed and not beyond the new checkpoint;
  anything else is the witness's fault, and we stop.
- **5xx** or no answer: tried again with exponential backoff, a bounded number
  of times. **403/404/422** and the rest: a refusal, not retried.

Nothing about a request's subject is ever logged: only the origin, sizes, the
witness's policy name and the HTTP status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import httpx

from covergate.errors import CovergateError, MalformedLogData, VerificationFailed
from covergate.tlog.hashing import Hash
from covergate.tlog.policy import PolicyWitness
from covergate.tlog.witness_protocol import (
    ADD_CHECKPOINT_PATH,
    MAX_BODY,
    AddCheckpoint,
    parse_cosignature_lines,
    parse_size,
)
from covergate.transparency.cosigned import checked_cosignature

__all__ = [
    "Outcome",
    "Result",
    "Submission",
    "WitnessClient",
    "WitnessFault",
    "resend_from",
    "submit_one",
]

log = logging.getLogger("covergate.witness")


class Result(StrEnum):
    """How one submission to one witness ended."""

    COSIGNED = "cosigned"
    REFUSED = "refused"  # the witness answered, but not with a cosignature
    UNREACHABLE = "unreachable"  # no answer, or 5xx, after every attempt
    FAULT = "fault"  # the witness said something a correct witness cannot
    AHEAD = "ahead"  # the witness already holds a newer checkpoint of ours


class WitnessFault(CovergateError):
    """A witness's answer is impossible for a correct witness of this log."""

    status = 502
    code = "witness-fault"
    title = "Witness fault"


@dataclass(frozen=True)
class Outcome:
    """One witness's answer: the cosignature line (verified) and its time, and
    the size the witness is now known to hold (for the next ``old``)."""

    witness: str
    result: Result
    detail: str
    line: bytes | None = None
    cosigned_at: int | None = None
    acknowledged: int | None = None


@dataclass(frozen=True)
class Submission:
    """The checkpoint to submit: origin, size, signed note and its text."""

    origin: str
    size: int
    note: bytes
    signed_sizes: frozenset[int]

    @property
    def text(self) -> bytes:
        return self.note[: self.note.rfind(b"\n\n") + 1]


def resend_from(*, sent_old: int, witness_size: int, submission: Submission) -> int:
    """The ``old`` to resend with after a 409 naming ``witness_size``.

    WitnessFault when the witness claims a size beyond the checkpoint submitted,
    or the very size we sent (resending would get the same answer). A size this
    log has no checkpoint of is still resent to, with the proof from it: the
    tree of every size up to ours is a prefix of ours, so the witness decides. If
    it holds a fork it refuses with 422 and keeps the log-signed checkpoint as
    evidence; if it holds a checkpoint this log signed but lost (a power cut
    before an integration reached the disk, then entries sequenced before the
    start-up integration), it cosigns and the log goes on.
    """
    if witness_size > submission.size:
        raise WitnessFault(
            f"claims size {witness_size}, beyond this log's {submission.size}: "
            "it holds a checkpoint of another log with this origin, or of a fork"
        )
    if witness_size == sent_old:
        raise WitnessFault(f"answered 409 naming the size we sent ({sent_old})")
    return witness_size


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes


class WitnessClient:
    """POSTs with timeouts and bounded retries; ``sleep`` is injectable so
    tests wait no wall-clock time."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        attempts: int,
        backoff: float = 0.5,
        sleep: Callable[[float], None],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    def post(self, url: str, body: bytes) -> _Answer:
        """The witness's answer; httpx.HTTPError after the last failed attempt."""
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            try:
                with self.http.stream(
                    "POST", url, content=body, headers={"Content-Type": "text/plain"}
                ) as response:
                    data = _read_limited(response)
                if response.status_code < 500 or last:
                    return _Answer(response.status_code, data)
            except httpx.HTTPError:
                if last:
                    raise
            self.sleep(min(self.backoff * 2**attempt, 30.0))
        raise httpx.TransportError("no attempt was made")  # unreachable: attempts >= 1

    def close(self) -> None:
        self.http.close()


def _utc(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return f"UNIX time {timestamp}"


def _read_limited(response: httpx.Response) -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > MAX_BODY:
            raise httpx.DecodingError("witness answer too large")
    return bytes(data)


def submit_one(
    *,
    client: WitnessClient,
    witness: PolicyWitness,
    submission: Submission,
    old: int,
    proof_for: Callable[[int, int], list[Hash]],
) -> Outcome:
    """Submit ``submission`` to ``witness``, believing it holds ``old``."""
    name, origin, size = witness.name, submission.origin, submission.size
    url = f"{witness.url}/{ADD_CHECKPOINT_PATH}"

    def post(from_size: int) -> _Answer:
        proof = tuple(proof_for(from_size, size))
        return client.post(url, AddCheckpoint(from_size, proof, submission.note).format())

    known: int | None = None  # the size the witness said it holds
    try:
        answer = post(old)
        if answer.status == 409:
            witness_size = parse_size(answer.body)
            old = resend_from(sent_old=old, witness_size=witness_size, submission=submission)
            known = witness_size
            log.info("witness %s holds %s size %d, not %d: resending", name, origin, old, size)
            answer = post(old)
            if answer.status == 409:
                raise WitnessFault("answered 409 twice")
    except httpx.HTTPError as exc:
        log.warning(
            "witness %s unreachable for %s size %d: %s", name, origin, size, type(exc).__name__
        )
        detail = f"unreachable ({type(exc).__name__})"
        return Outcome(name, Result.UNREACHABLE, detail, acknowledged=known)
    except (WitnessFault, MalformedLogData) as exc:
        log.warning("witness %s fault for %s size %d: %s", name, origin, size, exc.message)
        return Outcome(name, Result.FAULT, exc.message, acknowledged=known)
    if answer.status != 200:
        kind = Result.UNREACHABLE if answer.status >= 500 else Result.REFUSED
        log.warning("witness %s refused %s size %d: HTTP %d", name, origin, size, answer.status)
        detail = f"HTTP {answer.status}"
        if answer.status == 422:
            detail += (
                ": it holds a checkpoint this log does not extend (a fork?), kept there as evidence"
            )
        return Outcome(name, kind, detail, acknowledged=known)
    return _cosigned(witness, submission, answer.body)


def _cosigned(witness: PolicyWitness, submission: Submission, body: bytes) -> Outcome:
    name = witness.name
    try:
        lines = parse_cosignature_lines(body)
    except MalformedLogData as exc:
        log.warning(
            "witness %s answered %s size %d: %s",
            name,
            submission.origin,
            submission.size,
            exc.message,
        )
        return Outcome(name, Result.FAULT, exc.message)
    for line in lines:
        try:
            at = checked_cosignature(witness.verifier, submission.text, line)
        except (VerificationFailed, MalformedLogData):
            continue
        detail = f"cosigned size {submission.size} at {_utc(at)}"
        return Outcome(name, Result.COSIGNED, detail, line, at, submission.size)
    log.warning(
        "witness %s returned no valid cosignature of %s size %d",
        name,
        submission.origin,
        submission.size,
    )
    return Outcome(name, Result.FAULT, "returned no cosignature that verifies with its key")
