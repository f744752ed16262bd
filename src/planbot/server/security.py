"""Trust boundaries: who the client is behind trusted proxies, and which requests may write without a key."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from planbot.config import Settings
from planbot.errors import InvalidInput, Unauthorized

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers only a proxy sets: their presence means the peer is not the person, whatever its address.
PROXY_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-server",
    "x-real-ip",
    "via",
)
# Browsers mark requests one site makes to another; only these two are the page itself or the user.
_SAME_SITE_FETCH = frozenset({"same-origin", "none"})
_FORWARDED_FOR = re.compile(r'(?:^|[;,\s])for\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)


def parse_ip(value: str) -> IPAddress | None:
    """An address as proxies write it ('1.2.3.4', '1.2.3.4:80', '[::1]:80', '"[::1]"'), or None."""
    text = value.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port; bare IPv6 has several colons
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def networks(entries: Sequence[str], setting: str) -> tuple[IPNetwork, ...]:
    """IPs and CIDRs as networks, or InvalidInput naming the setting and the bad entry."""
    found: list[IPNetwork] = []
    for raw in entries:
        try:
            found.append(ipaddress.ip_network(raw.strip(), strict=False))
        except ValueError:
            raise InvalidInput(
                f"{setting}: {raw!r} is not an IP address or CIDR network; "
                'write e.g. ["127.0.0.1", "10.0.0.0/8"].'
            ) from None
    return tuple(found)


def host_name(host: str) -> str:
    """The name in a Host header or origin, lower case, without port, brackets or trailing dot."""
    text = host.strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    if text.count(":") == 1:
        text = text.partition(":")[0]
    return text.rstrip(".")


@dataclass(frozen=True)
class Guard:
    """The trust settings, parsed once: trusted proxies, the forwarded header believed, allowed hosts."""

    trusted: tuple[IPNetwork, ...]
    forwarded_header: str
    allowed_hosts: frozenset[str]
    local_writes: bool
    owner_header: str | None
    cors_origins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        """Check and parse the settings; a bad entry stops the server at startup."""
        return cls(
            trusted=networks(settings.trusted_proxies, "PLANBOT_TRUSTED_PROXIES"),
            forwarded_header=settings.forwarded_header,
            allowed_hosts=frozenset(host_name(h) if h != "*" else h for h in settings.allowed_hosts),
            local_writes=settings.local_writes,
            owner_header=(settings.owner_header or "").strip().lower() or None,
            cors_origins=frozenset(o.strip().rstrip("/") for o in settings.cors_origins),
        )

    def is_trusted(self, address: str | None) -> bool:
        """Whether ``address`` is one of the configured proxies."""
        ip = parse_ip(address or "")
        return ip is not None and any(ip in net for net in self.trusted)

    def client(self, peer: str | None, headers: Mapping[str, str]) -> str:
        """The client's address: the peer, or behind trusted proxies the last hop none of them is.

        Only the configured header is read, right to left, because each proxy appends what it saw and a
        client can write anything to the left of that. A hop that is not an address ends the walk at the
        proxy that reported it.
        """
        current = peer or "unknown"
        if not self.is_trusted(current):
            return current
        for hop in reversed(forwarded_chain(headers, self.forwarded_header)):
            ip = parse_ip(hop)
            if ip is None:
                return current
            current = str(ip)
            if not self.is_trusted(current):
                return current
        return current

    def from_trusted_proxy(self, peer: str | None) -> bool:
        """Whether the direct peer is a configured proxy (whose headers are believed)."""
        return self.is_trusted(peer)

    def host_allowed(self, headers: Mapping[str, str]) -> bool:
        """Whether the Host header names this server (PLANBOT_ALLOWED_HOSTS); DNS rebinding sends another."""
        host = host_name(headers.get("host", ""))
        return "*" in self.allowed_hosts or host in self.allowed_hosts

    def check_unkeyed_write(self, peer: str | None, headers: Mapping[str, str]) -> None:
        """Allow a write without the key only from a person on this machine; raise Unauthorized otherwise."""
        if not self.local_writes:
            raise Unauthorized(
                "No PLANBOT_API_KEY is set, so this server accepts no changes over HTTP. Set one "
                "(PLANBOT_API_KEY=$(openssl rand -hex 24)) and send 'Authorization: Bearer <key>', or use "
                "the planbot command on the server (planbot ingest)."
            )
        ip = parse_ip(peer or "")
        proxied = [h for h in PROXY_HEADERS if h in headers]
        if ip is None or not ip.is_loopback or proxied:
            raise Unauthorized(
                "No PLANBOT_API_KEY is set, so writes are accepted only from this machine, directly"
                + (f" (the request came through a proxy: {', '.join(proxied)})." if proxied else ".")
            )
        if not self.host_allowed(headers):
            raise Unauthorized(
                f"Host {headers.get('host', '')!r} is not in PLANBOT_ALLOWED_HOSTS; without an API key, "
                "writes must name this machine."
            )
        self.check_same_origin(headers, allow_cors=False)

    def check_same_origin(self, headers: Mapping[str, str], *, allow_cors: bool) -> None:
        """Refuse a browser request another site made (Origin, Sec-Fetch-Site), unless from a CORS origin."""
        origin = headers.get("origin")
        if allow_cors and origin and origin.rstrip("/") in self.cors_origins:
            return
        site = headers.get("sec-fetch-site", "").strip().lower()
        if site:
            # The browser's own word; a proxy that rewrites Host cannot make it wrong, as Origin vs Host can.
            if site not in _SAME_SITE_FETCH:
                raise Unauthorized(
                    f"A page on another site may not change anything here (Sec-Fetch-Site: {site})."
                )
            return
        if origin is not None and not _same_origin(origin, headers.get("host", "")):
            raise Unauthorized(f"A page on {origin!r} may not change anything here.")


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin.strip())
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc.lower() == host.strip().lower()


def forwarded_chain(headers: Mapping[str, str], header: str) -> list[str]:
    """The addresses in ``X-Forwarded-For`` or RFC 7239 ``Forwarded``, first hop first."""
    value = headers.get(header, "")
    if header == "forwarded":
        return [m.group(1) for m in _FORWARDED_FOR.finditer(value)]
    return [part for part in (p.strip() for p in value.split(",")) if part]


def joined_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers as a dict; repeated headers joined with ', ' as HTTP allows (X-Forwarded-For)."""
    out: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out
