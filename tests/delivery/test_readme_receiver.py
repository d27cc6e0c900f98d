"""The receiver's signature check printed in the README ("Delivering messages") works as
written: it accepts what the webhook sender signs and refuses changed bodies, other secrets and
old timestamps."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from userpool.delivery.webhook import signature

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_verify() -> Any:
    text = README.read_text()
    section = text[text.index("\n## Delivering messages\n"):]
    section = section[:section.find("\n## ", 1)]
    (code,) = [block for block in re.findall(r"^```python\n(.*?)^```$", section, re.S | re.M)
               if "def verify(" in block]
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    return namespace["verify"]


def test_the_readme_verifier_accepts_signed_bodies_only() -> None:
    verify = _readme_verify()
    secret, body = b"whsec-readme", b'{"medium":"SMS","body":"Your code is 123456"}'
    header = signature(secret, int(time.time()), body)
    assert verify(secret, header, body)
    assert not verify(secret, header, body.replace(b"123456", b"654321"))
    assert not verify(b"another", header, body)
    assert not verify(secret, signature(secret, int(time.time()) - 301, body), body)
    assert not verify(secret, "garbage", body)
