"""Mail tasks: look a fact up, reply to a message, send a new one, archive or delete a message.

Goal examples: *'Find the email from Alice Brandt with the subject "Invoice INV-4821" and report the
amount due it mentions, using answer("...").'*, *'Reply to the email from ... with the message: "..."'*.
Graded from the server state (sent messages, moved messages) and the final answer. The split key is the
message a task is about (for ``send``: the recipient and subject).

Example:
    >>> from rewardgym.envs.web.apps.mail import MailApp
    >>> import random
    >>> kind, params = MailTasks(MailApp(0)).sample(random.Random(0))
    >>> kind in ("lookup", "reply", "send", "archive", "delete")
    True
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.mail import FACTS, MailApp
from rewardgym.envs.web.policies import El, ExpertPolicy, find, quote
from rewardgym.envs.web.tasks.generator import TaskFamily, WebTask, normalize

__all__ = ["MailExpert", "MailTasks"]

_REPLIES = [
    "Thanks, noted.",
    "Sounds good, see you then.",
    "I will take a look today.",
    "Can we move this to Friday?",
    "Confirmed, thank you!",
    "Please send me the details.",
]
_SUBJECTS = [
    "Quick question",
    "Lunch on Thursday",
    "Slides for the review",
    "Holiday schedule",
    "Team update",
    "Parking permit",
    "Conference tickets",
    "Printer on floor 3",
]
_BODIES = [
    "Could you check this before noon?",
    "The slides are in the shared folder.",
    "I will be out on Monday.",
    "Let me know what works for you.",
    "Thanks for the quick turnaround.",
    "See the notes from yesterday.",
]


def _answer(text: Any) -> str:
    return normalize(text).replace("$", "").replace(",", "").strip('"')


class MailTasks(TaskFamily):
    """Lookup, reply, send, archive and delete tasks over a :class:`~rewardgym.envs.web.apps.mail.MailApp`."""

    app = "mail"
    world: MailApp

    def sample(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        kind = rng.choice(["lookup", "lookup", "reply", "send", "archive", "delete"])
        m = rng.choice(self.world.messages)
        about = {"message_id": m["id"], "sender": m["from_name"], "subject": m["subject"]}
        if kind == "lookup":
            if rng.random() < 0.5:
                return kind, {**about, "fact_name": "reference number", "answer": m["reference"]}
            return kind, {**about, "fact_name": m["fact_name"], "answer": m["fact_value"]}
        if kind == "reply":
            return kind, {**about, "to": m["from_email"], "body": rng.choice(_REPLIES)}
        if kind == "send":
            who = rng.choice(self.world.contacts)
            return kind, {
                "to_name": who["name"],
                "to": who["email"],
                "subject": rng.choice(_SUBJECTS),
                "body": rng.choice(_BODIES),
            }
        return kind, about

    def split_key(self, kind: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
        if kind == "send":
            return (kind, params["to"], params["subject"])
        return (kind, params["message_id"], params.get("fact_name", ""))

    def goal(self, kind: str, params: Mapping[str, Any]) -> str:
        p = params
        which = f'the email from {p.get("sender")} with the subject "{p.get("subject")}"'
        if kind == "lookup":
            return f'Find {which} and report the {p["fact_name"]} it mentions, using answer("...").'
        if kind == "reply":
            return f'Reply to {which} with the message: "{p["body"]}"'
        if kind == "send":
            return (
                f'Send an email to {p["to_name"]} ({p["to"]}) with the subject "{p["subject"]}" '
                f'and the message: "{p["body"]}"'
            )
        return f"{'Archive' if kind == 'archive' else 'Delete'} {which}."

    @staticmethod
    def checks(kind: str, params: Mapping[str, Any], outcome: Mapping[str, Any]) -> dict[str, bool]:
        p = params
        if kind == "lookup":
            return {
                "answer": outcome.get("answer") is not None
                and _answer(outcome["answer"]) == _answer(p["answer"])
            }
        if kind in ("archive", "delete"):
            folder = "archive" if kind == "archive" else "trash"
            moved = outcome.get("moved") or []
            target = any(m["id"] == p["message_id"] and m["folder"] == folder for m in moved)
            return {"target": target, "nothing_else": target and len(moved) == 1 and not outcome.get("sent")}
        subject = f"re: {normalize(p['subject'])}" if kind == "reply" else normalize(p["subject"])
        keys = ("replied", "to", "subject", "body") if kind == "reply" else ("to", "subject", "body")
        best = dict.fromkeys(keys, False)
        for s in outcome.get("sent") or []:
            c = {
                "replied": s.get("reply_to") == p.get("message_id"),
                "to": normalize(s["to"]) == normalize(p["to"]),
                "subject": normalize(s["subject"]) == subject,
                "body": normalize(s["body"]) == normalize(p["body"]),
            }
            c = {k: c[k] for k in keys}
            if sum(c.values()) > sum(best.values()):
                best = c
        return best

    def expert(self, task: WebTask) -> MailExpert:
        return MailExpert(task)


class MailExpert(ExpertPolicy):
    """Search for the message by subject, open it, then answer, reply, archive or delete; or compose."""

    def act(self, path: str, query: Mapping[str, str], page: str, els: list[El]) -> str | None:
        p, kind = self.p, self.task.kind
        if path == "/mail/compose":
            todo = self.fill(
                els,
                [("textbox", "To", p["to"]), ("textbox", "Message", p["body"])]
                + ([("textbox", "Subject", p["subject"])] if kind == "send" else []),
            )
            send = find(els, "button", "Send")
            return todo or (f"click({send.rid})" if send else None)
        if kind == "send":
            compose = find(els, "link", "Compose")
            return f"click({compose.rid})" if compose else f"goto({quote('/mail/compose')})"
        if path == f"/mail/message/{p['message_id']}":
            if kind == "lookup":
                m = re.search(FACTS[p["fact_name"]][2], page)
                return f"answer({quote(m.group(1))})" if m else None
            label = {
                "reply": ("link", "Reply"),
                "archive": ("button", "Archive"),
                "delete": ("button", "Delete"),
            }[kind]
            el = find(els, *label)
            return f"click({el.rid})" if el else None
        if path == "/mail/search" and query.get("q") == p["subject"]:
            hit = find(els, "link", f"{p['sender']}: {p['subject']}")
            if hit:
                return f"click({hit.rid})"
            older = find(els, "link", "Older")
            return f"click({older.rid})" if older else None
        todo = self.fill(els, [("textbox", "Search mail", p["subject"])])
        button = find(els, "button", "Search")
        if find(els, "textbox", "Search mail") is None:
            return f"goto({quote('/mail/')})"
        return todo or (f"click({button.rid})" if button else None)
