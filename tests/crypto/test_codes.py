"""userpool.crypto.codes: one-time codes (spec §2.6) and policy-conforming temporary passwords."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from userpool.crypto import codes


def seeded(seed: int) -> Callable[[int], bytes]:
    return random.Random(seed).randbytes


def scripted(chunks: list[bytes]) -> Callable[[int], bytes]:
    it: Iterator[bytes] = iter(chunks)

    def draw(n: int) -> bytes:
        chunk = next(it)
        assert len(chunk) == n
        return chunk

    return draw


@pytest.mark.parametrize("digits", [1, 4, 6, 8, 10])
def test_numeric_code_always_has_the_digits(digits: int) -> None:
    draw = seeded(digits)
    for _ in range(2000):
        code = codes.numeric_code(draw, digits)
        assert len(code) == digits and code.isascii() and code.isdigit()


def test_numeric_code_default_is_six_digits_and_keeps_leading_zeros() -> None:
    # 6 digits need 3 bytes plus one spare: 4 bytes; value 5 → "000005".
    assert codes.numeric_code(scripted([b"\x00\x00\x00\x05"])) == "000005"


def test_numeric_code_rejects_the_biased_tail() -> None:
    # 2^32 - 2^32 % 10^6 = 4294000000 is the first rejected value.
    limit = (1 << 32) - (1 << 32) % 10**6
    draws = [limit.to_bytes(4, "big"), (0xFFFFFFFF).to_bytes(4, "big"), (limit - 1).to_bytes(4, "big")]
    assert codes.numeric_code(scripted(draws)) == str((limit - 1) % 10**6).zfill(6)


def test_numeric_code_is_roughly_uniform() -> None:
    draw = seeded(3)
    counts = Counter(codes.numeric_code(draw, 1) for _ in range(20000))
    assert set(counts) == set("0123456789")
    assert all(1700 < n < 2300 for n in counts.values())


def test_broken_random_sources() -> None:
    with pytest.raises(ValueError):
        codes.numeric_code(lambda n: b"\x00" * (n - 1))
    with pytest.raises(RuntimeError):
        codes.numeric_code(lambda n: b"\xff" * n)
    with pytest.raises(ValueError):
        codes.numeric_code(seeded(1), 0)


def test_hash_and_verify_code() -> None:
    pepper = b"p" * 32
    stored = codes.hash_code("012345", pepper)
    assert len(stored) == 32
    assert codes.verify_code("012345", pepper, stored)
    assert not codes.verify_code("12345", pepper, stored)
    assert not codes.verify_code("012346", pepper, stored)
    assert not codes.verify_code("012345", b"q" * 32, stored)
    assert not codes.verify_code("012345", pepper, stored[:-1])
    assert not codes.verify_code("\ud800", pepper, stored)
    assert codes.hash_code("012345", b"q" * 32) != stored


CLASSES = {
    "upper": set(codes.UPPER),
    "lower": set(codes.LOWER),
    "numbers": set(codes.DIGITS),
    "symbols": set(codes.TEMPORARY_PASSWORD_SYMBOLS),
}


def test_symbol_set_is_cognitos() -> None:
    assert set(codes.TEMPORARY_PASSWORD_SYMBOLS) == set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")
    assert len(codes.TEMPORARY_PASSWORD_SYMBOLS) == 32


@pytest.mark.parametrize("policy", range(16))
@pytest.mark.parametrize("length", [4, 6, 8, 12, 99])
def test_temporary_password_satisfies_policy(policy: int, length: int) -> None:
    wanted = {name: bool(policy >> i & 1) for i, name in enumerate(("upper", "lower", "numbers", "symbols"))}
    draw = seeded(policy * 1000 + length)
    allowed = CLASSES["upper"] | CLASSES["lower"] | CLASSES["numbers"]
    if wanted["symbols"]:
        allowed |= CLASSES["symbols"]
    for _ in range(300):
        password = codes.temporary_password(
            draw, length, wanted["upper"], wanted["lower"], wanted["numbers"], wanted["symbols"]
        )
        assert len(password) == length
        assert set(password) <= allowed
        for name, required in wanted.items():
            if required:
                assert set(password) & CLASSES[name], (name, password)


def test_temporary_password_uses_the_whole_alphabet_and_every_position() -> None:
    draw = seeded(99)
    seen: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for _ in range(3000):
        password = codes.temporary_password(draw, 8, True, True, True, True)
        seen.update(password)
        first[password[0]] += 1
    assert set(seen) == set(codes.UPPER + codes.LOWER + codes.DIGITS + codes.TEMPORARY_PASSWORD_SYMBOLS)
    # The shuffle moves the guaranteed characters: the first position is not always an upper-case letter.
    assert sum(n for c, n in first.items() if c in CLASSES["upper"]) < 3000 * 0.6


def test_temporary_password_too_short_for_policy() -> None:
    with pytest.raises(ValueError):
        codes.temporary_password(seeded(1), 3, True, True, True, True)
    with pytest.raises(ValueError):
        codes.temporary_password(seeded(1), 0, False, False, False, False)
    assert len(codes.temporary_password(seeded(1), 4, True, True, True, True)) == 4
