"""The web family's declaration: the three local web apps, their rewards and ``info`` contract."""

from __future__ import annotations

from rewardgym.family import EnvEntry, Family, InfoField

INFO = (
    InfoField("web_task", "str", (), "the task as JSON: app, goal text and the checks the final state must pass"),
    InfoField("web_outcome", "str", (), "the site's relevant state as JSON (orders / bookings / mail, answer)"),
    InfoField("score", "float64", (), "share of the task's checks the site's current state passes"),
    InfoField("success", "bool", (), "the site's state passes every check of the task"),
    InfoField("checks", "str", (), "JSON {check: passed} for each check of the task"),
    InfoField("feedback", "str", (), "why the last action could not be carried out ('' when it could)"),
    InfoField("steps", "int64", (), "actions taken so far"),
)

_APPS = (
    ("WebShop", "shop", "Buy the requested clothing item in a local web shop (search, filter, cart, checkout)."),
    ("WebBooking", "booking", "Book the requested hotel room through a form-heavy local booking site."),
    ("WebMail", "mail", "Carry out the requested mail task in a local webmail app (read, reply, compose, move)."),
)

FAMILY = Family(
    name="web",
    doc="Local web apps with generated tasks and rewards read from server state.",
    envs=tuple(
        EnvEntry(
            id=f"rewardgym/{name}-v0",
            entry_point="rewardgym.envs.web.env:WebEnv",
            kwargs={"app": app},
            doc=doc,
            task=f"{doc} The goal text is in the first observation.",
            info=INFO,
        )
        for name, app, doc in _APPS
    ),
    rewards=("rewardgym.envs.web.rewards",),
)
