# SPDX-License-Identifier: EUPL-1.2
"""Strict input (smaakmaker.api.fields): every field takes exactly what the OpenAPI document says.

No coercion in JSON bodies (12 is not a string, 0 not a boolean, "12" not an integer), text checked as
sent (white space only is blank, lengths and patterns apply before the spaces around it are removed),
canonical UUIDs and dates, text-only query values parsed by their documented form; and the document
says so (``pattern: \\S``, ``anyOf``/``oneOf`` of required fields, bounds of lists of objects)."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from smaakmaker.api.query import QuerySerializer


class Body(serializers.Serializer):
    text = serializers.CharField(max_length=4, required=False)
    optional_text = serializers.CharField(max_length=4, required=False, allow_blank=True)
    code = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    flag = serializers.BooleanField(required=False)
    number = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    ref = serializers.UUIDField(required=False)
    day = serializers.DateField(required=False)
    choice = serializers.ChoiceField(choices=["a", "1"], required=False)
    texts = serializers.ListField(child=serializers.CharField(max_length=3), required=False)


class Query(QuerySerializer):
    number = serializers.IntegerField(required=False)
    flag = serializers.BooleanField(required=False)
    ratio = serializers.FloatField(required=False)
    text = serializers.CharField(max_length=4, required=False)


UUID = "0a6e2b0c-52f4-4a3c-9f0e-1d2c3b4a5f60"


def _errors(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    assert not serializer.is_valid()
    return serializer.errors


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    assert serializer.is_valid(), serializer.errors
    return dict(serializer.validated_data)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("text", 12),
        ("text", 1.5),
        ("text", True),
        ("code", 12),
        ("flag", 0),
        ("flag", 1),
        ("flag", "true"),
        ("flag", "yes"),
        ("number", "12"),
        ("number", 12.0),
        ("number", True),
        ("ratio", "1.5"),
        ("ratio", False),
        ("ref", 12345),
        ("ref", UUID.replace("-", "")),
        ("ref", "{" + UUID + "}"),
        ("ref", "urn:uuid:" + UUID),
        ("day", "20240101"),
        ("day", "2024-W01-1"),
        ("day", "2024-1-1"),
        ("day", 20240101),
        ("choice", 1),
        ("texts", [1]),
    ],
)
def test_a_json_body_is_not_coerced(name, value):
    assert name in _errors(Body, {name: value})


def test_a_json_body_takes_the_documented_types():
    assert _valid(
        Body,
        {
            "text": "abcd",
            "flag": False,
            "number": -3,
            "ratio": 2,
            "ref": UUID.upper(),
            "day": "2024-02-29",
            "choice": "1",
            "texts": ["x"],
        },
    ) == {
        "text": "abcd",
        "flag": False,
        "number": -3,
        "ratio": 2.0,
        "ref": __import__("uuid").UUID(UUID),
        "day": __import__("datetime").date(2024, 2, 29),
        "choice": "1",
        "texts": ["x"],
    }


def test_text_is_checked_as_sent_and_stored_without_the_spaces_around_it():
    assert _errors(Body, {"text": "   "})["text"][0].code == "blank"  # white space only is blank
    assert _errors(Body, {"text": "\t\n"})["text"][0].code == "blank"
    assert _errors(Body, {"text": " abcd "})["text"][0].code == "max_length"  # the length as sent
    assert _errors(Body, {"code": " AB"})["code"][0].code == "invalid"  # the pattern as sent
    assert _errors(Body, {"texts": [" ab "]})["texts"][0][0].code == "max_length"
    assert _valid(Body, {"text": " ab "}) == {"text": "ab"}  # stored without the spaces
    assert _valid(Body, {"optional_text": "   "}) == {"optional_text": ""}  # may be blank
    assert _valid(Body, {"code": "AB"}) == {"code": "AB"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("number", "12.0"),
        ("number", " 12"),
        ("number", "1e3"),
        ("flag", "1"),
        ("flag", "True"),
        ("flag", "yes"),
        ("ratio", "NaN"),
        ("ratio", "1."),
        ("text", " "),
    ],
)
def test_a_query_value_is_parsed_by_its_documented_form(name, value):
    assert name in _errors(Query, {name: value})


def test_a_query_takes_text_in_the_documented_form():
    assert _valid(Query, {"number": "-12", "flag": "true", "ratio": "1.5e-3", "text": "ab"}) == {
        "number": -12,
        "flag": True,
        "ratio": 0.0015,
        "text": "ab",
    }
    assert _valid(Query, {"flag": "false"}) == {"flag": False}


def test_the_document_says_what_the_server_enforces():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    schemas = document["components"]["schemas"]
    # text that may not be blank: a character that is not white space
    assert schemas["AddressDataRequest"]["properties"]["street"]["pattern"] == r"\S"
    assert schemas["AddressDataRequest"]["properties"]["street"]["minLength"] == 1
    # a field with its own pattern keeps it
    assert schemas["SignalItemRequest"]["properties"]["kind"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    # a search needs at least one criterion, an inzage request exactly one of address and resident
    assert schemas["AddressSearchRequest"]["anyOf"] == [
        {"required": ["bag_nummeraanduiding_id"]},
        {"required": ["postcode"]},
        {"required": ["house_number"]},
        {"required": ["buurt_code"]},
    ]
    assert "anyOf" not in schemas["CaseSearchRequest"]
    assert schemas["InzageRequestRequest"]["oneOf"] == [{"required": ["address"]}, {"required": ["resident"]}]
    # lists of objects with their bounds
    signals = schemas["SignalBatchRequest"]["properties"]["signals"]
    assert (signals["minItems"], signals["maxItems"]) == (1, 5000)
    assert schemas["ActivityCreateRequest"]["properties"]["grants"]["minItems"] == 1
    area_code = schemas["CovenantWriteRequest"]["properties"]["area_codes"]["items"]
    assert area_code["pattern"].startswith("^(?:[Gg][Mm][0-9]{4}|")


@pytest.mark.django_db
def test_errors_of_a_whole_object_are_named_alike_everywhere(signed_in):
    client = signed_in("regisseur")
    client.defaults["HTTP_X_PURPOSE"] = "toets van de foutnamen"
    search = client.post("/api/v1/addresses/search", {}, content_type="application/json")
    assert search.status_code == 400
    assert [param["name"] for param in search.json()["invalidParams"]] == ["nonFieldErrors"]
    batch = client.post(
        "/api/v1/signals",
        {"signals": ["not an object"]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="toets-foutnamen-1",
    )
    assert batch.status_code == 400
    assert [param["name"] for param in batch.json()["invalidParams"]] == ["signals.0"]
