"""lifecycle.advance.insert_row: one Core INSERT that gives what the ORM's flush would."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, MetaData, String, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from covergate.lifecycle.advance import insert_row


class _Base(DeclarativeBase):
    metadata = MetaData()


class Thing(_Base):
    __tablename__ = "thing"

    id: Mapped[int] = mapped_column("thing_id", Integer, primary_key=True)
    label: Mapped[str] = mapped_column("label_text", String(20))  # attribute != column
    count: Mapped[int] = mapped_column(Integer, default=3)
    note: Mapped[str | None] = mapped_column(String(20), nullable=True)
    stamped: Mapped[str | None] = mapped_column(String(40), server_default=func.now())


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    return Session(engine)


def test_columns_named_unlike_their_attributes_and_scalar_defaults(session: Session) -> None:
    thing = Thing(label="a", stamped="given")
    insert_row(session, thing)
    assert (thing.id, thing.count, thing.note) == (1, 3, None)
    row = session.connection().exec_driver_sql(
        "SELECT thing_id, label_text, count, note, stamped FROM thing"
    )
    assert row.all() == [(1, "a", 3, None, "given")]
    assert thing in session
    assert thing not in session.new  # as if loaded: no flush to come


def test_a_default_only_the_server_can_give_is_refused_before_writing(session: Session) -> None:
    with pytest.raises(TypeError, match="stamped"):
        insert_row(session, Thing(label="a"))
    assert session.connection().exec_driver_sql("SELECT count(*) FROM thing").scalar() == 0
