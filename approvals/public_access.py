"""A request budget per client address for the pages anyone may open without logging in.

The public pages have no account to lock out: the client's address is all there is to count
by, the same address the login lock-out counts (`config.client_address`, which believes only
the trusted proxies' X-Forwarded-For entries). Requests are counted per bucket in clock
minutes in Django's cache. With Redis (`CACHE_URL`) every worker shares the count; with the
in-process cache each process counts on its own, so the budget is per process.
"""

import logging
import math
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from config.client_address import client_address

View = Callable[..., HttpResponse]

WINDOW = 60  # seconds: budgets are per minute

logger = logging.getLogger(__name__)


def rate_limited(bucket: str, per_minute: int) -> Callable[[View], View]:
    """Let one client address make at most per_minute requests a minute to the views of
    bucket (views that share a bucket share the budget); beyond it, answer 429 with
    Retry-After until the minute is over."""

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            wait = _spend(bucket, client_address(request), per_minute)
            if wait:
                return too_many_requests(wait)
            return view(request, *args, **kwargs)

        return limited

    return decorate


def _spend(bucket: str, address: str, per_minute: int) -> int:
    """Count one request; 0 while within the budget, else the seconds until it renews."""
    now = timezone.now().timestamp()
    minute = int(now // WINDOW)
    key = f"rate:{bucket}:{minute}:{address}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    if count <= per_minute:
        return 0
    if count == per_minute + 1:  # once a minute per address and bucket, not per request
        logger.warning("Rate limit of %s exceeded by %s", bucket, address)
    return max(1, math.ceil((minute + 1) * WINDOW - now))


def too_many_requests(wait: int) -> HttpResponse:
    message = ngettext(
        "Too many requests from your address. Please try again in %(seconds)d second.",
        "Too many requests from your address. Please try again in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response
