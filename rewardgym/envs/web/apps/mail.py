"""The mail app (``/mail/``): an inbox with search, message pages, reply, compose, archive and delete.

World (from ``world_seed``): 24 contacts and 120 inbox messages, each stating one fact (a meeting room,
an amount due, an access code, a flight number, a delivery date, a restaurant) and a reference number.
State: each message's folder and read flag, and the sent messages. The compose page has a little
JavaScript character counter.

Pages: ``/mail/`` (inbox), ``/mail/folder/<inbox|archive|trash|sent>``, ``/mail/search?q=``,
``/mail/message/<id>`` (+ POST ``/archive``, ``/delete``), ``/mail/compose`` (+ POST ``/mail/send``).

Example:
    >>> app = MailApp(world_seed=0)
    >>> len(app.messages), app.messages[0]["fact_name"] in FACTS
    (120, True)
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.site import App, Request, Response, esc, input_field, layout, url

__all__ = ["FACTS", "FOLDERS", "MailApp"]

FOLDERS = ("inbox", "archive", "trash", "sent")
PER_PAGE = 10
_TOPICS = [
    "budget review",
    "design sync",
    "quarterly planning",
    "hiring panel",
    "release retro",
    "vendor call",
    "security audit",
    "offsite prep",
    "roadmap",
    "onboarding",
    "customer demo",
    "data migration",
]
_SYSTEMS = ["the VPN", "the payroll portal", "the build server", "the wiki", "the expense tool", "the CRM"]
_CITIES = ["Lisbon", "Oslo", "Vienna", "Dublin", "Prague", "Madrid", "Berlin", "Porto"]
_PLACES = ["Casa Verde", "The Copper Pot", "Luna Bistro", "Harbor Grill", "Olive and Thyme", "Blue Lantern"]
_DOMAINS = ["northwind.example", "acme.example", "globex.example", "initech.example", "umbrella.example"]
_FIRST = [
    "Alice",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Esther",
    "Felix",
    "Gita",
    "Hassan",
    "Ines",
    "Jamal",
    "Keiko",
    "Lars",
    "Mona",
    "Nils",
    "Oona",
    "Pablo",
    "Rhea",
    "Sven",
    "Talia",
    "Ugo",
    "Wanda",
    "Xavier",
    "Yara",
    "Zeno",
]
_LAST = [
    "Abbott",
    "Brandt",
    "Cruz",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Greco",
    "Holm",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Meyer",
    "Nowak",
    "Ortiz",
    "Petrov",
    "Quist",
    "Russo",
    "Sato",
    "Thorne",
    "Unger",
    "Vidal",
]

# fact name -> (subject template, body template, regex that reads the value back from the page);
# every message also shows a reference number.
FACTS: dict[str, tuple[str, str, str]] = {
    "meeting room": (
        "Room change for the {topic}",
        "Hi, the {topic} meeting has moved to room {value}. See you there.",
        r"moved to room ([A-Z]-\d{3})",
    ),
    "amount due": (
        "Invoice {inv}",
        "Hello, please find invoice {inv} attached. The amount due is ${value}.",
        r"amount due is \$(\d+\.\d{2})",
    ),
    "access code": (
        "Access code for {system}",
        "Your temporary access code for {system} is {value}. It expires tomorrow.",
        r"access code for .+? is (\d{6})",
    ),
    "flight number": (
        "Trip to {city}",
        "Your flight to {city} is {value}, departing at 08:45 from gate 12.",
        r"flight to .+? is ([A-Z]{2}\d{3,4})",
    ),
    "delivery date": (
        "Delivery update, order {inv}",
        "Order {inv} will arrive on {value} between 9 and 12.",
        r"arrive on (\d{4}-\d{2}-\d{2})",
    ),
    "restaurant": (
        "Dinner with the {topic} team",
        "Let's celebrate the {topic} at {value} at 7 pm.",
        r" at (.+?) at 7 pm",
    ),
    "reference number": ("", "", r"Reference: (RG-\d{5})"),
}

_COUNTER_JS = """
const b=document.getElementById('body'),c=document.getElementById('count');
if(b&&c){const f=()=>{c.textContent=b.value.length+' characters';};b.addEventListener('input',f);f();}
"""


def _fact_value(name: str, rng: random.Random) -> str:
    if name == "meeting room":
        return f"{rng.choice('ABCDE')}-{rng.randint(100, 499)}"
    if name == "amount due":
        return f"{rng.randint(80, 4000)}.{rng.randint(0, 99):02d}"
    if name == "access code":
        return f"{rng.randint(0, 999_999):06d}"
    if name == "flight number":
        return f"{rng.choice(['LX', 'TP', 'IB', 'SK', 'EI', 'OS'])}{rng.randint(100, 9999)}"
    if name == "delivery date":
        return (dt.date(2026, 5, 1) + dt.timedelta(days=rng.randint(0, 60))).isoformat()
    return rng.choice(_PLACES)


class MailApp(App):
    """Webmail. World: ``contacts``, ``messages``; state: ``folder``, ``read``, ``sent``."""

    name = "mail"
    brand = "Mailbox"

    def build_world(self) -> None:
        rng = random.Random(f"mail-{self.world_seed}")
        people = rng.sample([(f, s) for f in _FIRST for s in _LAST], 24)
        self.contacts = [
            {"name": f"{f} {s}", "email": f"{f.lower()}.{s.lower()}@{rng.choice(_DOMAINS)}"}
            for f, s in people
        ]
        self.messages: list[dict[str, Any]] = []
        seen: set[str] = set()
        day = dt.date(2026, 4, 30)
        while len(self.messages) < 120:
            fact = rng.choice(sorted(k for k in FACTS if k != "reference number"))
            subject_t, body_t, _ = FACTS[fact]
            slots = {
                "topic": rng.choice(_TOPICS),
                "system": rng.choice(_SYSTEMS),
                "city": rng.choice(_CITIES),
                "inv": f"INV-{rng.randint(1000, 9999)}",
                "value": _fact_value(fact, rng),
            }
            subject = subject_t.format(**slots)
            if subject.lower() in seen:
                continue
            seen.add(subject.lower())
            who = rng.choice(self.contacts)
            day -= dt.timedelta(days=rng.choice([0, 0, 1]))
            self.messages.append(
                {
                    "id": len(self.messages) + 1,
                    "from_name": who["name"],
                    "from_email": who["email"],
                    "subject": subject,
                    "body": body_t.format(**slots),
                    "date": day.isoformat(),
                    "fact_name": fact,
                    "fact_value": slots["value"],
                    "reference": f"RG-{rng.randint(10000, 99999)}",
                }
            )
        self.by_id = {m["id"]: m for m in self.messages}

    def initial_state(self) -> dict[str, Any]:
        return {"folder": {str(m["id"]): "inbox" for m in self.messages}, "read": [], "sent": []}

    def outcome(self, state: Mapping[str, Any]) -> dict[str, Any]:
        moved = [
            {"id": int(i), "subject": self.by_id[int(i)]["subject"], "folder": f}
            for i, f in state["folder"].items()
            if f != "inbox"
        ]
        return {"sent": list(state["sent"]), "moved": sorted(moved, key=lambda m: m["id"])}

    def committed(self, state: Mapping[str, Any]) -> bool:
        return bool(state["sent"]) or any(f != "inbox" for f in state["folder"].values())

    def nav(self) -> list[tuple[str, str]]:
        return [
            ("Inbox", "/mail/"),
            ("Archive", "/mail/folder/archive"),
            ("Trash", "/mail/folder/trash"),
            ("Sent", "/mail/folder/sent"),
            ("Compose", "/mail/compose"),
        ]

    def routes(self):
        return [
            ("GET", r"/", self.inbox),
            ("GET", r"/folder/(inbox|archive|trash|sent)", self.folder_page),
            ("GET", r"/search", self.search_page),
            ("GET", r"/message/(\d+)", self.message_page),
            ("POST", r"/message/(\d+)/(archive|delete)", self.move),
            ("GET", r"/compose", self.compose),
            ("POST", r"/send", self.send),
        ]

    def _search_form(self, q: str) -> str:
        return (
            '<form class="card" method="get" action="/mail/search"><label for="q">Search mail</label>'
            f'<input id="q" name="q" type="search" value="{esc(q)}">'
            '<button type="submit">Search</button></form>'
        )

    def _rows(
        self, state: Mapping[str, Any], msgs: list[dict[str, Any]], page: int, base: str, **q: Any
    ) -> str:
        n_pages = max(1, math.ceil(len(msgs) / PER_PAGE))
        page = min(max(1, page), n_pages)
        read = set(state["read"])
        rows = "".join(
            f'<div class="card"><a href="/mail/message/{m["id"]}">'
            f"{esc(m['from_name'])}: {esc(m['subject'])}</a>"
            f'<div class="muted">{m["date"]}{"" if m["id"] in read else " | unread"}</div></div>'
            for m in msgs[(page - 1) * PER_PAGE : page * PER_PAGE]
        )
        pager = ""
        if page > 1:
            pager += f'<a href="{esc(url(base, **q, page=page - 1))}">Newer</a> '
        if page < n_pages:
            pager += f'<a href="{esc(url(base, **q, page=page + 1))}">Older</a>'
        rows = rows or "<p>No messages.</p>"
        return f"<p>{len(msgs)} messages, page {page} of {n_pages}</p>{rows}<p>{pager}</p>"

    @staticmethod
    def _page(req: Request) -> int:
        value = req.arg("page", "1")
        return int(value) if value.isdigit() else 1

    def inbox(self, req: Request, state: dict[str, Any]) -> Response:
        return self.folder_page(req, state, "inbox")

    def folder_page(self, req: Request, state: dict[str, Any], folder: str) -> Response:
        if folder == "sent":
            items = "".join(
                f'<div class="card">To: {esc(s["to"])}<br>Subject: {esc(s["subject"])}</div>'
                for s in reversed(state["sent"])
            )
            note = '<p class="ok" role="status">Message sent.</p>' if req.arg("sent") else ""
            body = f"<h1>Sent</h1>{note}{items or '<p>No sent messages.</p>'}"
            return Response.html(layout("Mailbox - Sent", body, app=self))
        msgs = [m for m in self.messages if state["folder"][str(m["id"])] == folder]
        note = (
            f'<p class="ok" role="status">Message moved to {esc(req.arg("moved"))}.</p>'
            if req.arg("moved")
            else ""
        )
        body = (
            f"{self._search_form('')}<h1>{folder.capitalize()}</h1>{note}"
            f"{self._rows(state, msgs, self._page(req), f'/mail/folder/{folder}')}"
        )
        return Response.html(layout(f"Mailbox - {folder.capitalize()}", body, app=self))

    def search_page(self, req: Request, state: dict[str, Any]) -> Response:
        q = req.arg("q")
        words = q.lower().split()
        msgs = [
            m
            for m in self.messages
            if state["folder"][str(m["id"])] != "trash"
            and all(
                w in f"{m['from_name']} {m['from_email']} {m['subject']} {m['body']}".lower() for w in words
            )
        ]
        body = (
            f"{self._search_form(q)}<h1>Search results</h1>"
            f"{self._rows(state, msgs, self._page(req), '/mail/search', q=q)}"
        )
        return Response.html(layout("Mailbox - Search", body, app=self))

    def message_page(self, req: Request, state: dict[str, Any], mid: str) -> Response:
        m = self.by_id.get(int(mid))
        if m is None:
            return self.not_found("message")
        if m["id"] not in state["read"]:
            state["read"].append(m["id"])
        folder = state["folder"][mid]
        body = (
            f"<h1>{esc(m['subject'])}</h1><p>From: {esc(m['from_name'])} &lt;{esc(m['from_email'])}&gt;</p>"
            f'<p class="muted">Date: {m["date"]} | Folder: {folder}</p>'
            f'<div class="card"><p>{esc(m["body"])}</p>'
            f'<p class="muted">Reference: {m["reference"]}</p></div>'
            f'<p><a href="/mail/compose?reply_to={m["id"]}">Reply</a></p>'
            + "".join(
                f'<form method="post" action="/mail/message/{m["id"]}/{what.lower()}">'
                f'<button type="submit">{what}</button></form>'
                for what in ("Archive", "Delete")
            )
        )
        return Response.html(layout(f"Mailbox - {m['subject']}", body, app=self))

    def move(self, req: Request, state: dict[str, Any], mid: str, what: str) -> Response:
        if int(mid) not in self.by_id:
            return self.not_found("message")
        target = "archive" if what == "archive" else "trash"
        state["folder"][mid] = target
        return Response.redirect(f"/mail/folder/inbox?moved={target}")

    def compose(self, req: Request, state: dict[str, Any], errors: list[str] | None = None) -> Response:
        v = {k: req.arg(k) for k in ("to", "subject", "body", "reply_to")}
        original = self.by_id.get(int(v["reply_to"])) if v["reply_to"].isdigit() else None
        if original is not None and req.method == "GET":
            v["to"], v["subject"] = original["from_email"], f"Re: {original['subject']}"
        alert = f'<div class="alert" role="alert">{esc(" ".join(errors))}</div>' if errors else ""
        quote = f"<p class='muted'>Replying to: {esc(original['subject'])}</p>" if original else ""
        body = (
            f"<h1>{'Reply' if original else 'New message'}</h1>{alert}{quote}"
            '<form class="card" method="post" action="/mail/send" novalidate>'
            f'<input type="hidden" name="reply_to" value="{esc(v["reply_to"])}">'
            + input_field("to", "To", v["to"])
            + input_field("subject", "Subject", v["subject"])
            + '<label for="body">Message</label>'
            + f'<textarea id="body" name="body">{esc(v["body"])}</textarea><br>'
            + f'<span id="count" class="muted">{len(v["body"])} characters</span><br>'
            + '<button type="submit">Send</button></form>'
        )
        return Response.html(
            layout("Mailbox - Compose", body, app=self, script=_COUNTER_JS), 400 if errors else 200
        )

    def send(self, req: Request, state: dict[str, Any]) -> Response:
        to, subject, text = req.arg("to"), req.arg("subject"), req.arg("body")
        errors = []
        if "@" not in to or "." not in to.split("@")[-1]:
            errors.append("Enter a valid recipient address.")
        if not subject:
            errors.append("Enter a subject.")
        if not text:
            errors.append("Write a message.")
        if errors:
            return self.compose(req, state, errors)
        reply_to = req.arg("reply_to")
        state["sent"].append(
            {
                "to": to,
                "subject": subject,
                "body": text,
                "reply_to": int(reply_to) if reply_to.isdigit() else None,
            }
        )
        return Response.redirect("/mail/folder/sent?sent=1")
