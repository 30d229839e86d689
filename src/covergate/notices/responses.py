"""What the notice routes answer: a notice's dates, state and delay orders.

No subject data and no tracking number (it is sealed).
"""

from __future__ import annotations

from pydantic import Field

from covergate.api_deps import Day, Page, ResponseModel
from covergate.lifecycle.states import NoticeState

__all__ = ["DelayOrderView", "DelayedNotice", "NoticeList", "NoticeView"]


class DelayOrderView(ResponseModel):
    docket: str
    issued_on: Day
    delays_until: Day
    days: int
    entry_index: int


class NoticeView(ResponseModel):
    request: str
    state: NoticeState
    owed_from: Day
    due_on: Day
    overdue: bool
    delayed_until: Day | None
    mailed_on: Day | None
    tracking_sealed: bool
    letter_sha256: str | None = Field(description="SHA-256 (hex) of the letter as printed.")
    delay_orders: list[DelayOrderView]
    citation: str


class NoticeList(Page):
    notices: list[NoticeView]


class DelayedNotice(NoticeView):
    entry_index: int = Field(description="The public log entry of the delay order.")
