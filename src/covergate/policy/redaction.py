"""The redacted form of a request document, from which stored requests are simulated.

Free text that identifies or describes the subject is replaced by ``"[redacted]"``
where present (null stays null): the subject's name and address lines and city, the
names and addresses of known attorneys (their number is kept), the reasonable
grounds, the emergency description, the longer-period justification and the
extension benefit. State and ZIP become ``"XX"`` and ``"00000"`` (still valid).
Policies only test whether these fields are present, so evaluating the redacted
document gives the same findings as the original (tested).
"""

from __future__ import annotations

from covergate.document import Address, Attorney, RequestDocument

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted]"


def _address(address: Address) -> Address:
    return Address(
        line1=REDACTED,
        line2=None if address.line2 is None else REDACTED,
        city=REDACTED,
        state="XX",
        zip="00000",
    )


def redact(document: RequestDocument) -> RequestDocument:
    """The same request with its free text replaced (see module docstring)."""
    subject = document.subject.model_copy(
        update={
            "name": REDACTED,
            "address": _address(document.subject.address),
            "known_attorneys": [
                Attorney(name=REDACTED, address=_address(a.address))
                for a in document.subject.known_attorneys
            ],
        }
    )
    purpose = document.purpose.model_copy(update={"reasonable_grounds": REDACTED})
    scope = document.scope
    scope = scope.model_copy(
        update={
            "longer_period_justification": (
                None if scope.longer_period_justification is None else REDACTED
            ),
            "extension_benefit": None if scope.extension_benefit is None else REDACTED,
        }
    )
    emergency = document.emergency
    if emergency is not None:
        emergency = emergency.model_copy(update={"description": REDACTED})
    return document.model_copy(
        update={"subject": subject, "purpose": purpose, "scope": scope, "emergency": emergency}
    )
