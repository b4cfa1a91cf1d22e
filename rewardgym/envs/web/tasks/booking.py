"""Booking tasks: fill the hotel booking form with the requested stay and guest details.

Goal example: *"Book a Deluxe room at Harbor Inn in Lisbon from 2026-05-14 to 2026-05-17 for 2 guests,
with twin beds and breakfast. Guest: Ana Silva, email ana.silva@example.com, phone 555-0142. Special
request: "Quiet room please"."* Graded on the submitted booking, one check per form field (hotel, room,
dates, guests, bed, breakfast, names, email, phone, special request). The split key is (hotel, room type).

Example:
    >>> from rewardgym.envs.web.apps.booking import BookingApp
    >>> import random
    >>> kind, params = BookingTasks(BookingApp(0)).sample(random.Random(1))
    >>> BookingTasks.checks(kind, params, {"bookings": []})["hotel"]
    False
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.booking import ROOMS, BookingApp
from rewardgym.envs.web.policies import El, ExpertPolicy, find, quote
from rewardgym.envs.web.tasks.generator import TaskFamily, WebTask, normalize
from rewardgym.envs.web.tasks.shop import FIRST_NAMES, LAST_NAMES

__all__ = ["REQUESTS", "BookingExpert", "BookingTasks"]

REQUESTS = [
    "Late arrival after 10 pm",
    "Quiet room please",
    "Ground floor room",
    "Extra pillows",
    "Airport transfer on arrival",
    "Baby cot in the room",
]
_FIELDS = (
    "hotel",
    "room",
    "checkin",
    "checkout",
    "guests",
    "bed",
    "breakfast",
    "first_name",
    "last_name",
    "email",
    "phone",
    "requests",
)


class BookingTasks(TaskFamily):
    """Book tasks over a :class:`~rewardgym.envs.web.apps.booking.BookingApp`."""

    app = "booking"
    world: BookingApp

    def sample(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        h = rng.choice(self.world.hotels)
        room = rng.choice(sorted(h["rooms"]))
        start = dt.date(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 240))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return "book", {
            "hotel": h["id"],
            "hotel_name": h["name"],
            "city": h["city"],
            "room": room,
            "checkin": start.isoformat(),
            "checkout": (start + dt.timedelta(days=rng.randint(1, 7))).isoformat(),
            "guests": rng.randint(1, ROOMS[room]),
            "bed": rng.choice(["double", "twin"]),
            "breakfast": rng.random() < 0.5,
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.com",
            "phone": f"555-{rng.randint(0, 9999):04d}",
            "requests": rng.choice(["", "", *REQUESTS]),
        }

    def split_key(self, kind: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return (params["hotel"], params["room"])

    def goal(self, kind: str, params: Mapping[str, Any]) -> str:
        p = params
        bed = "twin beds" if p["bed"] == "twin" else "a double bed"
        meal = "with breakfast" if p["breakfast"] else "without breakfast"
        guests = f"{p['guests']} guest{'s' if p['guests'] > 1 else ''}"
        req = f' Special request: "{p["requests"]}".' if p["requests"] else ""
        return (
            f"Book a {p['room']} room at {p['hotel_name']} in {p['city']} from {p['checkin']} to "
            f"{p['checkout']} for {guests}, with {bed} and {meal}. "
            f"Guest: {p['first_name']} {p['last_name']}, "
            f"email {p['email']}, phone {p['phone']}.{req}"
        )

    @staticmethod
    def checks(kind: str, params: Mapping[str, Any], outcome: Mapping[str, Any]) -> dict[str, bool]:
        best = dict.fromkeys(_FIELDS, False)
        for b in outcome.get("bookings") or []:
            c = {
                k: (
                    normalize(b[k]) == normalize(params[k])
                    if isinstance(params[k], str)
                    else b[k] == params[k]
                )
                for k in _FIELDS
            }
            if sum(c.values()) > sum(best.values()):
                best = c
        return best

    def expert(self, task: WebTask) -> BookingExpert:
        return BookingExpert(task)


class BookingExpert(ExpertPolicy):
    """Search the city, open the hotel, pick the room, fill and submit the form."""

    def act(self, path: str, query: Mapping[str, str], page: str, els: list[El]) -> str | None:
        p = self.p
        stay = {
            "city": p["city"],
            "checkin": p["checkin"],
            "checkout": p["checkout"],
            "guests": str(p["guests"]),
        }
        if path in ("/booking/", "/booking/search"):
            if path == "/booking/search" and all(query.get(k) == v for k, v in stay.items()):
                hotel = find(els, "link", p["hotel_name"])
                return f"click({hotel.rid})" if hotel else None
            todo = self.fill(
                els,
                [
                    ("combobox", "City", p["city"]),
                    ("textbox", "Check-in", p["checkin"]),
                    ("textbox", "Check-out", p["checkout"]),
                    ("combobox", "Guests", str(p["guests"])),
                ],
            )
            button = find(els, "button", "Search hotels")
            return todo or (f"click({button.rid})" if button else None)
        if path == f"/booking/hotel/{p['hotel']}":
            book = find(els, "link", f"Book {p['room']}")
            return f"click({book.rid})" if book else None
        if path == f"/booking/book/{p['hotel']}":
            bed = "Twin beds" if p["bed"] == "twin" else "Double bed"
            todo = self.fill(
                els,
                [
                    ("combobox", "Room type", p["room"]),
                    ("textbox", "Check-in", p["checkin"]),
                    ("textbox", "Check-out", p["checkout"]),
                    ("combobox", "Guests", str(p["guests"])),
                    ("radio", bed, "on"),
                    (
                        "checkbox",
                        "Add breakfast ($15 per guest per night)",
                        "on" if p["breakfast"] else "off",
                    ),
                    ("textbox", "First name", p["first_name"]),
                    ("textbox", "Last name", p["last_name"]),
                    ("textbox", "Email", p["email"]),
                    ("textbox", "Phone", p["phone"]),
                    ("textbox", "Special requests", p["requests"]),
                    ("checkbox", "I accept the booking terms", "on"),
                ],
            )
            confirm = find(els, "button", "Confirm booking")
            return todo or (f"click({confirm.rid})" if confirm else None)
        return f"goto({quote('/booking/')})"
