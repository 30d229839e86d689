"""Staff sign-in: passwords, passkeys, one-time links, single sign-on, web sessions."""
