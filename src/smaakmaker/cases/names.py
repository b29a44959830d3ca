# SPDX-License-Identifier: EUPL-1.2
"""Names of people in free text (pure: no Django, no database).

A processing activity of the covenant says whether names of residents may be recorded under it
(``ProcessingActivity.allows_names``). Where it may not, the register's services refuse free text
(signal descriptions, case summaries and notes, decision texts) that names a resident, and ask for an
explicit confirmation when a text merely *looks* like it holds a person's name. This module holds the
two detections; the services (``cases/services.py``) decide what to do with them.

1. :class:`ResidentNames` — the names of residents known in the register. A text is refused when it
   contains, case-insensitively and as whole words, a resident's full name or their surname (with its
   tussenvoegsels: "van der Berg", "Jansen-de Vries"). Parenthesised parts of a recorded name
   ("(demo)") are left out.

2. :func:`name_like_spans` — a heuristic for text that looks like a person's name:

   * a salutation (meneer, mevrouw, mevr., mw., dhr., de heer, juffrouw, familie, fam.) followed by a
     word that is not a common Dutch word ("mevrouw De Vries", "dhr. Jansen", "meneer jansen");
   * two or more capitalised words in a row, optionally joined by Dutch tussenvoegsels ("Jan Jansen",
     "Kees van der Berg", "J. Jansen", "De Vries"). Initials count as capitalised words.

   It tries not to fire on the first word of a sentence ("Harde muziek na 23 uur"): a capitalised
   common word is not a name word, and a single capitalised word is never enough. A run of capitalised
   words is no name when one of them is an organisation or place word or ends like a street or an area
   ("Woonstichting De Fictieve Haven", "Gemeente Voorbeeldstad", "Fictiefstraat", "Wijkteam
   Voorbeeldwijk").

Limits (why the heuristic only *asks* for a confirmation and the index only knows registered names):

* Names written in lower case or in capitals only ("jan jansen", "JAN JANSEN") are not recognised by
  the heuristic; a registered resident's name is still refused by the index in any case.
* A single word is never taken for a name ("Jansen belde") unless it follows a salutation or is a
  registered resident's surname.
* Two capitalised words that are not a name do ask for a confirmation: place names ("Amsterdam
  Nieuw-West"), brands and shops ("Albert Heijn"), titles, text typed in Title Case.
* The lists of common words, organisation words and street endings are short and Dutch; a surname
  that ends like a street ("Kerkhof", "Verlaan") inside a capitalised run hides that run.
* A registered surname that is also a common word is matched only as part of the full name when it is
  in the common-word list ("Een"); other such surnames ("Bakker", "de Boer") refuse texts that use the
  word ("de bakker op de hoek"). Rephrasing is the way out: the register does not guess.
* Refusal by the index tells the writer that someone of that name is a resident somewhere in the
  register (never where); the services log such refusals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Dutch (and a few foreign) tussenvoegsels, as words; sequences like "van der", "van 't" are made of them.
TUSSENVOEGSELS = frozenset(
    {"van", "de", "der", "den", "het", "t", "te", "ten", "ter", "von", "la", "le", "du", "da", "di", "del"}
)

#: Salutations that announce a name. "heer" only after "de" ("de heer Jansen").
SALUTATIONS = frozenset(
    {"meneer", "mevrouw", "mevr", "mw", "mvr", "dhr", "heer", "juffrouw", "mejuffrouw", "familie", "fam"}
)

#: Frequent Dutch words that start sentences or follow a salutation; a capitalised one is no name word.
COMMON_WORDS = _word_set(
    """
    aan achter al alle alleen als altijd andere ben bij binnen buiten daar daarna dan dat de deze die dit
    doe doen door dus een eerder elke en er ergens geen gisteren had heb hebben heeft hem hen het hier hij
    hoe hun ieder iedere ik in is ja je jij kan komen komt kunnen later maar me meer meerdere men met mij
    misschien mijn morgen na naar naast nee net niet niets nog nooit nu of ofwel om omdat ondanks onder ons
    ook op over regelmatig rond sinds soms steeds te tegen toch toen tot tussen twee drie vier vijf uit
    vaak van vanaf vanavond vandaag vanmiddag vanmorgen vannacht vanochtend vanwege veel verder verschillende
    via volgens voor vooral waar waarom wanneer was wat we weer wel werd wie wij wil worden wordt zal ze
    zeer zich zij zijn zo zoals zonder zou
    belde belt klaagt klaagde meldt meldde zegt zei zag ziet woont woonde vertelt vertelde geeft gaf
    heeft had wil wilde kwam komt gaat ging is was
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni juli
    augustus september oktober november december
    bewoner bewoners buren buurman buurvrouw melder melding huurder huurders eigenaar overlast
    nummer nr boven beneden hiernaast ernaast overkant zelf
    """
)

#: Words that make a capitalised run an organisation, institution or place rather than a person.
ORGANISATION_WORDS = _word_set(
    """
    gemeente politie wijkteam buurtteam stichting woonstichting woningcorporatie corporatie ggd ggz
    zorg welzijn ministerie provincie rechtbank brandweer ziekenhuis school bv nv vof eenheid handhaving
    wet opiumwet gemeentewet woningwet huisvestingswet
    """
)
#: Endings of street, area and organisation words ("Fictiefstraat", "Voorbeeldwijk", "Opiumwet").
ORGANISATION_ENDINGS = (
    "straat",
    "laan",
    "weg",
    "plein",
    "kade",
    "gracht",
    "singel",
    "steeg",
    "dreef",
    "pad",
    "hof",
    "plantsoen",
    "park",
    "buurt",
    "wijk",
    "stad",
    "dorp",
    "stichting",
    "corporatie",
    "team",
    "wet",
    "centrum",
)

_WORDS_RE = re.compile(r"[^\W\d_]+")
# Tokens of the heuristic: words (with inner hyphens or apostrophes), "'t"/"'s", numbers, punctuation.
_TOKEN_RE = re.compile(
    r"(?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)(?P<dot>\.)?|(?P<apos>['’][ts])(?![^\W\d_])|(?P<stop>[.!?;:\n])|(?P<other>\S)"
)
_PARENTHESES_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def words(text: str) -> list[str]:
    """The words of a text, case-folded; every non-letter separates words ("Jansen-de" → jansen, de)."""
    return [w.casefold() for w in _WORDS_RE.findall(text or "")]


def _surname(raw_tokens: list[str]) -> str:
    """The surname of a whitespace-split name: from its first tussenvoegsel on, else the last word (with
    the word before it when that one ends in a hyphenated part: "Jansen-de Vries")."""
    for index, token in enumerate(raw_tokens[1:], start=1):
        if token.casefold().strip("'’") in TUSSENVOEGSELS:
            return " ".join(raw_tokens[index:])
    if len(raw_tokens) >= 2 and "-" in raw_tokens[-2]:
        return " ".join(raw_tokens[-2:])
    return raw_tokens[-1]


def name_keys(name: str) -> set[tuple[str, ...]]:
    """The word sequences that identify a recorded name in text: the full name and the surname.

    A one-word surname shorter than three letters or in :data:`COMMON_WORDS` is left out (it would refuse
    ordinary sentences); the full name still counts.
    """
    raw = _PARENTHESES_RE.sub(" ", name or "").split()
    raw = [token for token in raw if words(token)]
    if not raw:
        return set()
    keys: set[tuple[str, ...]] = set()
    full = tuple(words(" ".join(raw)))
    surname = tuple(words(_surname(raw)))
    for key in {full, surname}:
        if len(key) == 1 and (len(key[0]) < 3 or key[0] in COMMON_WORDS or key[0] in TUSSENVOEGSELS):
            continue
        if key and not all(word in TUSSENVOEGSELS for word in key):
            keys.add(key)
    return keys


class ResidentNames:
    """An index of residents' names; ``in_text`` finds one as whole words, case-insensitively."""

    def __init__(self, names: Iterable[str] = ()):
        self._keys: set[tuple[str, ...]] = set()
        self._longest = 0
        for name in names:
            for key in name_keys(name):
                self._keys.add(key)
                self._longest = max(self._longest, len(key))

    def __len__(self) -> int:
        return len(self._keys)

    def in_text(self, text: str) -> bool:
        if not self._keys or not text:
            return False
        found = words(text)
        for start in range(len(found)):
            for length in range(1, min(self._longest, len(found) - start) + 1):
                if tuple(found[start : start + length]) in self._keys:
                    return True
        return False


