"""Parse a page's HTML into a small DOM, number its interactive elements, and render it as text.

Both backends go through this module, so a page reads the same whichever backend fetched it:

- the HTTP backend parses the server's HTML and numbers the interactive elements in document order;
- the Chromium backend first stamps ``data-rgid`` on the same elements in the live page (same order,
  same selector: :data:`INTERACTIVE_SELECTOR`), copies live form values into attributes, and this module
  reads the stamped ids.

The text rendering is accessibility-tree style: one line per interactive element, ``[12] link "Cart"``,
``[14] textbox "Full name" value=""``, ``[15] combobox "Size" value="M" options: S, M, L``, and the page's
text in reading order, with ``heading "..."`` and ``alert "..."`` lines. Everything is ASCII.

Example:
    >>> doc = parse_document('<title>T</title><h1>Hi</h1><a href="/x">Go</a><input aria-label="Name">', "/")
    >>> doc.render()
    ['heading "Hi"', '[1] link "Go"', '[2] textbox "Name" value=""']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["INTERACTIVE_SELECTOR", "Document", "Node", "ascii_text", "parse_document"]

INTERACTIVE_SELECTOR = "a[href], button, input:not([type=hidden]), select, textarea"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SKIP = {"script", "style", "head", "title", "template", "noscript"}
_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "form",
    "section",
    "header",
    "footer",
    "nav",
    "main",
    "article",
    "aside",
    "fieldset",
    "legend",
    "br",
    "hr",
    "dl",
    "dt",
    "dd",
    "body",
    "blockquote",
    "pre",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TRANSLATE = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
        "\t": " ",
        "\u00bb": ">>",
        "\u00ab": "<<",
    }
)


def ascii_text(text: str) -> str:
    """``text`` folded to printable ASCII (accents dropped, dashes and quotes simplified)."""
    text = text.translate(_TRANSLATE)
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _q(text: str, limit: int = 160) -> str:
    text = " ".join(ascii_text(text).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return '"' + text.replace('"', "'") + '"'


@dataclass(eq=False)
class Node:
    """An element (``tag``, ``attrs``, ``children``) or a text node (``tag == "#text"``)."""

    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    text: str = ""
    rid: int | None = None

    def iter(self) -> Iterator[Node]:
        """This node and its descendants in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def text_content(self) -> str:
        """Concatenated text of the subtree (scripts and styles excluded), whitespace collapsed."""
        parts = [n.text for n in self.iter() if n.tag == "#text" and not _in_skipped(n)]
        return " ".join(" ".join(parts).split())

    def ancestor(self, tag: str) -> Node | None:
        """Nearest ancestor with ``tag``."""
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    @property
    def input_type(self) -> str:
        """Lower-cased ``type`` of an input (``text`` by default); ``""`` for other tags."""
        return (self.attrs.get("type") or "text").lower() if self.tag == "input" else ""

    @property
    def role(self) -> str:
        """link, button, checkbox, radio, combobox or textbox (``""`` when not interactive)."""
        if self.tag == "a":
            return "link"
        if self.tag == "button" or self.input_type in ("submit", "button", "reset", "image"):
            return "button"
        if self.input_type in ("checkbox", "radio"):
            return self.input_type
        if self.tag == "select":
            return "combobox"
        if self.tag in ("input", "textarea"):
            return "textbox"
        return ""

    def options(self) -> list[tuple[str, str, Node]]:
        """``(value, label, node)`` of a select's options."""
        out = []
        for n in self.iter():
            if n.tag == "option":
                label = n.text_content()
                value = n.attrs.get("value")
                out.append((label if value is None else value, label, n))
        return out

    def value(self) -> str:
        """Current value of a form control (a select's selected option, a textarea's text)."""
        if self.tag == "select":
            opts = self.options()
            chosen = [v for v, _, n in opts if "selected" in n.attrs]
            return chosen[0] if chosen else (opts[0][0] if opts else "")
        if self.tag == "textarea":
            v = self.attrs.get("value")
            return self.text_content() if v is None else v
        return self.attrs.get("value") or ""

    @property
    def checked(self) -> bool:
        """Whether a checkbox or radio is checked."""
        return "checked" in self.attrs


def _in_skipped(node: Node) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in _SKIP:
            return True
        p = p.parent
    return False


def _inside_control(node: Node, stop: Node) -> bool:
    p = node.parent
    while p is not None and p is not stop:
        if p.tag in ("select", "textarea", "button", "option"):
            return True
        p = p.parent
    return False


def is_interactive(node: Node) -> bool:
    """The Python twin of :data:`INTERACTIVE_SELECTOR`."""
    if node.tag == "a":
        return "href" in node.attrs
    if node.tag == "input":
        return node.input_type != "hidden"
    return node.tag in ("button", "select", "textarea")


def is_hidden(node: Node) -> bool:
    """Hidden by ``hidden``, ``aria-hidden``, inline ``display:none``, or marked so by the browser."""
    a = node.attrs
    style = (a.get("style") or "").replace(" ", "").lower()
    return "hidden" in a or a.get("aria-hidden") == "true" or "display:none" in style or "data-rghidden" in a


