"""Settings for issue 9 items 3 and 4: loopback detection, the refusal to run accept-any SigV4 on
a network address, list settings from flags and the environment, the settings file round trip."""

from __future__ import annotations

import pytest

from userpool.cli import _serve_parser, settings_from
from userpool.settings import Settings, from_environment, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "10.0.0.1", "example.com", "localhost.evil", ""])
def test_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_refusal_only_for_accept_any_off_loopback() -> None:
    assert Settings(host="0.0.0.0").admin_api_refusal() is not None
    assert Settings(host="127.0.0.1").admin_api_refusal() is None
    assert Settings(host="0.0.0.0", admin_credentials=("K:S",)).admin_api_refusal() is None
    assert Settings(host="0.0.0.0", insecure_accept_any_signature=True).admin_api_refusal() is None


def test_list_settings_from_the_environment() -> None:
    values = from_environment({
        "USERPOOL_CORS_ORIGINS": "https://a.example, https://b.example",
        "USERPOOL_CORS_ADMIN_ORIGINS": "https://console.example",
        "USERPOOL_TRUSTED_PROXIES": "10.0.0.0/8;127.0.0.1",
        "USERPOOL_INSECURE_ACCEPT_ANY_SIGNATURE": "true",
    })
    assert values == {
        "cors_origins": ("https://a.example", "https://b.example"),
        "cors_admin_origins": ("https://console.example",),
        "trusted_proxies": ("10.0.0.0/8", "127.0.0.1"),
        "insecure_accept_any_signature": True,
    }
    assert from_environment({"USERPOOL_INSECURE_ACCEPT_ANY_SIGNATURE": "0"}) == {
        "insecure_accept_any_signature": False,
    }


def test_list_flags_and_json_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    for name in ("USERPOOL_CORS_ORIGINS", "USERPOOL_TRUSTED_PROXIES", "USERPOOL_INSECURE_ACCEPT_ANY_SIGNATURE"):
        monkeypatch.delenv(name, raising=False)
    parser = argparse.ArgumentParser()
    _serve_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--trusted-proxies", "10.0.0.0/8,127.0.0.1", "--trusted-proxies", "::1",
                              "--cors-origins", "https://a.example"])
    settings = settings_from(args)
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "::1")
    assert settings.cors_origins == ("https://a.example",)
    assert settings.cors_admin_origins == ()
    assert settings.insecure_accept_any_signature is False
    assert Settings.from_json(settings.to_json()) == settings


def test_bad_trusted_proxy_is_refused() -> None:
    with pytest.raises(ValueError, match="not-an-ip"):
        Settings(trusted_proxies=("not-an-ip",)).check_trusted_proxies()
