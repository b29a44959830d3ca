# SPDX-License-Identifier: EUPL-1.2
"""The pure detection of names in free text (``cases/names.py``): table tests and properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smaakmaker.cases import names

FIRST_NAMES = ("Jan", "Kees", "Anna", "Fatima", "Mohamed", "Sanne", "Piet", "Ilse", "Özlem", "J.")
SURNAMES = ("Jansen", "Vries", "Berg", "Pietersen", "Yilmaz", "Bakker", "Hoekstra", "Çelik")
TUSSENVOEGSELS = ("", "van", "de", "van der", "van den", "ter", "van 't")
# Lower-case words from signal texts (and the first words of sentences, capitalised below).
VOCABULARY = (
    "harde",
    "muziek",
    "na",
    "uur",
    "overlast",
    "afval",
    "naast",
    "de",
    "container",
    "bij",
    "portiek",
    "geluid",
    "in",
    "nacht",
    "buren",
    "klagen",
    "hennepgeur",
    "op",
    "dak",
    "veel",
    "bezoek",
    "tuin",
    "gevel",
    "verwaarloosd",
    "het",
    "een",
    "van",
    "nummer",
)


@pytest.mark.parametrize(
    "text",
    [
        "Harde muziek na 23 uur, Jan Jansen uit nr 5",
        "mevrouw De Vries belde",
        "Mevrouw de Vries belde",
        "dhr. Jansen was niet thuis",
        "mw. Pietersen vraagt om hulp",
        "Gesproken met de heer Bakker.",
        "meneer jansen klaagt",
        "Kees van der Berg en zijn buurman",
        "Afspraak met J. Jansen gemaakt",
        "Bij De Vries aangebeld",
        "Gisteren Anna Jansen-de Vries gezien",
        "Piet van 't Hof woont er",
        "familie Yilmaz",
    ],
)
def test_text_that_looks_like_a_name(text):
    assert names.looks_like_name(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Harde muziek na 23 uur",
        "Harde muziek na 23 uur, bewoner van nr 5",
        "Overlast bij Fictiefstraat 5",
        "Afval naast de container op de Verzinselkade",
        "In Amsterdam overlast gemeld",
        "Melding van Woonstichting De Fictieve Haven (demo)",
        "Gemeente Voorbeeldstad en Politie Eenheid Voorbeeld (demo) in overleg",
        "Wijkteam Voorbeeldwijk gaat op huisbezoek",
        "Woningcorporatie Verzonnen Wonen meldt huurachterstand",
        "Waarschuwing overlast (Gemeentewet 151d)",
        "Wmo 2015 art. 2.3.2; Wgs art. 3",
        "Wet Bibob toegepast",
        "Mevrouw klaagt over geluid",
        "mevrouw van de overkant belde",
        "Gesproken met Jansen. Pieter kwam ook.",
        "GGD en BOA samen langs",
        "Op maandag en Dinsdag overlast",
        "casus-A1",
        "",
    ],
)
def test_text_that_does_not_look_like_a_name(text):
    assert not names.looks_like_name(text), (text, names.name_like_spans(text))


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Jan Jansen", "Harde muziek na 23 uur, Jan Jansen uit nr 5", True),
        ("Jan Jansen", "harde muziek, JAN JANSEN", True),
        ("Jan Jansen", "meneer jansen klaagt", True),  # the surname alone
        ("Jan Jansen", "de Jansens klagen", False),  # word boundaries
        ("Jan Jansen", "Jansenstraat 4", False),
        ("Kees van der Berg", "gesproken met Van der Berg", True),
        ("Kees van der Berg", "de berg afval", False),  # the surname is "van der Berg"
        ("Anna Jansen-de Vries", "mevrouw Jansen-de Vries", True),
        ("Anna Jansen-de Vries", "mevrouw De Vries", False),
        ("Bewoner Een (demo)", "een bewoner meldt een lekkage", False),  # "Een" is a common word
        ("Bewoner Een (demo)", "Bewoner Een belde", True),
        ("Bewoner A. Fictief (demo)", "overlast bij Fictief", True),
        ("Bewoner A. Fictief (demo)", "Fictiefstraat 5", False),
        ("", "Jan Jansen", False),
    ],
)
def test_resident_names_are_found_as_whole_words_in_any_case(name, text, found):
    assert names.ResidentNames([name]).in_text(text) is found


def test_name_keys_leave_out_parentheses_and_common_words():
    assert names.name_keys("Bewoner Een (demo)") == {("bewoner", "een")}
    assert names.name_keys("Kees van der Berg") == {("kees", "van", "der", "berg"), ("van", "der", "berg")}
    assert names.name_keys("(demo)") == set()


def test_module_is_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(names))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "re", "collections", "dataclasses"}, imported


sentences = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12)


@st.composite
def full_names(draw) -> str:
    tussen = draw(st.sampled_from(TUSSENVOEGSELS))
    parts = [draw(st.sampled_from(FIRST_NAMES)), tussen, draw(st.sampled_from(SURNAMES))]
    return " ".join(part for part in parts if part)


@given(words=sentences, capitalise=st.booleans())
def test_ordinary_sentences_ask_nothing(words, capitalise):
    """Lower-case signal vocabulary, optionally with a capitalised first word, never looks like a name."""
    text = " ".join(words)
    if capitalise:
        text = text[:1].upper() + text[1:]
    assert not names.looks_like_name(text), text


@given(before=sentences, after=sentences, name=full_names())
@example(before=["harde", "muziek", "na", "uur"], after=["uit", "nummer"], name="Jan Jansen")
def test_a_name_in_a_sentence_is_noticed(before, after, name):
    text = " ".join([*before, name, *after])
    assert names.looks_like_name(text), text


@given(before=sentences, after=sentences, name=full_names(), shout=st.booleans())
def test_a_registered_name_is_found_wherever_and_however_written(before, after, name, shout):
    written = name.upper() if shout else name.lower()
    text = " ".join([*before, written, *after])
    assert names.ResidentNames([name]).in_text(text)


@given(words=sentences, name=full_names())
def test_a_registered_name_glued_to_other_letters_is_not_found(words, name):
    surname = name.split()[-1]
    text = " ".join(words) + f" {surname}straat x{surname.lower()}"
    assert not names.ResidentNames([name]).in_text(text), text
