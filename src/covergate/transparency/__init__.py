"""The public transparency log of covergate, stored in the database.

One entry per lifecycle event is *sequenced* in the caller's transaction
(:func:`covergate.transparency.sequencing.append_event`), then *integrated* in
batches: tiles written and a signed checkpoint stored, the commit point
(:func:`covergate.transparency.integration.integrate`). The Merkle tree, tile and
note formats come from :mod:`covergate.tlog`; docs/TRANSPARENCY.md explains the
whole design.
"""
