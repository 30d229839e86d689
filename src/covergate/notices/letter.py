"""The notice letter to the subject, as a PDF (reportlab platypus, US Letter).

Plain language: what was done, at whose request and why, for how long, under which
authority, what was recorded (counts only), when this notice was due and which
court orders delayed it, and how to check it against the public log. The PDF is
deterministic (``invariant``) and its pages uncompressed, so the same facts give
the same bytes, whose SHA-256 the log records when the letter is mailed.
"""

from __future__ import annotations

import functools
import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import LETTER  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import inch  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from covergate.notices.facts import NoticeFacts
from covergate.vocabulary import DataCategory, Ground, ProcessType, RequestKind

__all__ = ["CATEGORY_WORDS", "GROUND_WORDS", "PROCESS_WORDS", "render_letter"]

GROUND_WORDS = {
    Ground.CRIME: "to obtain evidence of a crime",
    Ground.FUGITIVE: "to locate a fugitive",
    Ground.NATIONAL_SECURITY: "to protect national security",
    Ground.POSTAL_STATUTE: "to obtain evidence of a violation of a postal statute",
    Ground.FORFEITURE: "to identify property that may be forfeited under law",
    Ground.CIVIL_ENFORCEMENT: "for civil enforcement",
}
PROCESS_WORDS = {
    ProcessType.COURT_ORDER: "a court order",
    ProcessType.SEARCH_WARRANT: "a search warrant",
    ProcessType.SUBPOENA: "a subpoena",
    ProcessType.WRITTEN_REQUEST: "a written request of the agency",
    ProcessType.HEAD_OF_AGENCY_REQUEST: "a written request of the head of the agency",
}
CATEGORY_WORDS = {
    DataCategory.MAIL_EXTERIOR: "The outside of mail pieces (sender, addressee, postmark, class)",
    DataCategory.UNSEALED_CONTENTS: "The contents of unsealed mail",
    DataCategory.SEALED_CONTENTS: "The contents of sealed mail",
    DataCategory.SUBSCRIBER: "Account data (name, address, account dates, payment method)",
    DataCategory.SESSION_IP: "Session times and IP addresses",
    DataCategory.PAYMENT: "Payment records",
    DataCategory.TRACKING: "Package and mail tracking history",
    DataCategory.CHANGE_OF_ADDRESS: "Change-of-address history",
    DataCategory.BOX_APPLICATION: "Post office box applications",
}
DISCOVERY = "39 CFR 233.3(h)"


@functools.cache  # the styles never change: build them once, not once a letter
def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=10.5, leading=14)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=16, alignment=0),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontSize=12),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=11),
        "code": ParagraphStyle("code", parent=body, fontName="Courier", fontSize=8, leading=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text, style)


def _what(f: NoticeFacts) -> str:
    if f.kind is RequestKind.MAIL_COVER:
        return (
            "The United States Postal Inspection Service ran a <b>mail cover</b> on mail "
            "addressed to you at the address above: a record of what is written on the "
            "outside of mail pieces. It did not open sealed mail unless the table below says so."
        )
    return (
        "The United States Postal Service was asked for <b>postal records about you</b> "
        "(postal customer records)."
    )


def _period(f: NoticeFacts) -> str:
    if not f.started:
        return (
            f"It was approved on {f.ordered_on} but ended on {f.closed_on} before it "
            "started: nothing was recorded."
        )
    return f"It ran from {f.active_from} to {f.active_until} ({f.days} days)."


def _authority(f: NoticeFacts) -> str:
    a = f.authority
    if a is None:
        return "It was done on the agency's written request, without court process."
    if a.sealed_until is not None:
        return f"It was done under a court order that remains sealed until {a.sealed_until}."
    words = PROCESS_WORDS[a.process]
    parts = [f"issued by {escape(a.court)}" if a.court else None]
    if a.docket:
        parts.append(f"docket {escape(a.docket)}")
    if a.judge:
        parts.append(escape(a.judge))
    if a.issued:
        parts.append(f"on {a.issued}")
    detail = ", ".join(p for p in parts if p)
    return f"It was done under {words}" + (f", {detail}." if detail else ".")


