"""Child process of the kill test: appends and integrates until it is killed.

Run as ``python -m tests.transparency.kill_child`` with COVERGATE_TEST_URL,
COVERGATE_TEST_SIGNER (the log's signer key string) and COVERGATE_TEST_SEED.
It first runs the normal recovery path (integrate_pending), prints ``ready``,
then loops: sequence a batch in one transaction, print ``ack FIRST COUNT``
once it has committed (the acknowledgement a client would get), integrate.
"""

from __future__ import annotations

import os
import random
import sys

from covergate.crypto import FieldCipher
from covergate.db import make_engine, make_sessionmaker, transaction
from covergate.tlog.keys import signer_from_key_string
from covergate.transparency import service
from tests.transparency.factories import ORIGIN, event, private_record


def main() -> None:
    engine = make_engine(os.environ["COVERGATE_TEST_URL"])
    sessions = make_sessionmaker(engine)
    key = signer_from_key_string(os.environ["COVERGATE_TEST_SIGNER"])
    rng = random.Random(int(os.environ["COVERGATE_TEST_SEED"]))
    cipher = FieldCipher(os.urandom(32))
    cache = service.TreeCache()
    service.integrate_pending(sessions=sessions, signer=key, origin=ORIGIN, cache=cache)
    print("ready", flush=True)
    n = 0
    while True:
        count = rng.choice([1, 2, 7, 60, 300])
        with transaction(sessions) as session:
            indexes = service.append_events(
                session=session,
                events=[(event(), private_record(n + i)) for i in range(count)],
                cipher=cipher,
            )
        sys.stdout.write(f"ack {indexes[0]} {len(indexes)}\n")
        sys.stdout.flush()
        service.integrate_pending(sessions=sessions, signer=key, origin=ORIGIN, cache=cache)
        n += count


if __name__ == "__main__":
    main()
