# SPDX-License-Identifier: EUPL-1.2
"""One pagination for every API list that can grow: ``?page=`` and ``?pageSize=``, answered as
``{"count", "next", "previous", "results"}`` (DRF's page-number pagination, the shape of the Dutch
public-sector APIs such as Open Zaak). Invalid paging is 400 problem details naming the parameter; a
page after the last is 404. Short fixed catalogues are not paged (their descriptions say so).
"""

from __future__ import annotations

import functools

from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response

from smaakmaker.api.query import QuerySerializer

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class PageQuerySerializer(QuerySerializer):
    page = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=1_000_000, help_text="Page number, from 1."
    )
    page_size = serializers.IntegerField(
        required=False,
        default=PAGE_SIZE,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"Results per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
    )


class Pages(pagination.PageNumberPagination):
    page_size = PAGE_SIZE
    page_query_param = "page"
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    query_names = ("page", "pageSize")

    def window(self, request) -> tuple[int, int]:
        """The validated page and page size of ``request`` (400 problem details when invalid)."""
        query = PageQuerySerializer(
            data={k: v for k, v in request.query_params.items() if k in self.query_names}
        )
        query.is_valid(raise_exception=True)
        self.request = request
        return query.validated_data["page"], query.validated_data["page_size"]

    def paginate_queryset(self, queryset, request, view=None):
        number, size = self.window(request)
        self.page = self._page(DjangoPaginator(queryset, size), number)
        return list(self.page)

    def respond(self, results, *, count: int, page: int, page_size: int) -> Response:
        """The answer for a selector that fetched page ``page`` itself (and audited only what it
        returned), from ``count`` results in all: take ``page`` and ``page_size`` from ``window``."""
        self.page = self._page(DjangoPaginator(range(count), page_size), page)
        return self.get_paginated_response(results)

    @staticmethod
    def _page(paginator, number):
        try:
            return paginator.page(number)
        except InvalidPage as exc:
            raise exceptions.NotFound(
                _("This page does not exist: there are %(n)s.") % {"n": paginator.num_pages}
            ) from exc


@functools.cache
def paged(serializer_class):
    """The documented answer of a paged list of ``serializer_class`` items (one component per item)."""
    item = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{item}List",
        fields={
            "count": serializers.IntegerField(help_text="All results, on every page."),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null."),
            "results": serializer_class(many=True),
        },
    )


def fetched_page(request, fetch, serializer_class) -> Response:
    """The requested page, fetched by a selector that pages (and audits only what it returns) itself:
    ``fetch(limit=..., offset=...)`` returns the page's rows and the number of results in all."""
    pager = Pages()
    page, size = pager.window(request)
    rows, total = fetch(limit=size, offset=(page - 1) * size)
    return pager.respond(serializer_class(rows, many=True).data, count=total, page=page, page_size=size)


def paged_response(request, items, serializer_class, **serializer_kwargs) -> Response:
    """The requested page of ``items`` (a queryset or a list), serialized."""
    pager = Pages()
    rows = pager.paginate_queryset(items, request)
    return pager.get_paginated_response(serializer_class(rows, many=True, **serializer_kwargs).data)
