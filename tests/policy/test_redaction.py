"""Redaction hides free text and changes no finding."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from covergate.document import RequestDocument, request_document_from_data
from covergate.policy import REDACTED, evaluate, load_policy, redact
from tests.factories import mail_cover_data
from tests.policy.strategies import documents


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_redaction_changes_no_outcome(document: RequestDocument) -> None:
    hidden = redact(document)
    for name in ("usps-2017", "safeguards-2026"):
        policy = load_policy(name)
        assert evaluate(hidden, policy) == evaluate(document, policy)


def test_redacts_free_text_and_keeps_presence() -> None:
    document = request_document_from_data(
        mail_cover_data(
            scope__extension_benefit="Found the second address.",
            scope__prior_days=30,
            emergency={"kind": "physical_harm", "description": "A threat to a witness."},
        )
    )
    hidden = redact(document)
    assert hidden.subject.name == REDACTED
    address = hidden.subject.address
    assert (address.line1, address.line2, address.city) == (REDACTED, None, REDACTED)
    assert (address.state, address.zip) == ("XX", "00000")
    assert len(hidden.subject.known_attorneys) == 1
    assert hidden.subject.known_attorneys[0].name == REDACTED
    assert hidden.subject.known_attorneys[0].address.line1 == REDACTED
    assert hidden.purpose.reasonable_grounds == REDACTED
    assert hidden.emergency is not None
    assert hidden.emergency.description == REDACTED
    assert hidden.scope.extension_benefit == REDACTED
    assert hidden.scope.longer_period_justification is None  # null stays null
    # still a valid document, and nothing else changed
    again = request_document_from_data(hidden.model_dump(mode="json"))
    assert again == hidden
    assert hidden.purpose.statute == document.purpose.statute
    assert hidden.scope == document.scope.model_copy(update={"extension_benefit": REDACTED})
    text = hidden.model_dump_json()
    for secret in ("Jordan Example", "12 Elm Street", "Springfield", "Casey Counsel", "witness"):
        assert secret not in text
