"""``covergate demo``: a realistic, synthetic year of the national program.

Volumes follow the public record (LAW.md): about 6,000 outside-agency requests a
year (FY2013 agency mix: IRS 1,323; FBI 1,025; DEA 758; DHS 469; ICE 81; the rest
state and local police and other federal agencies) plus the postal inspectors' own
(scaled down by default: the real figure is about 24,000 a year; pass
``--inspectors`` to change it) with ``covergate demo --size national``; the default,
``--size small``, seeds 160 + 40 requests in the same mix, in seconds. Every
request goes through the real services: the policy engine, the enforced rules and
the transparency log. Nothing is inserted behind their back. All names and addresses are invented.

The history is an event simulation in date order, so the log reads like a year
of operation. The same ``seed`` gives the same history (public ids included);
only encryption nonces and commitment salts, which must be secret, differ.

- :mod:`covergate.demo.world`: the synthetic documents and mail;
- :mod:`covergate.demo.people`: agencies, staff and demo tokens;
- :mod:`covergate.demo.agenda`: the steps, each calling what its HTTP route calls;
- :mod:`covergate.demo.run`: the schedule and :func:`seed_demo`.
"""

from covergate.demo.run import DemoResult, seed_demo

__all__ = ["DemoResult", "seed_demo"]
