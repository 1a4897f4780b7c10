"""WEBHOOK_ALLOWED_HOSTS as a table: which URLs pass at save (no lookup), and which
addresses a send may connect to."""

from __future__ import annotations

import pytest

from backend.delivery.allowed_hosts import AllowedHosts, HostNotAllowed

LIST = "hooks.slack.com, *.office.com, 10.1.2.3, 192.168.0.0/16, 127.0.0.1"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T/B/x",
        "https://HOOKS.slack.com./x",  # case and a trailing dot are the same host
        "https://a.b.office.com/hook",
        "http://10.1.2.3:8080/x",
        "http://192.168.4.5/x",
        "http://[::ffff:127.0.0.1]/x",  # an IPv4-mapped address is judged as its IPv4
    ],
)
def test_listed_hosts_pass_at_save(url: str) -> None:
    assert AllowedHosts.parse(LIST).check(url).url == url


@pytest.mark.parametrize(
    "url",
    [
        "https://office.com/x",  # a wildcard is for subdomains, not the bare domain
        "https://evil-office.com/x",
        "https://hooks.slack.com.evil.example/x",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata, not listed
        "http://10.1.2.4/x",
        "https://user:pw@hooks.slack.com/x",
        "https://hooks.slack.com:99999/x",
        "file:///etc/passwd",
        "hooks.slack.com/x",
    ],
)
def test_other_urls_are_refused_at_save(url: str) -> None:
    with pytest.raises(HostNotAllowed):
        AllowedHosts.parse(LIST).check(url)


def test_an_empty_list_allows_nothing() -> None:
    for setting in ("", " , ", None):
        with pytest.raises(HostNotAllowed):
            AllowedHosts.parse(setting).check("https://hooks.slack.com/x")


def test_an_address_url_connects_to_that_address_and_a_name_to_a_checked_one() -> None:
    hosts = AllowedHosts.parse("127.0.0.1, ::1, localhost")
    assert hosts.resolve("http://127.0.0.1:9/x").address == "127.0.0.1"
    assert hosts.resolve("http://localhost:9/x").address in ("127.0.0.1", "::1")
    with pytest.raises(HostNotAllowed, match="internal address"):
        AllowedHosts.parse("localhost").resolve("http://localhost:9/x")
