"""Retention and destruction: per-request data keys, destroyed on time."""
