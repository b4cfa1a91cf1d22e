"""Shop tasks: buy an item with given attributes, quantity, price cap and shipping details.

Goal example: *"Buy 2 navy linen shirts in size M, under $40 each, and ship them to Ana Silva, 12 Elm
Street, with express shipping."* Graded WebShop-style on the placed order: one check per attribute
(category, colour, material, size, price cap, quantity, name, address, shipping, and "the order holds
only that item") on the best-matching ordered item. The split key is the (category, colour, material)
combination.

Example:
    >>> from rewardgym.envs.web.apps.shop import ShopApp
    >>> fam = ShopTasks(ShopApp(0))
    >>> import random
    >>> kind, params = fam.sample(random.Random(0))
    >>> ShopTasks.checks(kind, params, {"orders": []})["category"]
    False
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.shop import PRICE_STEPS, SHIPPING, ShopApp
from rewardgym.envs.web.policies import El, ExpertPolicy, find, find_all, quote
from rewardgym.envs.web.tasks.generator import TaskFamily, WebTask, normalize

__all__ = ["FIRST_NAMES", "LAST_NAMES", "STREETS", "ShopExpert", "ShopTasks"]

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Yuki",
]
LAST_NAMES = [
    "Silva",
    "Novak",
    "Okafor",
    "Garcia",
    "Kim",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Patel",
    "Rossi",
    "Schmidt",
    "Walsh",
    "Haddad",
    "Costa",
    "Berg",
    "Ivanova",
    "Mensah",
    "Tanaka",
]
STREETS = [
    "Elm Street",
    "Harbor Road",
    "Maple Avenue",
    "Station Lane",
    "Mill Road",
    "Church Street",
    "Park Avenue",
    "River Walk",
    "Hill Crescent",
    "Bridge Street",
    "Orchard Way",
    "Kings Road",
]
_PAIRS = {"jeans", "shorts", "sneakers", "boots"}


def _noun(category: str, qty: int) -> str:
    if category in _PAIRS:
        return f"a pair of {category}" if qty == 1 else f"{qty} pairs of {category}"
    if qty == 1:
        return f"a {category}"
    return f"{qty} {category}{'es' if category.endswith('ss') else 's'}"


class ShopTasks(TaskFamily):
    """Buy tasks over a :class:`~rewardgym.envs.web.apps.shop.ShopApp` catalogue."""

    app = "shop"
    world: ShopApp

    def sample(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        p = rng.choice(self.world.products)
        caps = [s for s in PRICE_STEPS if s > p["price"]]
        cap = caps[min(len(caps) - 1, rng.choice([0, 0, 1]))]
        return "buy", {
            "category": p["category"],
            "color": p["color"],
            "material": p["material"],
            "size": rng.choice(p["sizes"]),
            "max_price": cap,
            "qty": rng.choice([1, 1, 2, 3]),
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "address": f"{rng.randint(1, 199)} {rng.choice(STREETS)}",
            "shipping": rng.choice(SHIPPING),
        }

    def split_key(self, kind: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return (params["category"], params["color"], params["material"])

    def goal(self, kind: str, params: Mapping[str, Any]) -> str:
        p = params
        noun = _noun(p["category"], p["qty"]).split(" ")
        noun.insert(-1, f"{p['color']} {p['material']}")
        them = "it" if p["qty"] == 1 else "them"
        return (
            f"Buy {' '.join(noun)} in size {p['size']}, under ${p['max_price']} each, and ship {them} to "
            f"{p['name']}, {p['address']}, with {p['shipping']} shipping."
        )

    @staticmethod
    def checks(kind: str, params: Mapping[str, Any], outcome: Mapping[str, Any]) -> dict[str, bool]:
        p = params
        best: dict[str, bool] = dict.fromkeys(
            (
                "category",
                "color",
                "material",
                "size",
                "price",
                "qty",
                "name",
                "address",
                "shipping",
                "one_item",
            ),
            False,
        )
        for order in outcome.get("orders") or []:
            for item in order["items"]:
                c = {
                    "category": item["category"] == p["category"],
                    "color": item["color"] == p["color"],
                    "material": item["material"] == p["material"],
                    "size": item["size"] == p["size"],
                    "price": float(item["price"]) <= float(p["max_price"]),
                    "qty": int(item["qty"]) == int(p["qty"]),
                    "name": normalize(order["name"]) == normalize(p["name"]),
                    "address": normalize(order["address"]) == normalize(p["address"]),
                    "shipping": order["shipping"] == p["shipping"],
                    "one_item": len(order["items"]) == 1,
                }
                if sum(c.values()) > sum(best.values()):
                    best = c
        return best

    def expert(self, task: WebTask) -> ShopExpert:
        return ShopExpert(task)


class ShopExpert(ExpertPolicy):
    """Search with every filter set, open the first result, add it to the cart, check out."""

    def __init__(self, task: WebTask) -> None:
        super().__init__(task)
        self.tried = 0

    def act(self, path: str, query: Mapping[str, str], page: str, els: list[El]) -> str | None:
        p = self.p
        if path in ("/shop/", "/shop/search"):
            form = [
                ("textbox", "Search", f"{p['color']} {p['material']} {p['category']}"),
                ("combobox", "Category", p["category"]),
                ("combobox", "Color", p["color"]),
                ("combobox", "Material", p["material"]),
                ("combobox", "Size", str(p["size"])),
                ("combobox", "Max price", f"${p['max_price']}"),
            ]
            searched = path == "/shop/search" and all(
                query.get(k) == str(p[k]) for k in ("category", "color", "material", "size", "max_price")
            )
            if not searched:
                todo = self.fill(els, form)
                button = find(els, "button", "Search")
                return todo or (f"click({button.rid})" if button else None)
            lines = page.splitlines()
            results = [
                e
                for e in find_all(els, "link")
                if e.line + 1 < len(lines) and lines[e.line + 1].startswith("$")
            ]
            if self.tried < len(results):
                self.tried += 1
                return f"click({results[self.tried - 1].rid})"
            nxt = find(els, "link", "Next page")
            if nxt:
                self.tried = 0
                return f"click({nxt.rid})"
            return 'answer("no matching product")'
        if path.startswith("/shop/product/"):
            size = find(els, "combobox", "Size")
            if size is not None and str(p["size"]) not in size.options:
                return "back()"
            todo = self.fill(
                els, [("combobox", "Size", str(p["size"])), ("textbox", "Quantity", str(p["qty"]))]
            )
            add = find(els, "button", "Add to cart")
            return todo or (f"click({add.rid})" if add else None)
        if path == "/shop/cart":
            go = find(els, "link", "Proceed to checkout")
            return f"click({go.rid})" if go else None
        if path == "/shop/checkout":
            todo = self.fill(
                els,
                [
                    ("textbox", "Full name", p["name"]),
                    ("textbox", "Street address", p["address"]),
                    ("combobox", "Shipping", p["shipping"]),
                ],
            )
            place = find(els, "button", "Place order")
            return todo or (f"click({place.rid})" if place else None)
        return f"goto({quote('/shop/')})"
