"""With witnesses, the report counts what the public log serves: the newest
checkpoint the quorum cosigned, never a newer one the witnesses have not seen."""

from __future__ import annotations

from covergate.report.schemas import Period
from covergate.report.service import published_report, published_size
from covergate.transparency.cosigned import Quorum
from tests.transparency.test_witnessing_store import Log, log

__all__ = ["log"]


def test_the_report_counts_up_to_the_served_checkpoint(log: Log) -> None:
    quorum = Quorum(log.policy)
    five = log.grow(5)
    with log.database.sessions() as session, session.begin():
        assert published_size(session, quorum) == 0  # fail-closed: nothing served yet
        assert published_size(session) == five  # no policy: the latest signed
    log.cosign(five, "alpha", "beta")
    eight = log.grow(3)
    with log.database.sessions() as session, session.begin():
        assert published_size(session, quorum) == five  # eight awaits the witnesses
        assert published_report(session, Period.parse("all"), quorum).log_size == five
    log.cosign(eight, "beta", "gamma")
    with log.database.sessions() as session, session.begin():
        assert published_size(session, quorum) == eight
        assert published_size(session, Quorum(log.policy, fail_open=True)) == eight