@dataclass(frozen=True)
class _Token:
    text: str
    kind: str  # word, stop, other
    dotted: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        if match.group("word"):
            word = match.group("word")
            dotted = bool(match.group("dot"))
            tokens.append(_Token(word, "word", dotted))
            # A period after a word ends the sentence unless the word is an initial or an abbreviation.
            if dotted and len(word) > 1 and word.casefold() not in SALUTATIONS:
                tokens.append(_Token(".", "stop"))
        elif match.group("apos"):
            tokens.append(_Token(match.group("apos")[1:], "word"))
        elif match.group("stop"):
            tokens.append(_Token(match.group("stop"), "stop"))
        else:
            tokens.append(_Token(match.group("other"), "other"))
    return tokens


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or not word.isupper())


def _is_organisation(word: str) -> bool:
    folded = word.casefold()
    if folded in ORGANISATION_WORDS:
        return True
    return any(folded.endswith(end) and len(folded) >= len(end) + 3 for end in ORGANISATION_ENDINGS)


def _is_joiner(token: _Token) -> bool:
    return token.kind == "word" and token.text.casefold() in TUSSENVOEGSELS and not token.dotted


def _is_initial(token: _Token) -> bool:
    return token.kind == "word" and len(token.text) == 1 and token.text.isupper() and token.dotted


