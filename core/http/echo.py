"""This machine's public address, best effort: ``RAVENSEC_MY_IP``, else a public echo service."""

from __future__ import annotations

import ipaddress
import os

import aiohttp

ECHO_URL = "https://api.ipify.org"  # answers the caller's address as plain text
async def my_ip(
    session: aiohttp.ClientSession | None = None, *, timeout: float = 3.0, url: str = ECHO_URL
) -> str | None:
    """This machine's public address, best effort: ``RAVENSEC_MY_IP`` first, else a public echo service.

    ``session`` is reused when given (its own trust settings apply). Returns None when offline, on a
    timeout or on any answer that is not an IP address; never raises.
    """
    override = os.environ.get("RAVENSEC_MY_IP", "").strip()
    if override:
        try:
            return str(ipaddress.ip_address(override))
        except ValueError:
            return None
    try:
        limit = aiohttp.ClientTimeout(total=timeout)
        if session is None:
            async with aiohttp.ClientSession(timeout=limit) as own:
                return await _ask_echo(own, url, limit)
        return await _ask_echo(session, url, limit)
    except Exception:  # offline, DNS, TLS, garbage: "my IP" is a convenience, never an error
        return None


async def _ask_echo(session: aiohttp.ClientSession, url: str, limit: aiohttp.ClientTimeout) -> str | None:
    headers = {"User-Agent": "ravensec", "Accept": "text/plain"}
    async with session.get(url, headers=headers, timeout=limit) as resp:
        if resp.status != 200:
            return None
        text = (await resp.content.read(100)).decode("ascii", "replace").strip()
    return str(ipaddress.ip_address(text))
