"""What every lifecycle step shares: states, events, advance(), access, documents.

Domain folders (``requests/``, ``covers/``, ``productions/``) write each step as a
short function over this package; see docs/ARCHITECTURE.md.
"""
