"""Requests: intake, the request document, the state machine and the lifecycle."""
