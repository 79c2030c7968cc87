"""ui helpers that need no page: user text shown as written, whole numbers typed by a person."""

import re
import string

import pytest

import ui
from weightviz import experiment

HOSTILE = [
    "**bold** __under__ *it*",
    "[link](https://example.com) <https://x.org> www.example.com me@example.com",
    ":red[red] :material/warning: :smile:",
    "$x^2$ $$\\int$$ `code` ~~gone~~",
    "# heading\n- item\n1. item | a | b |",
    "<b>html</b> &amp; \\\\ back\\slash",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_escapes_every_markdown_character_and_keeps_the_text(text):
    shown = ui.plain(text)
    unescaped = re.sub(r"\\(.)", r"\1", shown, flags=re.S).replace(ui.WORD_JOINER, "")
    assert unescaped == text  # a Markdown renderer shows exactly what was written
    bare = re.sub(r"\\.", "", shown, flags=re.S)
    assert not set(bare) & set(string.punctuation)  # no punctuation left for Markdown to act on
    assert not re.search(r"(?i)https?:|www\.|\w@", shown.replace("\\", ""))  # nothing to autolink


@pytest.mark.parametrize(
    "text, value", [("5000", 5000), ("5,000", 5000), (" 5 000 ", 5000), ("5e3", 5000), ("1", 1), ("100000", 100_000)]
)
def test_parse_count_reads_whole_numbers_as_people_type_them(text, value):
    assert experiment.parse_count(text, 1, 100_000, "number of steps") == value


@pytest.mark.parametrize("text", ["1e12", "1e30", "0", "-5", "2.5", "lots", "", "nan", "inf"])
def test_parse_count_refuses_what_it_cannot_use_and_says_the_range(text):
    with pytest.raises(ValueError, match="whole number from 1 to 100,000"):
        experiment.parse_count(text, 1, 100_000, "number of steps")
