"""How ``covergate request show`` (and every request step) prints a request's detail."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from covergate.commands.common import console, print_json
from covergate.commands.tables import cell, print_table

__all__ = ["show_detail"]


def _accountability_rows(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """The court order, the order due day, the notice and the destruction, when set."""
    rows: list[tuple[str, str]] = []
    order = detail.get("court_order")
    if order:
        sealed = f", sealed until {order['sealed_until']}" if order["sealed_until"] else ""
        unsealed = f", unsealed on {order['unsealed_on']}" if order["unsealed_on"] else ""
        rows.append(("court order", f"{order['state']} ({order['court']}){sealed}{unsealed}"))
    if detail.get("order_due"):
        rows.append(("order due", str(detail["order_due"])))
    notice = detail.get("notice")
    if notice:
        text = f"{notice['state']}, due {notice['due_on']}"
        if notice["delayed_until"]:
            text += f", delayed until {notice['delayed_until']}"
        if notice["mailed_on"]:
            text += f", mailed on {notice['mailed_on']}"
        rows.append(("notice", text))
    if detail.get("destroyed_on"):
        reason = str(detail["destruction_reason"]).replace("_", " ")
        rows.append(("data destroyed", f"{detail['destroyed_on']} ({reason})"))
    return rows


def show_detail(detail: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(detail)
        return
    table = Table(show_header=False, box=None)
    for key in (
        "id",
        "kind",
        "state",
        "agency",
        "ground",
        "legal_process",
        "received",
        "start",
        "days_requested",
        "admissible",
        "extends",
    ):
        table.add_row(f"[bold]{key}[/]", cell(detail.get(key)))
    if "authorised" in detail:
        auth = detail["authorised"]
        table.add_row(
            "[bold]authorised[/]",
            f"{auth['days']} days, window {auth['active_from']} to {auth['active_until']}, "
            f"{cell(auth['categories'])}"
            if auth["days"]
            else "-",
        )
        refused = detail["refused_observations"] or {}
        table.add_row(
            "[bold]observations[/]",
            f"{detail['observations']} recorded, {sum(refused.values())} refused"
            + (f" ({cell(refused)})" if refused else ""),
        )
    for key, text in _accountability_rows(detail):
        table.add_row(f"[bold]{key}[/]", text)
    print_table(table, console)
    policy = detail.get("policy")
    if isinstance(policy, dict):
        findings = Table(title=f"{policy['policy']} findings")
        for col in ("rule", "outcome", "citation", "message"):
            findings.add_column(col)
        for f in policy["findings"]:
            if f["outcome"] != "pass":
                findings.add_row(f["rule"], f["outcome"], f["citation"], f["message"])
        if findings.row_count:
            print_table(findings, console)
        else:
            rules = len(policy["findings"])
            console.print(f"{policy['policy']}: all {rules} rules passed", markup=False)
        if policy.get("obligations"):
            due = Table(title="obligations")
            for col in ("due", "what", "citation"):
                due.add_column(col)
            for o in policy["obligations"]:
                due.add_row(o["due"], o["what"], o["citation"])
            print_table(due, console)
    if detail.get("history"):
        hist = Table(title="history (log index = transparency log entry)")
        for col in ("day", "event", "state", "log index"):
            hist.add_column(col)
        for e in detail["history"]:
            hist.add_row(e["day"], e["event"], e["state"], str(e["log_index"]))
        print_table(hist, console)
