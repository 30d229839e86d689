"""Tests of staff sign-in: passkeys (WebAuthn)."""
