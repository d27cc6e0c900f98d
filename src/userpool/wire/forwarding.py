"""The one base URL of a request: what tokens' ``iss`` and the discovery document are built from.

Decision 10.15 makes the issuer ``{base URL}/{poolId}``. The base URL is, in order:
1. ``--public-url`` when configured: nothing from the request is used at all;
2. behind a reverse proxy whose address is in ``--trusted-proxies``: its ``X-Forwarded-Proto``
   and ``X-Forwarded-Host`` (the last value of each list: the one the nearest proxy wrote);
3. otherwise the ``Host`` header and the connection's own scheme.
Forwarded headers from any other peer are ignored, so a client cannot choose its tokens' issuer.
A host that is not ``name[:port]`` (or ``[v6]:port``) is never used.

The caller's address (``Request.source_ip``) follows the same rule: from a trusted proxy, the
right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy; otherwise the TCP peer.
(uvicorn's own proxy-header handling, which trusts 127.0.0.1 by default, is switched off by
``userpool serve`` so that this module is the only one.)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


class BaseUrlPolicy:
    """Builds ``scheme://host[root_path]`` for a request; see the module docstring."""

    def __init__(self, public_url: str | None = None, trusted_proxies: Sequence[str] = ()) -> None:
        self._public_url = public_url.rstrip("/") if public_url else None
        self._proxies: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(cidr, strict=False) for cidr in trusted_proxies
        )

    def _trusted(self, peer: str | None) -> bool:
        if not self._proxies or not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._proxies)

    def client_ip(self, headers: Mapping[str, str], peer: str | None) -> str | None:
        """The caller's address: ``peer``, or what trusted proxies say in ``X-Forwarded-For``."""
        if not self._trusted(peer):
            return peer
        for hop in reversed(headers.get("x-forwarded-for", "").split(",")):
            hop = hop.strip()
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer  # a malformed chain: believe only the connection
            if not self._trusted(hop):
                return hop
        return peer

    def base_url(
        self,
        headers: Mapping[str, str],
        *,
        scheme: str,
        peer: str | None,
        server: tuple[str, int | None] | None,
        root_path: str = "",
    ) -> str:
        """The base URL of a request with lower-case ``headers`` from TCP peer ``peer``."""
        if self._public_url is not None:
            return self._public_url
        host = headers.get("host", "").strip()
        if self._trusted(peer):
            forwarded_proto = _last(headers.get("x-forwarded-proto", "")).lower()
            if forwarded_proto in ("http", "https"):
                scheme = forwarded_proto
            forwarded_host = _last(headers.get("x-forwarded-host", ""))
            if _HOST.fullmatch(forwarded_host):
                host = forwarded_host
        if not _HOST.fullmatch(host):
            name, port = server or ("localhost", None)
            name = f"[{name}]" if ":" in name else name
            host = name if port is None else f"{name}:{port}"
        return f"{scheme}://{host}{root_path}"
