"""Confirmation pages (issue 14): an action that cannot be undone or hits another party
first shows a page that says what will happen and to whom, with a verb button and a way
back. No script: the page is a plain form (the CSP stays strict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template


@dataclass
class Confirmation:
    title: object  # the question, e.g. "Suspend Bakkerij Jansen in Netwerk Utrecht?"
    consequences: list[object]  # what will happen, and to whom
    action: str  # where the form posts
    verb: object  # the button: what happens ("Suspend")
    cancel: str  # back to where the user came from
    fields: dict[str, Any] = field(default_factory=dict)  # hidden fields
    form: Any = None  # a form whose visible fields the page shows (e.g. a reason)
    visible: list[str] = field(default_factory=list)  # names of those fields
    danger: bool = True


def render(confirmation: Confirmation, status: int = 200):
    return render_template("confirm.html", confirm=confirmation), status
