# SPDX-License-Identifier: EUPL-1.2
"""Querysets compiled once and run many times with other values.

Building and compiling a queryset costs Python time that grows with its filter: the register's
visibility filter (``cases.querysets.grant_filter``: grants OR'ed, correlated EXISTS, joins) costs
about 1–2 ms per query to build and compile, several times what the database needs to answer it for one
address. What the SQL depends on (the user's grants and permissions) changes rarely; what changes per
request (an address id, a buurt code) is a parameter. So the caller builds the queryset once with a
*sentinel* value in each varying place, :class:`CompiledQuery` compiles it and remembers which
parameters held the sentinel, and :meth:`CompiledQuery.run` executes the same SQL with the real
values and builds the model instances (with their ``select_related`` objects) exactly as iterating the
queryset would.

The sentinel must be a value no real filter would use (a negative id, a text no code can be); the
compiled query refuses a sentinel that does not occur in the parameters, or occurs where another
slot's does, so a queryset that moved the value into its SQL text fails loudly instead of running
with a stale value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Field, Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, get_related_populators

_PLACEHOLDERS = re.compile(r"(%%|%s)")


@dataclass(frozen=True)
class Slot:
    """A varying value: the sentinel the queryset was built with, and the field that prepares values
    for the database (a UUID becomes text on SQLite)."""

    sentinel: object
    field: Field


def _prepared(slot: Slot, value, connection):
    return slot.field.get_db_prep_value(value, connection, prepared=False)


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def instance_builder(model_cls: type[Model], alias: str, init_list: list[str]):
    """A function making a model instance from one row's values for ``init_list``, as
    ``model_cls.from_db(alias, init_list, values)`` makes it: the same ``__dict__`` (each loaded field's
    attname with its value; a field not loaded is deferred, read on access) and the same ``_state``.

    ``Model.__init__`` is skipped where nothing can tell: the model neither overrides ``from_db`` nor
    ``__init__`` and no ``pre_init``/``post_init`` receiver listens to it; otherwise this is
    ``from_db`` itself. Building fifty cases with their addresses this way takes a fifth of the time
    (``__init__`` sets every field through ``setattr`` and sends two signals per instance)."""
    if (
        model_cls.from_db.__func__ is not Model.from_db.__func__
        or model_cls.__init__ is not Model.__init__
        or signals.pre_init.has_listeners(model_cls)
        or signals.post_init.has_listeners(model_cls)
    ):
        return lambda values: model_cls.from_db(alias, init_list, values)
    names = tuple(init_list)
    new = model_cls.__new__

    def build(values):
        obj = new(model_cls)
        state = ModelState()
        state.adding = False
        state.db = alias
        attributes = obj.__dict__
        attributes["_state"] = state
        attributes.update(zip(names, values, strict=True))
        return obj

    return build


class CompiledQuery:
    """One queryset's SQL, with named slots for the values that vary (see the module docstring)."""

    def __init__(self, queryset: QuerySet, *, count: bool = False, **slots: Slot):
        self.alias = queryset.db
        connection = connections[self.alias]
        self.count = count
        self.slots = slots
        if count:
            compiler = queryset.order_by().values("pk").query.get_compiler(using=self.alias)
        else:
            compiler = queryset.query.get_compiler(using=self.alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # ``none()``: nothing is visible, whatever the values
            self.empty = True
            return
        self.empty = False
        self.sql = f"SELECT COUNT(*) FROM ({sql}) counted" if count else sql  # noqa: S608 - compiled SQL
        self.params = list(params)
        self.positions: dict[str, list[int]] = {}
        for name, slot in slots.items():
            sentinel = _prepared(slot, slot.sentinel, connection)
            found = [i for i, param in enumerate(self.params) if _same(param, sentinel)]
            if not found:
                raise ValueError(f"slot {name!r}: its sentinel {slot.sentinel!r} is not among the parameters")
            self.positions[name] = found
        taken = [i for found in self.positions.values() for i in found]
        if len(taken) != len(set(taken)):
            raise ValueError("two slots share a sentinel value")
        if connection.vendor == "postgresql":
            self._constants_inline(connection, set(taken))
        self.compiler = compiler
        models = not count and queryset._iterable_class is ModelIterable  # else values_list: tuples
        self.klass_info = compiler.klass_info if models else None
        if self.klass_info is not None:
            select = compiler.select
            fields = self.klass_info["select_fields"]
            self.model_cls: type[Model] = self.klass_info["model"]
            self.model_slice = slice(fields[0], fields[-1] + 1)
            self.init_list = [column[0].target.attname for column in select[self.model_slice]]
            self.related_populators = get_related_populators(self.klass_info, select, self.alias)
            self.build = instance_builder(self.model_cls, self.alias, self.init_list)
            self.builders: dict[int, object] = {}
            self._builders_add(self.related_populators)
            self.annotation_col_map = compiler.annotation_col_map
        if not count:
            self.converters = compiler.get_converters([s[0] for s in compiler.select[0 : compiler.col_count]])

    def _builders_add(self, populators) -> None:
        for populator in populators:
            self.builders[id(populator)] = instance_builder(
                populator.model_cls, populator.db, populator.init_list
            )
            self._builders_add(populator.related_populators)

    def _constants_inline(self, connection, keep: set[int]) -> None:
        """Write the parameters that are not slots (the grants' activities, areas, organisations) into
        the SQL as literals (quoted by the driver), so that PostgreSQL plans them as constants: a generic
        plan then differs from a custom one only in the slots' values, and can be kept."""
        parts = _PLACEHOLDERS.split(self.sql)
        if sum(part == "%s" for part in parts) != len(self.params):
            return  # not the placeholders we expect: leave the statement as it is
        sql, params, moved, index = [], [], {}, 0
        for part in parts:
            if part != "%s":
                sql.append(part)
                continue
            if index in keep:
                moved[index] = len(params)
                params.append(self.params[index])
                sql.append("%s")
            else:
                try:
                    literal = connection.ops.compose_sql("%s", [self.params[index]])
                except Exception:  # noqa: BLE001 - a value the driver cannot quote stays a parameter
                    return
                sql.append(literal.replace("%", "%%"))
            index += 1
        self.sql, self.params = "".join(sql), params
        self.positions = {name: [moved[i] for i in found] for name, found in self.positions.items()}

    def _rows(self, values: dict) -> list[tuple]:
        connection = connections[self.alias]
        params = list(self.params)
        for name, value in values.items():
            prepared = _prepared(self.slots[name], value, connection)
            for i in self.positions[name]:
                params[i] = prepared
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.count:
            return rows
        if self.compiler.has_extra_select:
            rows = [row[: self.compiler.col_count] for row in rows]
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows

    def run(self, **values) -> list:
        """The rows for these slot values: model instances (as iterating the queryset gives them), or
        plain tuples for a ``values_list`` queryset, or the number of rows for ``count=True``."""
        if set(values) != set(self.slots):
            raise TypeError(f"give exactly these values: {', '.join(sorted(self.slots))}")
        if self.empty:
            return 0 if self.count else []
        rows = self._rows(values)
        if self.count:
            return rows[0][0]
        if self.klass_info is None:
            return [tuple(row) for row in rows]
        objects = []
        seen: dict = {}
        build, builders = self.build, self.builders
        for row in rows:
            obj = build(row[self.model_slice])
            for populator in self.related_populators:
                _populate(populator, row, obj, seen, builders)
            for name, position in (self.annotation_col_map or {}).items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def plans(mode: str, alias: str = "default") -> None:
    """PostgreSQL: for the rest of the current transaction, plan prepared statements ``"generic"`` (once)
    or ``"custom"`` (for their parameters, on every execution).

    PostgreSQL chooses by estimated cost after five executions (``plan_cache_mode = auto``), and for the
    register's visibility queries it chose badly both ways: the dossier's signal query was planned again
    on every execution (3.7 ms of planning, 0.9 ms on its generic plan), while the case list switched to
    a generic plan that could not use the grants' activities in the case index (a scan of every case:
    13 ms instead of 2.5) as long as those were parameters. With the grants written into the SQL as
    constants (``CompiledQuery._constants_inline``) the generic plans are good for both (signals 0.4 ms,
    the list's page 3.7 ms of database CPU instead of 5.2 on custom plans). Call inside
    ``transaction.atomic()``; nothing changes after it."""
    connection = connections[alias]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        setting = {"generic": "force_generic_plan", "custom": "force_custom_plan"}[mode]
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL plan_cache_mode = {setting}")


def _populate(populator, row, from_obj, seen: dict, builders: dict) -> None:
    """``RelatedPopulator.populate``, except that rows naming the same related object (the same
    organisation on fifty cases) share one instance, as ``prefetch_related`` shares them: fewer
    instances to build; and instances are made by ``builders`` (``instance_builder``). (A one-to-one
    object is never shared: its key is unique.)"""
    if populator.reorder_for_init:
        data = populator.reorder_for_init(row)
    else:
        data = row[populator.cols_start : populator.cols_end]
    obj = None
    if data[populator.pk_idx] is not None:
        key = (id(populator), data[populator.pk_idx])
        obj = seen.get(key)
        if obj is None:
            obj = builders[id(populator)](data)
            for nested in populator.related_populators:
                _populate(nested, row, obj, seen, builders)
            seen[key] = obj
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)
