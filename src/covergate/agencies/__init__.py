"""Agencies: the law enforcement bodies that ask for covers and records."""
