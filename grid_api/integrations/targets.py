"""Where webhooks may go. A URL set by a client or an admin must not reach into the
deployment's own network — loopback, link-local (where the cloud metadata service answers),
the metadata addresses, private ranges — unless the deployment allows it:
``WEBHOOK_ALLOW_PRIVATE_TARGETS`` opens the private ranges (a city's intranet), and
``WEBHOOK_ALLOWED_NETWORKS`` names networks that are always allowed, whatever they are.

A URL is checked when it is subscribed, and every address its name resolves to is checked
again each time a connection is made to send a message (the name may resolve elsewhere by
then); the connection goes only to the addresses checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services of the clouds a city may run on.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254",  # AWS, Azure, Google, Huawei Cloud, OpenStack
    "100.100.100.200",  # Alibaba Cloud
    "169.254.0.23",  # Tencent Cloud
    "fd00:ec2::254",  # AWS over IPv6
))


class Refusal(StrEnum):
    """Why an address is not a place to send webhooks."""

    metadata = "metadata"
    loopback = "loopback"
    link_local = "link_local"
    reserved = "reserved"  # unspecified, multicast, reserved ranges
    private = "private"  # private and other non-global ranges


class ForbiddenTarget(Exception):
    """A webhook target resolves to an address the deployment does not send to."""

    def __init__(self, address: str, refusal: Refusal) -> None:
        super().__init__(f"{address} is a {refusal.value} address")
        self.address, self.refusal = address, refusal


def refusal_of(address: Address) -> Refusal | None:
    """Why the address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return Refusal.metadata
    if address.is_loopback:
        return Refusal.loopback
    if address.is_link_local:
        return Refusal.link_local
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return Refusal.reserved
    if address.is_private or not address.is_global:
        return Refusal.private
    return None


def parse_networks(networks: Iterable[str]) -> tuple[Network, ...]:
    """CIDR networks (a bare address is a network of one). Raises ValueError."""
    return tuple(ipaddress.ip_network(network.strip(), strict=False) for network in networks
                 if network.strip())


@dataclass(frozen=True)
class TargetPolicy:
    """The deployment's rule: private ranges allowed or not, and networks always allowed.
    Loopback, link-local and metadata addresses are reached only through ``allowed_networks``.
    """

    allow_private: bool = False
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, networks: Iterable[str]) -> TargetPolicy:
        return cls(allow_private=allow_private, allowed_networks=parse_networks(networks))

    def refusal(self, address: Address) -> Refusal | None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address.version == network.version and address in network
               for network in self.allowed_networks):
            return None
        refusal = refusal_of(address)
        if refusal is Refusal.private and self.allow_private:
            return None
        return refusal

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to, when each may be sent to. Raises
        ForbiddenTarget (one may not), socket.gaierror (it does not resolve)."""
        resolved = list(dict.fromkeys(
            info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
        for text in resolved:
            refusal = self.refusal(ipaddress.ip_address(text.split("%", 1)[0]))
            if refusal is not None:
                raise ForbiddenTarget(text, refusal)
        return resolved

    def check_url(self, url: str) -> None:
        """A URL being subscribed: its literal address, or every address its name resolves
        to now. A name that does not resolve here is left to the check at sending time.
        Raises ForbiddenTarget."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            if (refusal := self.refusal(literal)) is not None:
                raise ForbiddenTarget(host, refusal)
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            self.checked_addresses(host, port)
        except (socket.gaierror, UnicodeError, ValueError):
            return