def hidden_in_tree(node: Node) -> bool:
    """Whether ``node`` or one of its ancestors is hidden (see :func:`is_hidden`)."""
    n: Node | None = node
    while n is not None:
        if n.tag != "#text" and is_hidden(n):
            return True
        n = n.parent
    return False


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.stack[-1]
        if tag == "option" and parent.tag == "option":
            self.stack.pop()
            parent = self.stack[-1]
        node = Node(tag, dict(attrs), parent=parent)
        parent.children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.stack[-1]
        parent.children.append(Node(tag, dict(attrs), parent=parent))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        parent.children.append(Node("#text", parent=parent, text=data))


@dataclass(eq=False)
class Document:
    """A parsed page: its URL, HTTP status, title, DOM and interactive elements by id."""

    url: str
    root: Node
    status: int = 200
    title: str = ""
    elements: dict[int, Node] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)
    _lines: list[str] | None = None

    def element(self, rid: int) -> Node | None:
        """The interactive element ``[rid]``, or None."""
        return self.elements.get(rid)

    def invalidate(self) -> None:
        """Forget the cached rendering (after a form value changed)."""
        self._lines = None

    def label(self, node: Node) -> str:
        """Accessible name of a control: aria-label, ``<label for>``, wrapping label, placeholder, name."""
        a = node.attrs
        if a.get("aria-label"):
            return a["aria-label"] or ""
        if a.get("id") and a["id"] in self._labels:
            return self._labels[a["id"] or ""]
        wrap = node.ancestor("label")
        if wrap is not None:
            parts = [n.text for n in wrap.iter() if n.tag == "#text" and not _inside_control(n, wrap)]
            return " ".join(" ".join(parts).split())
        return a.get("placeholder") or a.get("name") or ""

    def describe(self, node: Node) -> str:
        """The one-line description of an interactive element."""
        role, rid = node.role, node.rid
        if role in ("link", "button"):
            name = node.attrs.get("aria-label") or node.text_content() or node.attrs.get("value") or ""
            return f"[{rid}] {role} {_q(name)}"
        label = _q(self.label(node))
        if role in ("checkbox", "radio"):
            return f"[{rid}] {role} {label} {'checked' if node.checked else 'not checked'}"
        if role == "combobox":
            opts = node.options()
            chosen = node.value()
            shown = [lab for v, lab, _ in opts if v == chosen]
            names = ", ".join(ascii_text(lab) for _, lab, _ in opts[:40]) + (
                ", ..." if len(opts) > 40 else ""
            )
            return f"[{rid}] combobox {label} value={_q(shown[0] if shown else chosen)} options: {names}"
        kind = node.input_type
        extra = (
            " multiline"
            if node.tag == "textarea"
            else (f" type={kind}" if kind not in ("text", "search") else "")
        )
        return f"[{rid}] textbox {label}{extra} value={_q(node.value(), 200)}"

    def render(self) -> list[str]:
        """The page as text lines (cached until :meth:`invalidate`)."""
        if self._lines is None:
            self._lines = _render(self)
        return self._lines


def _render(doc: Document) -> list[str]:
    lines: list[str] = []
    buf: list[str] = []
    labelled = set(doc._labels)

    def flush() -> None:
        text = " ".join(ascii_text(" ".join(buf)).split())
        buf.clear()
        if text:
            lines.append(text)

    def walk(node: Node) -> None:
        if node.tag == "#text":
            buf.append(node.text)
            return
        if node.tag in _SKIP or is_hidden(node):
            return
        if node.rid is not None:
            flush()
            lines.append(doc.describe(node))
            return
        if node.tag == "label" and node.attrs.get("for") in labelled:
            return  # its text names the control it points at
        role = node.attrs.get("role")
        if node.tag in _HEADINGS or role in ("alert", "status"):
            flush()
            kind = "heading" if node.tag in _HEADINGS else "alert"
            lines.append(f"{kind} {_q(node.text_content(), 300)}")
            for sub in node.iter():
                if sub.rid is not None and not is_hidden(sub):
                    lines.append(doc.describe(sub))
            return
        if node.tag == "tr":
            flush()
            cells = [c for c in node.children if c.tag in ("td", "th")]
            lines.append("row: " + " | ".join(ascii_text(c.text_content()) for c in cells))
            for sub in node.iter():
                if sub.rid is not None and not is_hidden(sub):
                    lines.append(doc.describe(sub))
            return
        block = node.tag in _BLOCK
        if block:
            flush()
        for child in node.children:
            walk(child)
        if block:
            flush()

    walk(doc.root)
    flush()
    return lines


def parse_document(html: str, url: str, status: int = 200) -> Document:
    """Parse ``html`` served at ``url`` and number its interactive elements.

    Elements already stamped with ``data-rgid`` (by the Chromium backend) keep that id; otherwise ids
    count up from 1 in document order.
    """
    builder = _Builder()
    builder.feed(html)
    builder.close()
    root = builder.root
    doc = Document(url=url, root=root, status=status)
    counter = 0
    for node in root.iter():
        if node.tag == "title" and not doc.title:
            doc.title = " ".join(ascii_text("".join(c.text for c in node.children)).split())
        elif node.tag == "label" and node.attrs.get("for"):
            doc._labels[node.attrs["for"] or ""] = node.text_content()
        if node.tag != "#text" and is_interactive(node):
            counter += 1
            stamped = node.attrs.get("data-rgid")
            node.rid = int(stamped) if stamped and stamped.isdigit() else counter
            doc.elements[node.rid] = node
    return doc
