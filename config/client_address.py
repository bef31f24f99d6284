"""The address a request came from, behind a configured number of trusted reverse proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is the TRUSTED_PROXIES-th entry from the right. Entries
    further left were written by the client and are never believed. With no trusted proxy,
    or a header shorter than the chain (a request that bypassed the proxies), it is the peer.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXIES
    if count <= 0:
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return peer
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
