"""The kinds of event the program logs (re-exported by :mod:`covergate.lifecycle.events`)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EventType"]


class EventType(StrEnum):
    # events of one request
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    DECIDED = "decided"
    STARTED = "started"
    EXTENDED = "extended"
    EXPIRED = "expired"
    CLOSED = "closed"
    PRODUCED = "produced"
    ACKNOWLEDGED = "acknowledged"
    RECORDS_DISCLOSED = "records_disclosed"
    NOTICE_SERVED = "notice_served"  # the notice letter was mailed
    NOTICE_DELAYED = "notice_delayed"  # a court's delay order (each a new order)
    DATA_DESTROYED = "data_destroyed"
    NOTICE_RESUMED = "notice_resumed"  # a delay order ended: the notice clock re-arms
    NOTICE_OVERDUE = "notice_overdue"  # due, not delayed, not mailed: public by itself
    DISCLOSED = "disclosed"  # the request's sealed entries are opened (lifecycle.sealing)
    # events of a request's court order (schema: OrderEvent)
    ORDER_FILED = "order_filed"
    ORDER_CONFIRMED = "order_confirmed"
    ORDER_REFUSED = "order_refused"
    ORDER_UNSEALED = "order_unsealed"
    # events of the program, about no one request
    DESTRUCTION_RUN = "destruction_run"
    NOTICES_OVERDUE = "notices_overdue"
