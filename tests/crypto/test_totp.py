"""TOTP (RFC 6238) as SOFTWARE_TOKEN_MFA uses it: SHA-1, 30 s, 6 digits, ±1 step, once per step."""

from __future__ import annotations

import base64

import pyotp

from userpool.crypto import totp

RFC_SECRET = b"12345678901234567890"  # RFC 6238 Appendix B, SHA-1


def test_rfc_6238_vectors_cut_to_six_digits() -> None:
    # Appendix B gives 8 digits; a 6-digit code is the same HOTP value modulo 10^6.
    for now, eight in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                       (2000000000, "69279037")):
        assert totp.code_at(RFC_SECRET, now) == eight[-6:]


def test_secret_code_is_unpadded_base32_of_the_secret() -> None:
    secret = totp.new_secret(lambda n: bytes(range(n)))
    code = totp.secret_code(secret)
    assert len(secret) == 32 and len(code) == 52 and "=" not in code
    assert base64.b32decode(code + "====") == secret
    assert pyotp.TOTP(code).at(1000) == totp.code_at(secret, 1000)  # what an authenticator app shows


def test_one_step_of_skew_either_way_and_no_more() -> None:
    now = 1_700_000_015.0
    step = int(now) // 30
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = totp.code_at(RFC_SECRET, now + 30 * offset)
        found = totp.matching_step(RFC_SECRET, code, now)
        assert (found == step + offset) if accepted else found is None, offset


def test_a_step_already_accepted_is_refused() -> None:
    now = 1_700_000_015.0
    code = totp.code_at(RFC_SECRET, now)
    step = totp.matching_step(RFC_SECRET, code, now)
    assert step is not None
    assert totp.matching_step(RFC_SECRET, code, now, after=step) is None
    earlier = totp.code_at(RFC_SECRET, now - 30)  # an older code than the last accepted one
    assert totp.matching_step(RFC_SECRET, earlier, now, after=step) is None


def test_malformed_codes_never_match() -> None:
    for code in ("", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345"):
        assert totp.matching_step(RFC_SECRET, code, 59) is None
