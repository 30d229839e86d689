"""What each role can do on a request's page, contributed by that role's pages.

The request page (``request_pages``) shows a request to everyone who may see it,
then one panel per action the viewer's role has. A role's module registers its
panels, each a function that returns the template and its context, or None when
the action does not apply to this request now:

    @panel(Role.REVIEWER)
    def annotate(page: StaffContext, request: Request) -> Panel | None:
        if request.state is not RequestState.SUBMITTED:
            return None
        return Panel("panels/annotate.html", {"note": ""})

Templates read their context as ``panel.context``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from covergate.lifecycle.models import Request
from covergate.users.schemas import Role
from covergate.web.staff import StaffContext


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelFn = Callable[[StaffContext, Request], Panel | None]
_PANELS: dict[Role, list[PanelFn]] = {}


def panel(*roles: Role) -> Callable[[PanelFn], PanelFn]:
    def register(fn: PanelFn) -> PanelFn:
        for role in roles:
            _PANELS.setdefault(role, []).append(fn)
        return fn

    return register


def panels_for(page: StaffContext, request: Request) -> list[Panel]:
    found = (fn(page, request) for fn in _PANELS.get(page.user.role, []))
    return [p for p in found if p is not None]
