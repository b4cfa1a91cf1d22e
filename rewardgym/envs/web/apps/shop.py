"""The shop app (``/shop/``): search with filters, product pages, a cart and a checkout form.

The catalogue (about 300 products: category, colour, material, sizes, price, rating) is generated from
``world_seed``. The per-tenant state holds the cart and the placed orders. The product page has a little
JavaScript that updates the order total as the quantity changes (the HTTP backend shows the server's total).

Pages: ``/shop/`` (home), ``/shop/search`` (query + category/colour/material/size/max-price filters, 8
results a page), ``/shop/product/<id>``, ``/shop/cart``, ``/shop/checkout``, ``/shop/order/<n>``.

Example:
    >>> app = ShopApp(world_seed=0)
    >>> len(app.products) > 100
    True
    >>> app.search("linen shirt", {"color": "navy"})[0]["color"]
    'navy'
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Mapping
from typing import Any

from rewardgym.envs.web.apps.site import (
    App,
    Request,
    Response,
    esc,
    input_field,
    layout,
    options_html,
    select_field,
    url,
)

__all__ = ["CATEGORIES", "COLORS", "PRICE_STEPS", "ShopApp"]

TOPS = ["XS", "S", "M", "L", "XL"]
BOTTOMS = ["28", "30", "32", "34", "36"]
SHOES = ["7", "8", "9", "10", "11", "12"]
# category -> (sizes, materials, base price)
CATEGORIES: dict[str, tuple[list[str], list[str], float]] = {
    "shirt": (TOPS, ["cotton", "linen", "silk", "polyester"], 32.0),
    "polo": (TOPS, ["cotton", "polyester"], 25.0),
    "sweater": (TOPS, ["wool", "cashmere", "cotton"], 55.0),
    "jacket": (TOPS, ["leather", "denim", "wool", "polyester"], 90.0),
    "dress": (TOPS, ["cotton", "silk", "linen", "polyester"], 60.0),
    "jeans": (BOTTOMS, ["denim"], 50.0),
    "shorts": (BOTTOMS, ["cotton", "linen", "denim"], 28.0),
    "sneakers": (SHOES, ["canvas", "leather", "mesh"], 65.0),
    "boots": (SHOES, ["leather", "suede"], 110.0),
}
COLORS = ["black", "white", "navy", "blue", "red", "green", "grey", "beige", "brown", "pink", "yellow"]
BRANDS = [
    "Northwind",
    "Harbor",
    "Alder",
    "Summit",
    "Crestline",
    "Marlow",
    "Juniper",
    "Oakridge",
    "Pioneer",
    "Redwood",
    "Solstice",
    "Tidewater",
]
STYLES = [
    "Classic",
    "Everyday",
    "Slim",
    "Relaxed",
    "Heritage",
    "Urban",
    "Coastal",
    "Trail",
    "Weekend",
    "Studio",
]
PRICE_STEPS = [20, 30, 40, 50, 75, 100, 150, 200, 300]
SHIPPING = ["standard", "express"]
PER_PAGE = 8

_TOTAL_JS = """
const q=document.getElementById('qty'),t=document.getElementById('total');
if(q&&t){const p=parseFloat(t.dataset.price);const f=()=>{const n=Math.max(1,parseInt(q.value||'1'));
t.textContent='Total: $'+(p*n).toFixed(2)+' for '+n+' item(s)';};q.addEventListener('input',f);f();}
"""


class ShopApp(App):
    """A clothing shop. World: ``products`` (list of dicts); state: ``cart``, ``orders``."""

    name = "shop"
    brand = "Shop"

    def build_world(self) -> None:
        rng = random.Random(f"shop-{self.world_seed}")
        self.products: list[dict[str, Any]] = []
        for i in range(300):
            category = rng.choice(sorted(CATEGORIES))
            sizes, materials, base = CATEGORIES[category]
            k = rng.randint(2, len(sizes))
            self.products.append(
                {
                    "id": f"P{1000 + i}",
                    "name": f"{rng.choice(BRANDS)} {rng.choice(STYLES)} {category.capitalize()}",
                    "category": category,
                    "color": rng.choice(COLORS),
                    "material": rng.choice(materials),
                    "sizes": sorted(rng.sample(sizes, k), key=sizes.index),
                    "price": round(base * math.exp(rng.uniform(-0.55, 0.55)), 2),
                    "rating": round(rng.uniform(3.0, 5.0), 1),
                }
            )
        self.by_id = {p["id"]: p for p in self.products}

    def initial_state(self) -> dict[str, Any]:
        return {"cart": [], "orders": []}

    def outcome(self, state: Mapping[str, Any]) -> dict[str, Any]:
        orders = []
        for order in state["orders"]:
            items = [
                {**self._public(self.by_id[it["id"]]), "size": it["size"], "qty": it["qty"]}
                for it in order["items"]
            ]
            orders.append({**{k: v for k, v in order.items() if k != "items"}, "items": items})
        return {"orders": orders, "cart": list(state["cart"])}

    def committed(self, state: Mapping[str, Any]) -> bool:
        return bool(state["orders"])

    @staticmethod
    def _public(p: Mapping[str, Any]) -> dict[str, Any]:
        return {k: p[k] for k in ("id", "name", "category", "color", "material", "price")}

    def nav(self) -> list[tuple[str, str]]:
        return [("Home", "/shop/"), ("Search", "/shop/search"), ("Cart", "/shop/cart")]

    def routes(self):
        return [
            ("GET", r"/", self.home),
            ("GET", r"/search", self.search_page),
            ("GET", r"/product/(P\d+)", self.product_page),
            ("POST", r"/cart/add", self.cart_add),
            ("POST", r"/cart/remove", self.cart_remove),
            ("GET", r"/cart", self.cart_page),
            ("GET", r"/checkout", self.checkout_page),
            ("POST", r"/checkout", self.place_order),
            ("GET", r"/order/(\d+)", self.order_page),
        ]

    # ---- search ----------------------------------------------------------------------------------
    def search(self, query: str, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        """Products matching every query word and every filter (sorted by relevance, then price)."""
        words = [w for w in query.lower().replace("-", " ").split() if w]
        out = []
        for p in self.products:
            text = f"{p['name']} {p['category']} {p['color']} {p['material']}".lower().split()
            if any(not any(t.startswith(w) for t in text) for w in words):
                continue
            if any(filters.get(k) and p[k] != filters[k] for k in ("category", "color", "material")):
                continue
            if filters.get("size") and filters["size"] not in p["sizes"]:
                continue
            if filters.get("max_price") and p["price"] > float(filters["max_price"]):
                continue
            out.append(p)
        if filters.get("sort") == "price":
            out.sort(key=lambda p: p["price"])
        return out

    def _search_form(self, q: str, f: Mapping[str, str]) -> str:
        def sel(name: str, label: str, values: list[str], shown: list[str] | None = None) -> str:
            opts = [("", "any"), *zip(values, shown or values)]
            return (
                f'<label for="f-{name}">{label}</label><select id="f-{name}" name="{name}">'
                f"{options_html(opts, f.get(name, ''))}</select><br>"
            )

        sizes = TOPS + BOTTOMS + SHOES
        return (
            '<form class="card" method="get" action="/shop/search">'
            f'<label for="f-q">Search</label><input id="f-q" name="q" type="search" value="{esc(q)}" '
            'placeholder="e.g. linen shirt"><br>'
            + sel("category", "Category", sorted(CATEGORIES))
            + sel("color", "Color", COLORS)
            + sel("material", "Material", sorted({m for _, ms, _ in CATEGORIES.values() for m in ms}))
            + sel("size", "Size", sizes)
            + sel("max_price", "Max price", [str(s) for s in PRICE_STEPS], [f"${s}" for s in PRICE_STEPS])
            + sel("sort", "Sort by", ["price"], ["price: low to high"])
            + '<button type="submit">Search</button></form>'
        )

    def home(self, req: Request, state: dict[str, Any]) -> Response:
        cats = "".join(
            f'<li><a href="{url("/shop/search", category=c)}">{c.capitalize()}</a></li>'
            for c in sorted(CATEGORIES)
        )
        body = (
            f"<h1>Welcome to the shop</h1>{self._search_form('', {})}"
            f"<h2>Browse by category</h2><ul>{cats}</ul>"
        )
        return Response.html(layout("Shop - Home", body, app=self))

    def search_page(self, req: Request, state: dict[str, Any]) -> Response:
        q = req.arg("q")
        keys = ("category", "color", "material", "size", "max_price", "sort")
        f = {k: req.arg(k) for k in keys}
        if f["max_price"] and not f["max_price"].replace(".", "", 1).isdigit():
            f["max_price"] = ""
        results = self.search(q, f)
        try:
            page = max(1, int(req.arg("page", "1")))
        except ValueError:
            page = 1
        n_pages = max(1, math.ceil(len(results) / PER_PAGE))
        page = min(page, n_pages)
        rows = "".join(
            f'<div class="card"><a href="/shop/product/{p["id"]}">{esc(p["name"])}</a>'
            f"<div>${p['price']:.2f} | {p['color']} | {p['material']} | sizes: {', '.join(p['sizes'])}"
            f" | rating {p['rating']}</div></div>"
            for p in results[(page - 1) * PER_PAGE : page * PER_PAGE]
        )
        pager = ""
        if page > 1:
            pager += f'<a href="{esc(url("/shop/search", q=q, **f, page=page - 1))}">Previous page</a> '
        if page < n_pages:
            pager += f'<a href="{esc(url("/shop/search", q=q, **f, page=page + 1))}">Next page</a>'
        body = (
            f"{self._search_form(q, f)}<h2>{len(results)} results (page {page} of {n_pages})</h2>"
            f"{rows or '<p>No products match.</p>'}<p>{pager}</p>"
        )
        return Response.html(layout("Shop - Search", body, app=self))

    # ---- product and cart ------------------------------------------------------------------------
    def product_page(self, req: Request, state: dict[str, Any], pid: str) -> Response:
        p = self.by_id.get(pid)
        if p is None:
            return self.not_found("product")
        sizes = options_html([(s, s) for s in p["sizes"]], "")
        body = (
            f'<h1>{esc(p["name"])}</h1><div class="card"><p>Price: ${p["price"]:.2f}</p>'
            f"<p>Color: {p['color']} | Material: {p['material']} | Category: {p['category']}</p>"
            f"<p>Rating: {p['rating']} / 5</p></div>"
            '<form class="card" method="post" action="/shop/cart/add" novalidate>'
            f'<input type="hidden" name="id" value="{p["id"]}">'
            f'<label for="size">Size</label><select id="size" name="size">{sizes}</select><br>'
            + input_field("qty", "Quantity", "1", "number")
            + f'<p id="total" data-price="{p["price"]:.2f}">Total: ${p["price"]:.2f} per item</p>'
            '<button type="submit">Add to cart</button></form>'
        )
        return Response.html(layout(f"Shop - {p['name']}", body, app=self, script=_TOTAL_JS))

    def cart_add(self, req: Request, state: dict[str, Any]) -> Response:
        p = self.by_id.get(req.arg("id"))
        size = req.arg("size")
        try:
            qty = int(req.arg("qty", "1"))
        except ValueError:
            qty = 0
        if p is None or size not in p["sizes"] or not 1 <= qty <= 9:
            body = (
                '<p class="alert" role="alert">Could not add to cart: pick a size and a quantity from 1 to 9.'
            )
            body += "</p>"
            return Response.html(layout("Shop - Error", body, app=self), 400)
        state["cart"].append({"id": p["id"], "size": size, "qty": qty})
        return Response.redirect("/shop/cart")

    def cart_remove(self, req: Request, state: dict[str, Any]) -> Response:
        with contextlib.suppress(ValueError, IndexError):
            del state["cart"][int(req.arg("index"))]
        return Response.redirect("/shop/cart")

    def _cart_total(self, cart: list[dict[str, Any]]) -> float:
        return round(sum(self.by_id[it["id"]]["price"] * it["qty"] for it in cart), 2)

    def cart_page(self, req: Request, state: dict[str, Any]) -> Response:
        rows = "".join(
            f"<tr><td>{esc(self.by_id[it['id']]['name'])}</td><td>{esc(it['size'])}</td><td>{it['qty']}</td>"
            f"<td>${self.by_id[it['id']]['price'] * it['qty']:.2f}</td>"
            '<td><form method="post" action="/shop/cart/remove">'
            f'<input type="hidden" name="index" value="{i}">'
            f'<button type="submit" aria-label="Remove item {i + 1}">Remove</button></form></td></tr>'
            for i, it in enumerate(state["cart"])
        )
        if rows:
            body = (
                "<h1>Your cart</h1><table><tr><th>Item</th><th>Size</th><th>Qty</th><th>Price</th><th></th>"
                "</tr>"
                f"{rows}</table><p>Subtotal: ${self._cart_total(state['cart']):.2f}</p>"
                '<p><a href="/shop/checkout">Proceed to checkout</a></p>'
            )
        else:
            body = (
                "<h1>Your cart</h1><p>Your cart is empty.</p>"
                '<p><a href="/shop/search">Continue shopping</a></p>'
            )
        return Response.html(layout("Shop - Cart", body, app=self))

    # ---- checkout --------------------------------------------------------------------------------
    def checkout_page(self, req: Request, state: dict[str, Any], errors: list[str] | None = None) -> Response:
        if not state["cart"]:
            return Response.redirect("/shop/cart")
        v = {k: req.arg(k) for k in ("name", "address", "shipping")}
        alert = "".join(f'<p class="alert" role="alert">{esc(e)}</p>' for e in errors or [])
        body = (
            f"<h1>Checkout</h1>{alert}<p>{len(state['cart'])} item(s), subtotal "
            f"${self._cart_total(state['cart']):.2f}</p>"
            '<form class="card" method="post" action="/shop/checkout" novalidate>'
            + input_field("name", "Full name", v["name"])
            + input_field("address", "Street address", v["address"])
            + select_field("shipping", "Shipping", [(s, s) for s in SHIPPING], v["shipping"] or "standard")
            + '<button type="submit">Place order</button></form>'
        )
        return Response.html(layout("Shop - Checkout", body, app=self), 400 if errors else 200)

    def place_order(self, req: Request, state: dict[str, Any]) -> Response:
        errors = []
        if not state["cart"]:
            errors.append("Your cart is empty.")
        if not req.arg("name"):
            errors.append("Full name is required.")
        if not req.arg("address"):
            errors.append("Street address is required.")
        if req.arg("shipping") not in SHIPPING:
            errors.append("Choose a shipping option.")
        if errors:
            return self.checkout_page(req, state, errors)
        number = len(state["orders"]) + 1
        state["orders"].append(
            {
                "number": number,
                "items": list(state["cart"]),
                "name": req.arg("name"),
                "address": req.arg("address"),
                "shipping": req.arg("shipping"),
                "total": self._cart_total(state["cart"]),
            }
        )
        state["cart"] = []
        return Response.redirect(f"/shop/order/{number}")

    def order_page(self, req: Request, state: dict[str, Any], number: str) -> Response:
        n = int(number)
        if not 1 <= n <= len(state["orders"]):
            return self.not_found("order")
        o = state["orders"][n - 1]
        items = "".join(
            f"<li>{esc(self.by_id[it['id']]['name'])}, size {esc(it['size'])}, qty {it['qty']}</li>"
            for it in o["items"]
        )
        body = (
            f'<h1>Order #{n} placed</h1><p class="ok">Thank you, {esc(o["name"])}! Your order ships '
            f"{esc(o['shipping'])} to {esc(o['address'])}.</p><ul>{items}</ul><p>Total: ${o['total']:.2f}</p>"
        )
        return Response.html(layout(f"Shop - Order {n}", body, app=self))
