"""A C2SP tlog-witness: a separate process that cosigns the checkpoints of the logs
it follows, and refuses any checkpoint that does not extend the one it cosigned last.

It has its own data directory, its own Ed25519 key and its own database (SQLite in
the data directory, or PostgreSQL), and shares no state with a covergate server.

- :mod:`.config`: where the witness keeps its key and database.
- :mod:`.keys`: the witness's cosigning key file.
- :mod:`.models`: its tables (its own SQLAlchemy ``MetaData``, not covergate's).
- :mod:`.check`: the pure add-checkpoint decision (no web, no database).
- :mod:`.store`: state per origin, updated by compare-and-swap, and evidence.
- :mod:`.service`: one submission end to end: read, decide, cosign, store.
- :mod:`.app`: the HTTP interface (``POST /add-checkpoint`` and read-only GETs).
"""
