"""covergate: the system of record for postal surveillance requests.

Mail covers and postal customer records requests are checked against the law
(``covergate.policy``), decided under enforced authority and time limits, and every
state change is committed to a public Merkle-tree transparency log (``covergate.tlog``).
"""

__version__ = "0.1.0"
