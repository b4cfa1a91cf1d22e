"""Page parsing and text rendering, and the action parser, of the web envs."""

from __future__ import annotations

import pytest

from rewardgym.envs.web.actions import Action, ActionSyntaxError, parse_action
from rewardgym.envs.web.dom import ascii_text, parse_document
from rewardgym.errors import InvalidActionError

PAGE = """<!DOCTYPE html><html><head><title>Form \u2014 test</title><style>p{}</style></head><body>
<h1>Caf\u00e9 booking</h1>
<p>Some <b>bold</b> text.</p>
<form><label for="n">Name</label><input id="n" name="n" value="Ana">
<label>Nights <select name="k"><option value="1">one</option>
<option value="2" selected>two</option></select></label>
<input type="hidden" name="secret" value="x">
<input type="checkbox" id="c" name="c" checked><label for="c">Breakfast</label>
<input type="radio" id="r1" name="r" value="a"><label for="r1">Twin</label>
<textarea aria-label="Notes">hello</textarea>
<button type="submit">Go</button></form>
<div hidden><a href="/secret">Hidden link</a></div>
<div style="display: none">gone</div>
<table><tr><th>Room</th><th>Rate</th></tr><tr><td>Suite</td><td>$200</td></tr></table>
<p role="alert">Fix the dates</p>
<a href="/next">Next &raquo;</a><script>var x = "<b>not text</b>";</script>
</body></html>"""


def test_render_is_an_accessibility_tree_with_ids_in_document_order() -> None:
    doc = parse_document(PAGE, "http://127.0.0.1:1/x")
    assert doc.title == "Form - test"
    assert doc.render() == [
        'heading "Cafe booking"',
        "Some bold text.",
        '[1] textbox "Name" value="Ana"',
        "Nights",
        '[2] combobox "Nights" value="two" options: one, two',
        '[3] checkbox "Breakfast" checked',
        '[4] radio "Twin" not checked',
        '[5] textbox "Notes" multiline value="hello"',
        '[6] button "Go"',
        "row: Room | Rate",
        "row: Suite | $200",
        'alert "Fix the dates"',
        '[8] link "Next >>"',
    ]
    assert doc.element(7).attrs["href"] == "/secret", "hidden elements keep their id but are not shown"
    assert doc.element(2).value() == "2" and doc.element(5).value() == "hello"


def test_stamped_ids_from_the_browser_win() -> None:
    doc = parse_document('<a href="/a" data-rgid="4">A</a><button data-rgid="9">B</button>', "/")
    assert doc.render() == ['[4] link "A"', '[9] button "B"'] and doc.element(9).tag == "button"


def test_values_are_quoted_and_cut() -> None:
    doc = parse_document(f'<input aria-label="Q" value=\'say "hi" {"x" * 300}\'>', "/")
    line = doc.render()[0]
    assert (
        line.startswith('[1] textbox "Q" value="say \'hi\' xxx') and line.endswith('..."') and len(line) < 240
    )


def test_ascii_text_folds_unicode() -> None:
    assert ascii_text("na\u00efve \u201cquote\u201d \u2013 \u20ac5") == 'naive "quote" - 5'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("click(12)", Action("click", (12,))),
        ("  click( '12' ) ", Action("click", (12,))),
        ("CLICK([3])", Action("click", (3,))),
        ('type(4, "a, b")', Action("type", (4, "a, b"))),
        ("select(2, 'two')", Action("select", (2, "two"))),
        ('scroll("down")', Action("scroll", ("down",))),
        ("goto('/shop/')", Action("goto", ("/shop/",))),
        ("back()", Action("back", ())),
        ('answer("B-204");', Action("answer", ("B-204",))),
    ],
)
def test_parse_action(text: str, expected: Action) -> None:
    assert parse_action(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "click",
        "click(a)",
        "click(1, 2)",
        "type(1)",
        'type("x", "y")',
        "run()",
        "type(1, x y)",
        "click(__import__('os'))",
        "select(1, b=2)",
        None,
    ],
)
def test_parse_action_rejects_with_a_clear_message(text) -> None:
    with pytest.raises(ActionSyntaxError) as info:
        parse_action(text)
    assert (
        isinstance(info.value, InvalidActionError) and "click(id)" in str(info.value)
    ) or "expects" in str(info.value)