def _name_word(token: _Token) -> bool:
    """A capitalised word that could be part of a name (or an initial such as "J.")."""
    if token.kind != "word":
        return False
    if _is_initial(token):
        return True
    word = token.text
    return (
        len(word) >= 2
        and _capitalised(word)
        and word.casefold() not in COMMON_WORDS
        and word.casefold() not in TUSSENVOEGSELS
        and word.casefold() not in SALUTATIONS
    )


def _salutation_spans(tokens: list[_Token]) -> list[str]:
    spans = []
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text.casefold() not in SALUTATIONS:
            continue
        if token.text.casefold() == "heer" and (index == 0 or tokens[index - 1].text.casefold() != "de"):
            continue
        following = index + 1
        while following < len(tokens) and _is_joiner(tokens[following]):
            following += 1
        if following >= len(tokens) or tokens[following].kind != "word":
            continue
        word = tokens[following].text
        folded = word.casefold()
        # After a tussenvoegsel only a capitalised word ("mevrouw de Vries", not "mevrouw van de overkant").
        if following > index + 1 and not _capitalised(word):
            continue
        if (
            len(word) >= 2
            and folded not in COMMON_WORDS
            and folded not in SALUTATIONS
            and not _is_organisation(word)
        ):
            spans.append(" ".join(t.text for t in tokens[index : following + 1]))
    return spans


def _run_spans(tokens: list[_Token]) -> list[str]:
    """Runs of capitalised words (joined by tussenvoegsels) with at least two capitalised words."""
    spans = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not (_name_word(token) or (_is_joiner(token) and _capitalised(token.text))):
            index += 1
            continue
        run: list[_Token] = []
        organisation = False
        while index < len(tokens):
            token = tokens[index]
            if _name_word(token):
                organisation = organisation or _is_organisation(token.text)
                run.append(token)
            elif _is_joiner(token):
                run.append(token)
            elif token.kind == "word" and _capitalised(token.text) and _is_organisation(token.text):
                organisation = True
                run.append(token)
            else:
                break
            if token.dotted and not _is_initial(token):
                index += 1
                break
            index += 1
        while run and _is_joiner(run[-1]):
            run.pop()
        capitals = [t for t in run if _capitalised(t.text)]
        if not organisation and len(capitals) >= 2 and any(_name_word(t) for t in run):
            spans.append(" ".join(t.text + ("." if _is_initial(t) else "") for t in run))
    return spans


def name_like_spans(text: str) -> list[str]:
    """The parts of ``text`` that look like a person's name (see the module docstring for the rules)."""
    # A run needs two capitalised words, so two capital letters; without them only a salutation can
    # make a name (a cheap test first: bulk files check every description).
    if not text or (sum(map(str.isupper, text)) < 2 and not _has_salutation(text)):
        return []
    tokens = _tokens(text)
    return _salutation_spans(tokens) + _run_spans(tokens)


def _has_salutation(text: str) -> bool:
    return any(word in SALUTATIONS for word in words(text))


def looks_like_name(text: str) -> bool:
    return bool(name_like_spans(text))
