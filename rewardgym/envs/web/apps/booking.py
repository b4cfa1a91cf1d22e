"""The booking app (``/booking/``): a form-heavy hotel booking site.

World (from ``world_seed``): 40 hotels in 8 cities, each with two to four room types (rate, capacity).
State: the submitted bookings. The booking form has text, date, select, radio, checkbox and textarea
fields, server-side validation that re-renders the form with errors, and a little JavaScript that
keeps a live price total (the HTTP backend shows the server's estimate).

Pages: ``/booking/`` (search form), ``/booking/search``, ``/booking/hotel/<id>``, ``/booking/book/<id>``
(GET form, POST submit), ``/booking/confirmation/<n>``, ``/booking/bookings``.

Example:
    >>> app = BookingApp(world_seed=0)
    >>> len(app.hotels), app.hotels[0]["city"], sorted(app.hotels[0]["rooms"])
    (40, 'Lisbon', ['Single', 'Suite'])
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.site import (
    App,
    Request,
    Response,
    check_field,
    esc,
    input_field,
    layout,
    select_field,
    url,
)

__all__ = ["CITIES", "ROOMS", "BookingApp", "nights"]

CITIES = ["Lisbon", "Porto", "Madrid", "Berlin", "Vienna", "Prague", "Oslo", "Dublin"]
ROOMS = {"Single": 1, "Standard": 2, "Deluxe": 3, "Suite": 4}
_NAME_A = [
    "Harbor",
    "Grand",
    "Old Town",
    "Riverside",
    "Garden",
    "Central",
    "Royal",
    "Park",
    "Skyline",
    "Bridge",
    "Lantern",
    "Maple",
    "Station",
    "Castle",
    "Seaside",
]
_NAME_B = ["Hotel", "Inn", "Suites", "Lodge", "House", "Residence"]
BREAKFAST = 15.0
_GUESTS = [(str(g), str(g)) for g in range(1, 5)]

_TOTAL_JS = """
const f=document.getElementById('book');if(f){const t=document.getElementById('total');
const rates=JSON.parse(t.dataset.rates);
const upd=()=>{const a=new Date(f.checkin.value),b=new Date(f.checkout.value);
const n=Math.round((b-a)/864e5);const g=parseInt(f.guests.value||'1');
if(!(n>0)){t.textContent='Total: choose valid dates';return;}
let s=n*rates[f.room.value];if(f.breakfast.checked)s+=n*g*15;
t.textContent='Total: $'+s.toFixed(2)+' for '+n+' night(s)';};
f.addEventListener('input',upd);f.addEventListener('change',upd);upd();}
"""


def nights(checkin: str, checkout: str) -> int | None:
    """Nights between two ``YYYY-MM-DD`` dates, or None when a date does not parse."""
    try:
        return (dt.date.fromisoformat(checkout) - dt.date.fromisoformat(checkin)).days
    except (TypeError, ValueError):
        return None


class BookingApp(App):
    """Hotel booking. World: ``hotels``; state: ``bookings``."""

    name = "booking"
    brand = "StayBook"

    def build_world(self) -> None:
        rng = random.Random(f"booking-{self.world_seed}")
        names = rng.sample([f"{a} {b}" for a in _NAME_A for b in _NAME_B], 40)
        self.hotels: list[dict[str, Any]] = []
        for i, name in enumerate(names):
            kinds = sorted(rng.sample(sorted(ROOMS), rng.randint(2, 4)), key=list(ROOMS).index)
            base = rng.uniform(60, 160)
            self.hotels.append(
                {
                    "id": f"H{101 + i}",
                    "name": name,
                    "city": CITIES[i % len(CITIES)],
                    "stars": rng.randint(2, 5),
                    "rooms": {
                        k: {"rate": round(base * (0.7 + 0.35 * ROOMS[k]), 0), "capacity": ROOMS[k]}
                        for k in kinds
                    },
                }
            )
        self.by_id = {h["id"]: h for h in self.hotels}

    def initial_state(self) -> dict[str, Any]:
        return {"bookings": []}

    def outcome(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"bookings": list(state["bookings"])}

    def committed(self, state: Mapping[str, Any]) -> bool:
        return bool(state["bookings"])

    def nav(self) -> list[tuple[str, str]]:
        return [("Find a hotel", "/booking/"), ("My bookings", "/booking/bookings")]

    def routes(self):
        return [
            ("GET", r"/", self.home),
            ("GET", r"/search", self.search_page),
            ("GET", r"/hotel/(H\d+)", self.hotel_page),
            ("GET", r"/book/(H\d+)", self.book_form),
            ("POST", r"/book/(H\d+)", self.book_submit),
            ("GET", r"/confirmation/(\d+)", self.confirmation),
            ("GET", r"/bookings", self.bookings_page),
        ]

    def _search_form(self, v: Mapping[str, str]) -> str:
        cities = [("", "choose a city")] + [(c, c) for c in CITIES]
        return (
            '<form class="card" method="get" action="/booking/search" novalidate>'
            + select_field("city", "City", cities, v.get("city", ""))
            + input_field("checkin", "Check-in", v.get("checkin", ""), "date")
            + input_field("checkout", "Check-out", v.get("checkout", ""), "date")
            + select_field("guests", "Guests", _GUESTS, v.get("guests") or "1")
            + '<button type="submit">Search hotels</button></form>'
        )

    def home(self, req: Request, state: dict[str, Any]) -> Response:
        body = (
            f"<h1>Find a hotel</h1>{self._search_form({})}"
            f"<p class='muted'>{len(self.hotels)} hotels in {len(CITIES)} cities.</p>"
        )
        return Response.html(layout("StayBook - Find a hotel", body, app=self))

    def search_page(self, req: Request, state: dict[str, Any]) -> Response:
        v = {k: req.arg(k) for k in ("city", "checkin", "checkout", "guests")}
        guests = int(v["guests"]) if v["guests"].isdigit() else 1
        found = [
            h
            for h in self.hotels
            if (not v["city"] or h["city"] == v["city"])
            and max(r["capacity"] for r in h["rooms"].values()) >= guests
        ]
        stay = {k: v[k] for k in ("checkin", "checkout", "guests")}

        def lowest(h: Mapping[str, Any]) -> float:
            return min(r["rate"] for r in h["rooms"].values())

        def link(h: Mapping[str, Any]) -> str:
            return esc(url(f"/booking/hotel/{h['id']}", **stay))

        cards = "".join(
            f'<div class="card"><a href="{link(h)}">{esc(h["name"])}</a>'
            f"<div>{h['city']} | {h['stars']} stars | from ${lowest(h):.0f}"
            f" a night | rooms: {', '.join(h['rooms'])}</div></div>"
            for h in found
        )
        where = f" in {esc(v['city'])}" if v["city"] else ""
        body = f"{self._search_form(v)}<h2>{len(found)} hotels{where}</h2>{cards}"
        return Response.html(layout("StayBook - Search", body, app=self))

    def hotel_page(self, req: Request, state: dict[str, Any], hid: str) -> Response:
        h = self.by_id.get(hid)
        if h is None:
            return self.not_found("hotel")
        q = {k: req.arg(k) for k in ("checkin", "checkout", "guests")}
        rows = "".join(
            f"<tr><td>{k}</td><td>sleeps {r['capacity']}</td><td>${r['rate']:.0f} a night</td>"
            f'<td><a href="{esc(url("/booking/book/" + hid, room=k, **q))}">Book {k}</a></td></tr>'
            for k, r in h["rooms"].items()
        )
        body = (
            f"<h1>{esc(h['name'])}</h1><p>{h['city']} | {h['stars']} stars</p>"
            f"<table><tr><th>Room</th><th>Capacity</th><th>Rate</th><th></th></tr>{rows}</table>"
        )
        return Response.html(layout(f"StayBook - {h['name']}", body, app=self))

    def book_form(
        self, req: Request, state: dict[str, Any], hid: str, errors: list[str] | None = None
    ) -> Response:
        h = self.by_id.get(hid)
        if h is None:
            return self.not_found("hotel")
        keys = (
            "room",
            "checkin",
            "checkout",
            "guests",
            "first_name",
            "last_name",
            "email",
            "phone",
            "bed",
            "requests",
        )
        v = {k: req.arg(k) for k in keys}
        breakfast, terms = bool(req.arg("breakfast")), bool(req.arg("terms"))
        bed = v["bed"] or "double"
        rates = {k: r["rate"] for k, r in h["rooms"].items()}
        n = nights(v["checkin"], v["checkout"])
        room = v["room"] if v["room"] in rates else next(iter(rates))
        estimate = (
            f"Total: ${n * rates[room]:.2f} for {n} night(s) before extras"
            if n and n > 0
            else "Total: choose valid dates"
        )

        def text(name: str, label: str, kind: str = "text") -> str:
            return input_field(name, label, v[name], kind)

        alert = f'<div class="alert" role="alert">Please fix: {esc(" ".join(errors))}</div>' if errors else ""
        body = (
            f"<h1>Book {esc(h['name'])}</h1>{alert}"
            f'<form id="book" class="card" method="post" action="/booking/book/{hid}" novalidate>'
            "<fieldset><legend>Stay</legend>"
            + select_field("room", "Room type", [(k, k) for k in rates], room)
            + text("checkin", "Check-in", "date")
            + text("checkout", "Check-out", "date")
            + select_field("guests", "Guests", _GUESTS, v["guests"] or "1")
            + check_field("bed-double", "bed", "Double bed", bed == "double", kind="radio", value="double")
            + " "
            + check_field("bed-twin", "bed", "Twin beds", bed == "twin", kind="radio", value="twin")
            + "<br>"
            + check_field(
                "breakfast", "breakfast", f"Add breakfast (${BREAKFAST:.0f} per guest per night)", breakfast
            )
            + "</fieldset><fieldset><legend>Guest</legend>"
            + text("first_name", "First name")
            + text("last_name", "Last name")
            + text("email", "Email")
            + text("phone", "Phone")
            + '<label for="requests">Special requests</label>'
            + f'<textarea id="requests" name="requests">{esc(v["requests"])}</textarea></fieldset>'
            + f'<p id="total" data-rates="{esc(json.dumps(rates))}">{estimate}</p>'
            + check_field("terms", "terms", "I accept the booking terms", terms)
            + '<br><button type="submit">Confirm booking</button></form>'
        )
        status = 400 if errors else 200
        return Response.html(layout(f"StayBook - Book {h['name']}", body, app=self, script=_TOTAL_JS), status)

    def book_submit(self, req: Request, state: dict[str, Any], hid: str) -> Response:
        h = self.by_id.get(hid)
        if h is None:
            return self.not_found("hotel")
        a = req.arg
        errors = []
        if a("room") not in h["rooms"]:
            errors.append("Choose a room type.")
        n = nights(a("checkin"), a("checkout"))
        if n is None or n <= 0 or n > 30:
            errors.append("Enter check-in and check-out dates (YYYY-MM-DD), check-out after check-in.")
        guests = int(a("guests")) if a("guests").isdigit() else 0
        if a("room") in h["rooms"] and not 1 <= guests <= h["rooms"][a("room")]["capacity"]:
            errors.append("Too many guests for this room.")
        for key, label in (("first_name", "First name"), ("last_name", "Last name"), ("phone", "Phone")):
            if not a(key):
                errors.append(f"{label} is required.")
        email = a("email")
        if "@" not in email or "." not in email.split("@")[-1]:
            errors.append("Enter a valid email address.")
        if a("bed") not in ("double", "twin"):
            errors.append("Choose a bed type.")
        if not a("terms"):
            errors.append("Accept the booking terms.")
        if errors:
            return self.book_form(req, state, hid, errors)
        assert n is not None
        rate = h["rooms"][a("room")]["rate"]
        breakfast = bool(a("breakfast"))
        number = len(state["bookings"]) + 1
        state["bookings"].append(
            {
                "number": number,
                "hotel": hid,
                "hotel_name": h["name"],
                "city": h["city"],
                "room": a("room"),
                "checkin": a("checkin"),
                "checkout": a("checkout"),
                "guests": guests,
                "bed": a("bed"),
                "breakfast": breakfast,
                "first_name": a("first_name"),
                "last_name": a("last_name"),
                "email": email,
                "phone": a("phone"),
                "requests": a("requests"),
                "total": round(n * rate + (n * guests * BREAKFAST if breakfast else 0.0), 2),
            }
        )
        return Response.redirect(f"/booking/confirmation/{number}")

    def confirmation(self, req: Request, state: dict[str, Any], number: str) -> Response:
        n = int(number)
        if not 1 <= n <= len(state["bookings"]):
            return self.not_found("booking")
        b = state["bookings"][n - 1]
        body = (
            f'<h1>Booking #{n} confirmed</h1><p class="ok">{esc(b["room"])} room at {esc(b["hotel_name"])}, '
            f"{esc(b['checkin'])} to {esc(b['checkout'])}, {b['guests']} guest(s). Total ${b['total']:.2f}. "
            f"A confirmation was sent to {esc(b['email'])}.</p>"
        )
        return Response.html(layout(f"StayBook - Booking {n}", body, app=self))

    def bookings_page(self, req: Request, state: dict[str, Any]) -> Response:
        rows = "".join(
            f"<li>#{b['number']}: {esc(b['hotel_name'])}, {esc(b['room'])}, {esc(b['checkin'])}</li>"
            for b in state["bookings"]
        )
        body = (
            f"<h1>My bookings</h1><ul>{rows}</ul>" if rows else "<h1>My bookings</h1><p>No bookings yet.</p>"
        )
        return Response.html(layout("StayBook - My bookings", body, app=self))
