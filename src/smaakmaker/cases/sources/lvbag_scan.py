# SPDX-License-Identifier: EUPL-1.2
"""A byte-level scanner of one LVBAG part file of nummeraanduidingen or verblijfsobjecten: the values
``lvbag._scan_part`` reads, without building lxml elements (ADR 0026). No Django here.

It covers what Kadaster writes: UTF-8, the namespaces declared once on the root element (found by
their URIs, whatever prefix the file gives them), the fields as elements holding only text, the
references as containers holding only ``…Ref`` elements, a point as ``gml:pos``. It returns ``None``
— and the caller parses the file with lxml ``iterparse`` as before — for anything else it meets:
another encoding, a DOCTYPE (entities), a comment, CDATA or processing instruction, an entity or
character reference, a namespace declared below the root, a default namespace, a field or reference
container of another shape, a polygon (``posList``), an object that does not end, something after the
last object or a file that does not end with the root's end tag (truncated), or text that is not
UTF-8. Every value then reaches the same ``object_row`` as the lxml reader's, so rows, headers and
problems are the same for files as Kadaster's XSDs define them (tested against the lxml reader).

Not checked, unlike libxml2 (ADR 0026): the well-formedness of elements it skips (a missing end tag of
an element it does not read), a field it reads written in another namespace or without a prefix (it is
not seen; lxml's ``{*}`` would take it), a field between two objects, and headers in another selecties
namespace. Kadaster's XSDs allow none of these; a file that has them may read differently than lxml.

The file is read in blocks of ``BLOCK`` bytes, cut after the last complete object: never whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO

BLOCK = 1 << 22
#: the most read to find the root element's start tag
PROLOG = 1 << 20

OBJECTEN = b"www.kadaster.nl/schemas/lvbag/imbag/objecten/v20200601"
HISTORIE = b"www.kadaster.nl/schemas/lvbag/imbag/historie/v20200601"
GML = b"http://www.opengis.net/gml/3.2"
SELECTIES = b"http://www.kadaster.nl/schemas/lvbag/extract-selecties/v20200601"

#: the namespace of every field read (by local name), as Kadaster's XSDs define them
_FIELD_NAMESPACE = {
    "identificatie": OBJECTEN,
    "voorkomen": OBJECTEN,
    "voorkomenidentificatie": HISTORIE,
    "beginGeldigheid": HISTORIE,
    "eindGeldigheid": HISTORIE,
    "eindRegistratie": HISTORIE,
    "status": OBJECTEN,
    "huisnummer": OBJECTEN,
    "huisletter": OBJECTEN,
    "huisnummertoevoeging": OBJECTEN,
    "postcode": OBJECTEN,
    "ligtAan": OBJECTEN,
    "ligtIn": OBJECTEN,
    "heeftAlsHoofdadres": OBJECTEN,
    "heeftAlsNevenadres": OBJECTEN,
    "gebruiksdoel": OBJECTEN,
    "pos": GML,
    "posList": GML,
}
_CONTAINERS = ("ligtAan", "ligtIn", "heeftAlsHoofdadres", "heeftAlsNevenadres")
_HEADER_NAMESPACE = SELECTIES
_OBJECTS = ("Nummeraanduiding", "Verblijfsobject")

_NAME = rb"[A-Za-z_][\w.\-]*"
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml(?P<attrs>[^?]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"\s*<(" + _NAME + rb"(?::" + _NAME + rb")?)((?:\s[^>]*)?)>")
_XMLNS = re.compile(rb"""\sxmlns(?::(""" + _NAME + rb"""))?\s*=\s*(["'])(.*?)\2""", re.S)
_REF = re.compile(rb"\s*<(" + _NAME + rb"(?::" + _NAME + rb")?)(?:\s[^<>]*[^/<>])?>([^<]*)</\1\s*>")
#: bytes that end a tag's name
_NAME_END = frozenset(b" \t\r\n/>")
_LEAVES = {
    OBJECTEN: (
        "identificatie",
        "status",
        "huisnummer",
        "huisletter",
        "huisnummertoevoeging",
        "postcode",
        "gebruiksdoel",
    ),
    HISTORIE: ("voorkomenidentificatie", "beginGeldigheid", "eindGeldigheid", "eindRegistratie"),
}


class _Unsupported(Exception):
    """Something the scanner does not cover: the caller reads the file with lxml."""


def _leaf_pattern(prefix: bytes, names: tuple[str, ...], containers: tuple[str, ...] = ()) -> re.Pattern:
    """Start tags of these elements (with the file's prefix of their namespace): (name, attributes,
    text, the end tag when it follows the text); and of the reference containers: (container,
    attributes, the text of its one reference, the container's end tag when the container holds
    exactly that one reference)."""
    quoted = re.escape(prefix)
    pattern = (
        b"<"
        + quoted
        + b":(?:("
        + b"|".join(n.encode() for n in sorted(names, key=len, reverse=True))
        + rb")(?=[\s/>])([^>]*)>([^<]*)(</"
        + quoted
        + rb":\1\s*>)?"
    )
    if containers:
        pattern += (
            b"|(" + b"|".join(n.encode() for n in containers) + rb")(?=[\s/>])([^>]*)>"
            rb"(?:\s*<("
            + _NAME
            + b":"
            + _NAME
            + rb")(?:\s[^<>]*[^/<>])?>([^<]*)</\7\s*>\s*(</"
            + quoted
            + rb":\5\s*>))?"
        )
    return re.compile(pattern + b")")


def _references(data: bytes, at: int, tag: bytes, close: bytes) -> tuple[list[str], int]:
    """The references of the container whose start tag ``tag`` is at ``at``: the text of each child
    (what the lxml reader takes: every child element's text, stripped), and where the container
    ends. Anything but reference elements inside → unsupported."""
    after = data.find(b">", at + len(tag))
    attributes = data[at + len(tag) : after]
    if attributes.strip():
        if attributes.rstrip().endswith(b"/") and b"=" not in attributes:
            return [], after + 1  # an empty container
        raise _Unsupported
    stop = data.find(close, after)
    if stop < 0:
        raise _Unsupported
    content = data[after + 1 : stop]
    refs, position = [], 0
    for match in _REF.finditer(content):
        if match.start() != position:
            raise _Unsupported
        refs.append(match.group(2).decode().strip())
        position = match.end()
    if content[position:].strip():
        raise _Unsupported
    return refs, stop + len(close)


def _starts(data: bytes, tag: bytes, low: int) -> list[int]:
    """Where the start tags ``tag`` (followed by whitespace, "/" or ">") are, from ``low``."""
    found = []
    while (at := data.find(tag, low)) >= 0:
        low = at + len(tag)
        if data[low] in _NAME_END:
            found.append(at)
    return found


def scan(
    stream: IO[bytes],
    *,
    element: str,
    fields: tuple[str, ...],
    header: tuple[str, ...],
    on: str,
    name: str,
    object_row: Callable,
    number_object: bool,
) -> tuple[list[tuple], list[tuple[str, str]], list[tuple[str, str]]] | None:
    """(rows, headers, problems) of one NUM or VBO part file, as ``lvbag._scan_part`` gives them, or
    None when the file holds something this scanner does not cover (the caller parses it with lxml)."""
    if element not in _OBJECTS:
        return None
    try:
        return _scan(stream, element, fields, header, on, name, object_row, number_object)
    except (_Unsupported, UnicodeDecodeError, IndexError, ValueError):
        return None


def _prolog(buffer: bytes) -> tuple[dict[bytes, bytes], bytes, int]:
    """The namespaces declared on the root (URI → prefix), the root's name and where its start tag
    ends; unsupported for another encoding, a default namespace or one URI under two prefixes."""
    declaration = _DECLARATION.match(buffer)
    start = 0
    if declaration is not None:
        encoding = _ENCODING.search(declaration.group("attrs"))
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _Unsupported
        start = declaration.end()
    elif buffer[:1] != b"<" and not buffer.startswith(b"\xef\xbb\xbf<"):
        raise _Unsupported  # another encoding (UTF-16), or not XML
    root = _ROOT.match(buffer, start)
    if root is None:
        raise _Unsupported
    prefixes: dict[bytes, bytes] = {}
    declarations = root.group(2)
    for prefix, _quote, uri in _XMLNS.findall(declarations):
        if not prefix or uri in prefixes:
            raise _Unsupported
        prefixes[uri] = prefix
    if declarations.count(b"xmlns") != len(prefixes):
        raise _Unsupported
    if any(namespace not in prefixes for namespace in (OBJECTEN, HISTORIE, GML)):
        raise _Unsupported
    return prefixes, root.group(1), root.end()


def _value(attributes: bytes, text: bytes, closed: bytes) -> str | None:
    """The text of a field element as lxml gives it (None when empty), or unsupported."""
    if attributes:
        if attributes.strip() == b"/":
            return None  # an empty-element tag
        if attributes.endswith(b"/") or attributes.count(b'"') & 1 or attributes.count(b"'") & 1:
            raise _Unsupported  # a ">" inside an attribute value
    if not closed:
        raise _Unsupported  # an element inside a field
    return text.decode() or None


def _scan(stream, element, fields, header, on, name, object_row, number_object):
    buffer = stream.read(BLOCK)
    while len(buffer) < PROLOG and _ROOT.search(buffer) is None and (more := stream.read(BLOCK)):
        buffer += more  # the root's start tag, with the namespaces, whole
    prefixes, root_name, position = _prolog(buffer)
    objecten = prefixes[OBJECTEN]
    names = ("ligtAan", "ligtIn") if number_object else ("heeftAlsHoofdadres", "heeftAlsNevenadres")
    objecten_tokens = _leaf_pattern(objecten, (*_LEAVES[OBJECTEN], "voorkomen"), names).findall
    historie_tokens = _leaf_pattern(prefixes[HISTORIE], _LEAVES[HISTORIE]).findall
    slot = {local.encode(): fields.index(local) for local in _FIELD_NAMESPACE}
    uses_slot = slot[b"gebruiksdoel"]
    side_name = b"heeftAlsNevenadres"
    pos = b"<" + prefixes[GML] + b":pos"
    containers = [
        (
            fields.index(local),
            b"<" + objecten + b":" + local.encode(),
            b"</" + objecten + b":" + local.encode() + b">",
        )
        for local in names
    ]
    side_slot = fields.index("heeftAlsNevenadres")
    pos_slot = fields.index("pos")
    start_tag = b"<" + objecten + b":" + element.encode()
    end_tag = b"</" + objecten + b":" + element.encode() + b">"
    selecties = prefixes.get(SELECTIES)
    size = len(fields)
    rows: list[tuple] = []
    headers: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    first, eof = True, False
    while True:
        cut = buffer.rfind(end_tag, position)
        if cut < 0 and not eof:
            more = stream.read(BLOCK)
            if more:
                buffer = buffer[position:] + more
                position = 0
                continue
            eof = True
        cut = len(buffer) if eof else cut + len(end_tag)
        region = buffer[position:cut]
        if b"&" in region or b"xmlns" in region or b"posList" in region:
            raise _Unsupported  # entities, namespaces declared below the root, polygons
        if (b"!" in region and b"<!" in region) or (b"?" in region and b"<?" in region):
            raise _Unsupported  # comments, CDATA, a DOCTYPE, processing instructions
        pieces = region.split(end_tag)
        if first:
            first = False
            prolog = pieces[0].split(start_tag, 1)[0]
            if selecties is not None:
                on = _headers(prolog, selecties, header, headers, on)
        last = len(pieces) - 1
        for number, piece in enumerate(pieces):
            if number == last:
                if eof:
                    tail = piece.strip()
                    if (
                        start_tag in piece
                        or not tail.endswith(b"</" + root_name + b">")
                        or b"<" in tail.replace(b"</", b"")
                    ):
                        raise _Unsupported  # something after the last object, or a truncated file
                break
            begin = piece.find(start_tag)
            if begin < 0 or piece.find(start_tag, begin + 1) >= 0:
                raise _Unsupported
            begin += len(start_tag)
            if piece[begin] != 62:  # ">": attributes on the object
                raise _Unsupported
            values = [None] * size
            uses: list[str] = []
            side: list[str] = []
            irregular = False
            for leaf, attributes, text, closed, container, c_attributes, _r, ref, c_closed in objecten_tokens(
                piece, begin
            ):
                if leaf:
                    index = slot[leaf]
                    if index == 1:  # the voorkomen (its content is read by the Historie tokens)
                        values[1] = True
                        continue
                    value = (
                        text.decode() or None
                        if closed and not attributes
                        else _value(attributes, text, closed)
                    )
                    if index == uses_slot:
                        uses.append((value or "").strip())
                    else:
                        values[index] = value
                elif c_closed and not c_attributes:
                    if container == side_name:
                        side.append(ref.decode().strip())
                    else:
                        values[slot[container]] = [ref.decode().strip()]
                else:
                    irregular = True  # more than one reference, or another shape: read them one by one
            if irregular:
                side = []
                for index, tag, close in containers:
                    for at in _starts(piece, tag, begin):
                        refs, _end = _references(piece, at, tag, close)
                        if index == side_slot:
                            side.extend(refs)
                        else:
                            values[index] = refs
            for leaf, attributes, text, closed in historie_tokens(piece, begin):
                values[slot[leaf]] = (
                    text.decode() or None if closed and not attributes else _value(attributes, text, closed)
                )
            if not number_object:
                at = piece.find(pos, begin)
                while at >= 0 and piece[at + len(pos)] not in _NAME_END:
                    at = piece.find(pos, at + 1)
                if at >= 0:
                    after = piece.find(b">", at)
                    if piece[after - 1] != 47:  # "/"
                        values[pos_slot] = piece[after + 1 : piece.find(b"<", after)].decode() or None
            row = object_row(number_object, values, side, uses, on, problems, name)
            if row is not None:
                rows.append(row)
        if eof:
            break
        position = cut
        more = stream.read(BLOCK)
        if not more:
            eof = True
        buffer = buffer[position:] + more
        position = 0
    return rows, headers, problems


def _headers(prolog: bytes, selecties: bytes, header, headers: list, on: str) -> str:
    """The header values before the first object, in the order their elements end (as the lxml
    reader meets them: a GemeenteIdentificatie before the Gebied-GEM holding it)."""
    found = []
    for index, local in enumerate(header):
        tag = b"<" + selecties + b":" + local.encode()
        for at in _starts(prolog, tag, 0):
            after = prolog.find(b">", at + len(tag))
            if prolog[after - 1] == 47:  # "/": an empty-element tag
                found.append((after, index, ""))
                continue
            end = prolog.find(b"</" + tag[1:], after)
            if end < 0:
                raise _Unsupported
            found.append((end, index, prolog[after + 1 : prolog.find(b"<", after)].decode().strip()))
    for _end, index, value in sorted(found):
        headers.append((header[index], value))
        if index == 0 and value and not on:
            on = value[:10]
    return on