def _recorded(f: NoticeFacts, s: dict[str, ParagraphStyle]) -> list[Any]:
    if f.recorded is None:
        reason = (f.destruction_reason or "destroyed").replace("_", " ")
        return [_p(f"The records were destroyed on {f.destroyed_on} ({reason}).", s["body"])]
    rows: list[list[Any]] = [["What was authorised", "Items recorded"]]
    rows += [[_p(CATEGORY_WORDS[c], s["small"]), str(n)] for c, n in f.recorded]
    table = Table(rows, colWidths=[4.6 * inch, 1.4 * inch])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ]
        )
    )
    out: list[Any] = [table]
    if f.produced_on is not None:
        out.append(_p(f"The records were given to the agency on {f.produced_on}.", s["body"]))
    return out


def _notice(f: NoticeFacts) -> list[str]:
    lines = [f"This notice was due by {f.due_on} ({escape(f.notice_citation)})."]
    if f.delays:
        count = "once" if len(f.delays) == 1 else f"{len(f.delays)} times"
        lines.append(f"A court delayed this notice {count}:")
        lines += [
            f"&bull; order {escape(d.docket)} of {d.issued_on}: until {d.delays_until} "
            f"({d.days} days)"
            for d in f.delays
        ]
    return lines


def _story(f: NoticeFacts) -> list[Any]:
    s = _styles()
    title = (
        "Notice of a mail cover"
        if f.kind is RequestKind.MAIL_COVER
        else ("Notice of a request for your postal records")
    )
    ground = GROUND_WORDS[f.ground] + (f" ({escape(f.statute)})" if f.statute else "")
    story: list[Any] = [
        _p(title, s["title"]),
        _p(f"Date: {f.generated_on}<br/>Reference: {f.request_id}", s["small"]),
        Spacer(1, 12),
        _p("<br/>".join(escape(x) for x in (f.subject_name, *f.address_lines)), s["body"]),
        Spacer(1, 12),
        _p(f"Dear {escape(f.subject_name)},", s["body"]),
        _p(_what(f), s["body"]),
        _p(
            f"This was done at the request of {escape(f.agency)}, which stated that it "
            f"was needed {ground}.",
            s["body"],
        ),
        _p(_period(f), s["body"]),
        _p(_authority(f), s["body"]),
        _p("What was recorded", s["heading"]),
        *_recorded(f, s),
        _p("This notice", s["heading"]),
        *(_p(line, s["body"]) for line in _notice(f)),
    ]
    if f.kind is RequestKind.MAIL_COVER:
        story.append(
            _p(
                "Records of the cover are available to you in legal proceedings through "
                f"discovery ({DISCOVERY}).",
                s["body"],
            )
        )
    story += [
        _p("How to check this notice", s["heading"]),
        _p(
            f"The file <b>{escape(f.bundle_name)}</b> that comes with this letter holds every "
            "public log entry of this request, with the proofs that each is in covergate's "
            f"public transparency log <b>{escape(f.log_origin)}</b>. Anyone can check it, "
            "offline and without asking us, with the command:",
            s["body"],
        ),
        _p(f"covergate notice verify {escape(f.bundle_name)} --key KEY", s["code"]),
        _p("where KEY is the log's public key:", s["body"]),
        _p(escape(f.log_key), s["code"]),
    ]
    return story


def render_letter(facts: NoticeFacts) -> bytes:
    """The letter as PDF bytes: the same facts give the same bytes."""
    buffer = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(doc.leftMargin, 0.5 * inch, f"Notice {facts.request_id}")
        canvas.drawRightString(LETTER[0] - doc.rightMargin, 0.5 * inch, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title="Notice to the subject",
        author="covergate",
        subject=f"request {facts.request_id}",
        invariant=1,
        pageCompression=0,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )
    doc.build(_story(facts), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
