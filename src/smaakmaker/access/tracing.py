# SPDX-License-Identifier: EUPL-1.2
"""W3C Trace Context: accept an incoming ``traceparent``, start a span, propagate it in the response.

The trace and span ids end up in every audit and processing-log record written during the request,
so a partner's own logbook can be joined with ours (Logboek Dataverwerkingen).
"""

from __future__ import annotations

import contextvars
import re
import secrets
from dataclasses import dataclass

TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    parent_span_id: str = ""
    flags: str = "01"

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceContext:
        return TraceContext(trace_id=self.trace_id, span_id=new_span_id(), parent_span_id=self.span_id)


_current: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar(
    "smaakmaker_trace", default=None
)


def new_span_id() -> str:
    return secrets.token_hex(8)


def parse_traceparent(value: str | None) -> TraceContext:
    """A new span in the caller's trace, or a new trace when the header is absent or invalid."""
    match = TRACEPARENT_RE.match((value or "").strip().lower())
    if match and set(match.group(1)) != {"0"} and set(match.group(2)) != {"0"}:
        return TraceContext(
            trace_id=match.group(1),
            span_id=new_span_id(),
            parent_span_id=match.group(2),
            flags=match.group(3),
        )
    return TraceContext(trace_id=secrets.token_hex(16), span_id=new_span_id())


def current_trace() -> TraceContext:
    """The trace of the current request, or a fresh one (commands, tasks)."""
    trace = _current.get()
    if trace is None:
        trace = parse_traceparent(None)
        _current.set(trace)
    return trace


def use_trace(trace: TraceContext | None):
    return _current.set(trace)


class TraceparentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trace = parse_traceparent(request.headers.get("traceparent"))
        token = _current.set(trace)
        request.trace = trace
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["traceparent"] = trace.traceparent
        return response
