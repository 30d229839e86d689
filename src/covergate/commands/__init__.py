"""Command groups of the ``covergate`` CLI; each module exposes ``register(root)``."""
