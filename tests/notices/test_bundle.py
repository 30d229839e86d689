"""The letter and the bundle: what they say, and that no byte of a bundle can change.

On SQLite and PostgreSQL for the parts that read the database; the verifier is
pure and is also run in a fresh interpreter to show it imports no database code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from covergate.errors import Conflict, CovergateError, MalformedLogData, VerificationFailed
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import CloseReason
from covergate.notices import bundle as bundles
from covergate.notices.verify import encode_bundle, verify_bundle
from covergate.policy import load_policy
from covergate.productions import service as productions
from covergate.requests import service as requests
from covergate.tlog.keys import Ed25519Signer
from tests.factories import records_data
from tests.notices.helpers import (
    LAST_DAY,
    START,
    bundle,
    delay,
    ended_cover,
    integrate_log,
    letter,
    mailed,
    signer,
    sweep,
    unchanged,
)
from tests.world import World


def pdf_text(pdf: bytes) -> str:
    """The text of an uncompressed reportlab PDF, roughly: what its Tj operators show."""
    return pdf.decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def served(world: World, log: Ed25519Signer) -> str:
    """An expired cover, delayed once, whose letter was printed and mailed."""
    rid = ended_cover(world)
    today = world.clock.today()
    delay(world, rid, today + timedelta(days=20))
    world.clock.set_date(today + timedelta(days=21))
    letter(world, rid, log)
    mailed(world, rid, world.clock.today())
    return rid


# --- the letter ---


def test_the_letter_says_what_who_how_long_under_what_and_how_to_check(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    pdf = letter(world, rid, log)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for phrase in (
        "Notice of a mail cover",
        "Jordan Example",
        "12 Elm Street",
        "Springfield, IL 62701",
        "Federal Bureau of Investigation",
        "to obtain evidence of a crime (18 U.S.C. 1341)",
        f"It ran from {START} to {LAST_DAY} (30 days).",
        "U.S. District Court, C.D. Ill.",
        "docket 26-mj-0042",
        "Items recorded",
        f"This notice was due by {LAST_DAY + timedelta(days=90)}",
        f"covergate-notice-{rid}.json",
        log.verifier_key(),
        "through discovery",
        "233.3(h)",
        "Page 1",
    ):
        assert phrase in text, phrase
    assert letter(world, rid, log) == pdf  # deterministic: the same facts, the same bytes
    with world.tx() as s:
        reads = s.scalars(select(AccessRecord).where(AccessRecord.what == AccessKind.SUBJECT))
        assert [r.reason for r in reads] == ["printing the notice to the subject"] * 2


def test_a_sealed_order_is_named_only_as_sealed(world: World) -> None:
    log = signer()
    world.clock.set_date(START - timedelta(days=3))
    rid = world.submit(confirm=False)
    world.confirm(rid, sealed_until=date(2026, 12, 31))
    world.review(rid)
    world.approve(rid)
    world.clock.set_date(LAST_DAY + timedelta(days=1))
    sweep(world)
    text = pdf_text(letter(world, rid, log))
    assert "under a court order that remains sealed until 2026-12-31" in text
    assert "26-mj-0042" not in text
    data = bundle(world, rid, log)
    withheld = [e for e in data["entries"] if e["opening"] is None]
    assert len(withheld) == 2  # order_filed, order_confirmed: their records name the order
    assert b"26-mj-0042" not in encode_bundle(data)
    result = verify_bundle(encode_bundle(data), log.verifier_key())
    assert any("withhold their opening" in n for n in result.notes)


def test_no_letter_or_bundle_while_a_delay_is_in_force(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    delay(world, rid, world.clock.today() + timedelta(days=10))
    with unchanged(world, Conflict, "delayed by a court order until"):
        letter(world, rid, log)
    integrate_log(world, log)
    with unchanged(world, Conflict, "delayed by a court order until"):
        bundle(world, rid, log)


# --- the bundle ---


def test_the_bundle_verifies_and_its_facts_are_what_the_log_proves(world: World) -> None:
    log = signer()
    rid = served(world, log)
    data = bundle(world, rid, log)
    assert data["format"] == "covergate/notice-bundle/v1"
    assert "Jordan" not in json.dumps(data)  # neither the name nor the address
    result = verify_bundle(encode_bundle(data), log.verifier_key())
    assert result.request == rid
    kinds = [e.event.value for e in result.events]
    assert kinds[:2] == ["submitted", "order_filed"]
    assert kinds[-4:] == ["expired", "notice_delayed", "notice_resumed", "notice_served"]
    facts = result.facts
    assert facts["decision"]["outcome"] == "approved"
    assert facts["decision"]["days"] == 30
    assert facts["order"]["state"] == "confirmed"
    assert facts["order"]["identity"]["docket"] == "26-mj-0042"
    assert facts["last_day"] == LAST_DAY.isoformat()
    assert facts["notice"]["delays"][0]["days"] == 20
    assert facts["notice"]["served_on"] == world.clock.today().isoformat()
    sizes = {e["index"] for e in data["entries"]}
    assert len(sizes) == len(data["entries"]) == len(result.events)
    with world.tx() as s:
        reads = s.scalar(
            select(func.count())
            .select_from(AccessRecord)
            .where(AccessRecord.reason == "building the notice bundle for the subject")
        )
    assert reads == 1


def test_every_changed_byte_fails(world: World) -> None:
    log = signer()
    data = encode_bundle(bundle(world, served(world, log), log))
    verify_bundle(data, log.verifier_key())
    rng = random.Random(9)
    positions = sorted(set(rng.sample(range(len(data)), 300)) | {0, len(data) - 1})
    for at in positions:
        flipped = bytearray(data)
        flipped[at] ^= 1 << rng.randrange(8)
        with pytest.raises((MalformedLogData, VerificationFailed)):
            verify_bundle(bytes(flipped), log.verifier_key())
    with pytest.raises(MalformedLogData, match="canonical"):
        verify_bundle(data + b"\n", log.verifier_key())


def _tamper(data: dict[str, Any], path: list[Any], value: Any) -> bytes:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return encode_bundle(data)


def test_each_failure_names_what_failed(world: World) -> None:
    log = signer()
    rid = served(world, log)
    original = bundle(world, rid, log)
    key = log.verifier_key()
    n = len(original["entries"]) - 1
    last = original["entries"][n]["index"]

    def fails(path: list[Any], value: Any, match: str) -> None:
        copy = json.loads(json.dumps(original))
        with pytest.raises(CovergateError, match=match):
            verify_bundle(_tamper(copy, path, value), key)

    record = base64.b64decode(original["entries"][n]["opening"]["record"])
    assert b'"state":"expired"' in record
    other = base64.b64encode(record.replace(b'"state":"expired"', b'"state":"closed"')).decode()
    fails(["entries", n, "opening", "record"], other, f"entry {last}: the opening does not")
    fails(["entries", n, "opening", "salt"], "not base64!", rf"entries\[{n}\].opening.salt: not")
    fails(["entries", n, "index"], 10**9, f"entry {10**9}: not in the log at checkpoint size")
    fails(["entries", 0, "proof"], [], "entry 0: not in the log")
    fails(["facts", "decision", "days"], 31, "facts.decision.days: does not match")
    fails(["request"], "0" * 32, "not an event of request")
    fails(["format"], "covergate/notice-bundle/v2", "format: must be")
    other_key = signer().verifier_key()  # same origin, another key
    with pytest.raises(VerificationFailed, match=r"log\.key: not the key given"):
        verify_bundle(encode_bundle(original), other_key)
    copy = json.loads(json.dumps(original))
    copy["log"]["key"] = other_key  # the bundle names the other key: its checkpoint fails
    with pytest.raises(VerificationFailed, match="checkpoint: signature does not verify with key"):
        verify_bundle(encode_bundle(copy), other_key)


def test_entries_out_of_lawful_order_fail(world: World) -> None:
    log = signer()
    rid = served(world, log)
    original = bundle(world, rid, log)
    key = log.verifier_key()
    # Drop the expiry: the notice events then come before the cover ended.
    copy = json.loads(json.dumps(original))
    copy["entries"] = [
        e for e in copy["entries"] if b'"event":"expired"' not in base64.b64decode(e["entry"])
    ]
    with pytest.raises(VerificationFailed, match="notice_delayed before the cover ended"):
        verify_bundle(encode_bundle(copy), key)
    # Drop the court's confirmation: the approval then has none.
    copy = json.loads(json.dumps(original))
    copy["entries"] = [
        e
        for e in copy["entries"]
        if b'"event":"order_confirmed"' not in base64.b64decode(e["entry"])
    ]
    with pytest.raises(VerificationFailed, match="approved without the court's confirmation"):
        verify_bundle(encode_bundle(copy), key)


def test_a_bundle_waits_for_a_signed_checkpoint(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    integrate_log(world, log)
    delay(world, rid, world.clock.today() + timedelta(days=1))  # a new, unsigned entry
    world.clock.set_date(world.clock.today() + timedelta(days=2))
    with unchanged(world, Conflict, "is not in a signed checkpoint yet"), world.tx() as s:
        bundles.build_bundle(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, rid),
            log_key=log.verifier_key(),
        )


_PROBE = """
import sys
from pathlib import Path
from covergate.notices.verify import verify_bundle
result = verify_bundle(Path(sys.argv[1]).read_bytes(), sys.argv[2])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "fastapi", "psycopg"})
print(result.request, len(result.events), heavy)
"""


def test_the_verifier_imports_no_database_code(world: World, tmp_path: Any) -> None:
    log = signer()
    rid = ended_cover(world)
    path = tmp_path / "bundle.json"
    path.write_bytes(encode_bundle(bundle(world, rid, log)))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), log.verifier_key()],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split()[0] == rid
    assert done.stdout.strip().endswith("[]")


def test_a_production_is_proved_by_its_manifest(world: World) -> None:
    log = signer()
    rid = ended_cover(world)
    with world.tx() as s:
        request = world.request(s, rid)
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=request,
            reason=CloseReason.EXPIRED,
        )
        package = productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), request=request
        )
    data = bundle(world, rid, log)
    manifest = base64.b64decode(data["manifest"])
    assert hashlib.sha256(manifest).hexdigest() == package.manifest_sha256
    result = verify_bundle(encode_bundle(data), log.verifier_key())
    assert result.facts["production"]["items"] == 2
    assert result.facts["closed"] == {"on": world.clock.today().isoformat(), "reason": "expired"}
    tampered = json.loads(json.dumps(data))
    tampered["manifest"] = base64.b64encode(manifest.replace(b'"items": 2', b'"items": 0')).decode()
    with pytest.raises(VerificationFailed, match="manifest: not the manifest the log committed"):
        verify_bundle(encode_bundle(tampered), log.verifier_key())
    tampered["manifest"] = None
    with pytest.raises(MalformedLogData, match="manifest: missing"):
        verify_bundle(encode_bundle(tampered), log.verifier_key())


def test_the_letter_of_a_records_request(world: World) -> None:
    log = signer()
    rid = ended_cover(world, records_data(), observations=0)
    text = pdf_text(letter(world, rid, log))
    assert "Notice of a request for your postal records" in text
    assert "It was done under a subpoena" in text
    assert "Account data" in text
    assert "through discovery" not in text  # 233.3(h) is about covers
    verify_bundle(encode_bundle(bundle(world, rid, log)), log.verifier_key())


def test_an_unlawful_history_still_gets_its_bundle_and_the_verifier_says_why(
    world: World,
) -> None:
    log = signer()
    safeguards = world.ctx
    world.clock.set_date(START - timedelta(days=3))
    rid = world.submit(confirm=False)  # the order is filed, never confirmed
    world.review(rid)
    world.ctx = safeguards.with_policy(load_policy("usps-2017"))
    world.approve(rid, confirm=False)  # a policy in force that asks no judge
    world.ctx = safeguards
    world.clock.set_date(LAST_DAY + timedelta(days=1))
    sweep(world)
    data = encode_bundle(bundle(world, rid, log))
    with pytest.raises(VerificationFailed, match="approved without the court's confirmation"):
        verify_bundle(data, log.verifier_key())
    assert verify_bundle(data, log.verifier_key(), lawful=False).request == rid
