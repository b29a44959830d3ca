# SPDX-License-Identifier: EUPL-1.2
"""API rate limits and the lock-out after wrong API tokens, shared by every server process.

* ``AddressRateThrottle`` and ``TokenRateThrottle`` are DRF throttles (``DEFAULT_THROTTLE_CLASSES``):
  requests per minute per client address and per API token, DRF's sliding window.
* ``api_lockout_wait`` and ``api_token_failure_record`` are called by ``ApiTokenAuthentication``: after
  ``SMAAKMAKER_API_LOCKOUT_FAILURES`` wrong tokens from one client address within the window, every
  bearer-token request from that address gets 429 for ``SMAAKMAKER_API_LOCKOUT_MINUTES``, and the
  lock-out is audited (without the address or the token presented).

State lives in the database cache ``api_limits`` (Django's ``DatabaseCache``; the table is made by
migration ``access.0007``), so all gunicorn workers, and every server on the same database, count
together; no Redis is needed. Each read-modify-write of one counter runs in a transaction that holds a
lock on that counter (PostgreSQL: an advisory lock on the key; SQLite: the IMMEDIATE transaction), so
concurrent requests in different processes are not lost. The cache stores keyed hashes of the client
addresses, never the addresses themselves. See docs/adr/0009-api-rate-limits-and-lockout.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from contextlib import contextmanager

import structlog
from django.conf import settings
from django.core.cache import caches
from django.db import connections, router, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

log = structlog.get_logger(__name__)

API_LIMITS_CACHE = "api_limits"
LOCK_SPACE = 7302  # PostgreSQL advisory locks (LOCK_SPACE, hashtext(key)); the audit chain uses one bigint


class ApiThrottled(exceptions.Throttled):
    """429 with ``Retry-After`` (DRF's exception handler sets the header from ``wait``)."""

    default_detail = _("Too many requests.")
    extra_detail_singular = _("Try again in {wait} second.")
    extra_detail_plural = _("Try again in {wait} seconds.")


class ApiLockedOut(ApiThrottled):
    default_detail = _("Too many wrong API tokens from this address.")


# --- The client address --------------------------------------------------------------------------


def client_address(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``SMAAKMAKER_TRUSTED_PROXIES`` = n proxies the
    n-th address from the right in ``X-Forwarded-For`` (DRF's rule, ``NUM_PROXIES``).

    The sign-in lock-out (django-axes, ``AXES_CLIENT_IP_CALLABLE``) uses the same rule.
    """
    if request is None:
        return None
    return BaseThrottle().get_ident(request)


def client_bucket(request) -> str:
    """What the limits count per: an IPv4 address, or the /64 network of an IPv6 address.

    A /64 is one subscriber's network; counting per IPv6 address would let a client hop through it.
    """
    address = (client_address(request) or "").strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]  # empty or not an address: counted as it is
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _hashed(value: str) -> str:
    """A keyed hash, so the cache table holds no client address."""
    key = hashlib.sha256(("smaakmaker-api-limits:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


# --- Counters in the shared database cache ------------------------------------------------------


def _cache():
    return caches[API_LIMITS_CACHE]


@contextmanager
def counter_lock(key: str):
    """A transaction on the cache's database holding a lock on ``key`` until it ends."""
    database = router.db_for_write(_cache().cache_model_class)
    with transaction.atomic(using=database):
        connection = connections[database]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_SPACE, key])
        yield  # SQLite: BEGIN IMMEDIATE (settings) already serialises writers


class DatabaseRateThrottle(SimpleRateThrottle):
    """DRF's sliding window on the shared database cache, the rate read from a Django setting.

    ``setting`` names the requests per minute (0: no limit); read per request, so tests and
    ``override_settings`` change it.
    """

    setting = ""

    @property
    def cache(self):
        return _cache()

    def get_rate(self):
        per_minute = getattr(settings, self.setting)
        return f"{per_minute}/m" if per_minute > 0 else None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        with counter_lock(key):
            return super().allow_request(request, view)

    def wait(self):
        """Seconds until the oldest request that keeps the window full has left it."""
        if len(self.history) < self.num_requests:
            return 0
        return max(self.history[self.num_requests - 1] + self.duration - self.now, 0)

    def throttle_failure(self):
        raise ApiThrottled(wait=max(self.wait(), 1))


class AddressRateThrottle(DatabaseRateThrottle):
    """Requests per minute from one client address (all tokens, sessions and anonymous calls)."""

    scope = "api_address"
    setting = "API_RATE_PER_ADDRESS"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": _hashed(client_bucket(request))}


class TokenRateThrottle(DatabaseRateThrottle):
    """Requests per minute with one API token."""

    scope = "api_token"
    setting = "API_RATE_PER_TOKEN"

    def get_cache_key(self, request, view):
        from smaakmaker.access.models import ApiToken

        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


# --- Lock-out after wrong API tokens -------------------------------------------------------------


class TokenFailureCounter(DatabaseRateThrottle):
    """Wrong API tokens per client address within ``API_LOCKOUT_WINDOW_MINUTES``."""

    scope = "api_token_failures"

    def get_rate(self):
        failures = settings.API_LOCKOUT_FAILURES
        if failures <= 0 or settings.API_LOCKOUT_MINUTES <= 0:
            return None
        return f"{failures}/{settings.API_LOCKOUT_WINDOW_MINUTES}m"

    def parse_rate(self, rate):
        """``failures/<minutes>m``: DRF's own rates only know a period of one unit."""
        if rate is None:
            return (None, None)
        failures, minutes = rate.removesuffix("m").split("/")
        return int(failures), int(minutes) * 60

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": _hashed(client_bucket(request))}

    def throttle_failure(self):
        return False


def _lockout_key(request) -> str:
    """The lock-out's cache key. It sorts after every counter's (``throttle_api_…``): when the table holds
    more than ``MAX_ENTRIES``, Django's DatabaseCache culls the lowest third of the keys in key order, so
    the counters go before any lock-out (with ``api_lockout_…`` the lock-outs were the first to go)."""
    return f"throttle_lockout_{_hashed(client_bucket(request))}"


def api_lockout_wait(*, request) -> float | None:
    """Seconds left of the lock-out of this request's client address, or None when it is not locked out
    (or the lock-out is off: then the cache is not read at all)."""
    if settings.API_LOCKOUT_FAILURES <= 0 or settings.API_LOCKOUT_MINUTES <= 0:
        return None
    until = _cache().get(_lockout_key(request))
    if until is None:
        return None
    remaining = until - time.time()
    return remaining if remaining > 0 else None


def _lockout_set(*, request, until: float, seconds: int) -> None:
    # DatabaseCache stores the expiry in whole seconds, rounded down: one second more, so the entry does
    # not vanish before ``until`` (which is what is compared).
    _cache().set(_lockout_key(request), until, seconds + 1)


def api_token_failure_record(*, request) -> float | None:
    """Count a wrong API token from this request's client address.

    When it is the address's ``API_LOCKOUT_FAILURES``-th within the window, lock the address out for
    ``API_LOCKOUT_MINUTES``, audit that, and return the lock-out's length in seconds; when the address
    is locked out already, the seconds left of it; otherwise None.
    A right token does not reset the count: with one valid token a client could otherwise keep
    trying others for ever.

    The lock-out is set under the same lock as the count, and looked at again under it: wrong tokens
    that were already on their way (they passed ``api_lockout_wait`` before the lock-out was set) get
    the lock-out's 429 as well, and are not counted towards the next one.
    """
    from smaakmaker.access.audit import Origin, Result, audit_record

    counter = TokenFailureCounter()
    if counter.rate is None:
        return None
    key = counter.get_cache_key(request, None)
    with counter_lock(key):
        locked = api_lockout_wait(request=request)
        if locked is not None:
            return locked
        counter.allow_request(request, None)
        if len(counter.history) < counter.num_requests:
            return None
        seconds = settings.API_LOCKOUT_MINUTES * 60
        _lockout_set(request=request, until=counter.now + seconds, seconds=seconds)
        _cache().delete(key)  # after the lock-out the count starts again
        window = settings.API_LOCKOUT_WINDOW_MINUTES
        audit_record(
            actor=None,
            action="api.lockout",
            object_type="api.client_address",
            result=Result.DENIED,
            reason=(
                f"{counter.num_requests} wrong API tokens from one client address within {window} minutes; "
                f"bearer-token requests from it refused for {settings.API_LOCKOUT_MINUTES} minutes"
            ),
            origin=Origin(channel="api"),
        )
    log.warning(
        "api_lockout",
        failures=counter.num_requests,
        window_minutes=window,
        minutes=settings.API_LOCKOUT_MINUTES,
    )
    return float(seconds)


# --- Invitation links: counted and locked out per client address, like sign-in ---------------------------


class InvitationFailureCounter(TokenFailureCounter):
    """Unknown, expired, used or revoked invitation links per client address, within the sign-in
    lock-out's period (``SMAAKMAKER_LOCKOUT_FAILURES`` in ``SMAAKMAKER_LOCKOUT_MINUTES``)."""

    scope = "invitation_failures"

    def get_rate(self):
        if settings.LOCKOUT_FAILURES <= 0 or settings.LOCKOUT_MINUTES <= 0:
            return None
        return f"{settings.LOCKOUT_FAILURES}/{settings.LOCKOUT_MINUTES}m"


def _invitation_lockout_key(request) -> str:
    return f"throttle_lockout_invitation_{_hashed(client_bucket(request))}"


def invitation_lockout_wait(*, request) -> float | None:
    """Seconds left of this client address's lock-out from invitation links, or None."""
    until = _cache().get(_invitation_lockout_key(request))
    if until is None:
        return None
    remaining = until - time.time()
    return remaining if remaining > 0 else None


def invitation_failure_record(*, request) -> float | None:
    """Count a link that does not work (anymore) from this client address; at the
    ``LOCKOUT_FAILURES``-th within ``LOCKOUT_MINUTES``, lock the address out of invitation links for
    ``LOCKOUT_MINUTES`` (audited) and return its length in seconds. A working link does not reset it."""
    from smaakmaker.access.audit import Origin, Result, audit_record

    counter = InvitationFailureCounter()
    if counter.rate is None:
        return None
    key = counter.get_cache_key(request, None)
    with counter_lock(key):
        locked = invitation_lockout_wait(request=request)
        if locked is not None:
            return locked
        counter.allow_request(request, None)
        if len(counter.history) < counter.num_requests:
            return None
        seconds = settings.LOCKOUT_MINUTES * 60
        _cache().set(_invitation_lockout_key(request), counter.now + seconds, seconds + 1)
        _cache().delete(key)
        audit_record(
            actor=None,
            action="invitation.lockout",
            object_type="access.client_address",
            result=Result.DENIED,
            reason=(
                f"{counter.num_requests} invitation links that do not work from one client address within "
                f"{settings.LOCKOUT_MINUTES} minutes; invitation links refused for "
                f"{settings.LOCKOUT_MINUTES} minutes"
            ),
            origin=Origin(channel="web"),
        )
    log.warning("invitation_lockout", failures=counter.num_requests, minutes=settings.LOCKOUT_MINUTES)
    return float(seconds)
