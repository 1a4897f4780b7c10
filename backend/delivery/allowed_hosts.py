"""Where a webhook may post: `WEBHOOK_ALLOWED_HOSTS`, checked when a webhook is saved and
again, with the host resolved, each time it sends.

An entry is a host name (`hooks.slack.com`), a wildcard for its subdomains
(`*.webhook.office.com`, not the bare domain), or an IP address or network (`10.1.2.3`,
`10.0.0.0/8`). An empty list allows no webhook at all.

A name on the list is not enough: at send time every address the name resolves to must be a
public one, or one the list names by address. So `*.example.com` cannot reach 127.0.0.1 or a
cloud metadata address through a record someone points there, and the request is made to the
address that was checked (`Target.address`), so a second, different answer to the same
lookup (DNS rebinding) is never used. Redirects are not followed (backend.delivery.webhook).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.errors import AuroraError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("https", "http")


class HostNotAllowed(AuroraError):
    """A webhook URL outside the allow-list (or not a usable URL at all)."""

    status, code = 422, "host_not_allowed"


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    host: str
    address: str


def _unmapped(address: IPAddress) -> IPAddress:
    # ::ffff:127.0.0.1 is 127.0.0.1: judge the IPv4 address it carries.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _public(address: IPAddress) -> bool:
    return address.is_global and not address.is_multicast


def _ip(text: str) -> IPAddress | None:
    try:
        return _unmapped(ipaddress.ip_address(text))
    except ValueError:
        return None


@dataclass(frozen=True)
class AllowedHosts:
    names: frozenset[str]
    suffixes: tuple[str, ...]  # ".example.com" for "*.example.com"
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, setting: str | None) -> AllowedHosts:
        """
        >>> hosts = AllowedHosts.parse("hooks.slack.com, *.office.com, 10.0.0.0/8")
        >>> hosts.names, hosts.suffixes, [str(n) for n in hosts.networks]
        (frozenset({'hooks.slack.com'}), ('.office.com',), ['10.0.0.0/8'])
        """
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for entry in (e.strip().lower().rstrip(".") for e in (setting or "").split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if entry.startswith("*."):
                    suffixes.append(entry[1:])
                else:
                    names.add(entry)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def check(self, url: str) -> Target:
        """The URL's shape and host against the list, without resolving (saving a webhook).
        The address of a named host is left empty: `resolve` fills it when sending."""
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise HostNotAllowed("A webhook URL starts with https:// (or http://) and a host.")
        if parts.username is not None or parts.password is not None:
            raise HostNotAllowed("A webhook URL carries no user name or password.")
        try:
            parts.port  # noqa: B018 - a port outside 0-65535 raises here
        except ValueError as exc:
            raise HostNotAllowed("The webhook URL's port is not a number from 1 to 65535.") from exc
        host = parts.hostname.rstrip(".")
        address = _ip(host)
        if not (self._listed_address(address) if address else self._listed_name(host)):
            raise HostNotAllowed(
                f"The host {host} is not in WEBHOOK_ALLOWED_HOSTS; an administrator can add it."
            )
        return Target(url.strip(), host, str(address) if address else "")

    def resolve(self, url: str) -> Target:
        """`check`, then the host resolved: each address must be public or listed."""
        target = self.check(url)
        if target.address:
            return target
        addresses = _lookup(target.host, urlsplit(target.url).port)
        refused = [a for a in addresses if not (_public(a) or self._listed_address(a))]
        if refused or not addresses:
            raise HostNotAllowed(
                f"The host {target.host} resolves to an internal address ({refused[0]}), "
                "which only an address entry in WEBHOOK_ALLOWED_HOSTS may allow."
                if refused
                else f"The host {target.host} has no address."
            )
        return Target(target.url, target.host, str(addresses[0]))

    def _listed_name(self, host: str) -> bool:
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def _listed_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _lookup(host: str, port: int | None) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotAllowed(f"The host {host} could not be resolved: {exc}.") from exc
    found = (_ip(str(info[4][0])) for info in infos)
    return list(dict.fromkeys(a for a in found if a is not None))
