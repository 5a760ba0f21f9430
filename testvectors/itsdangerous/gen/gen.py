#!/usr/bin/python3
"""Writes ../open.json: itsdangerous URLSafeTimedSerializer tokens made by
the real library (Debian python3-itsdangerous 2.1.2-3, itsdangerous 2.1.2).

Run with Debian's python: /usr/bin/python3 gen.py > ../open.json
The clock is fixed by replacing time.time; nothing is random. Every test's
expected result is checked against itsdangerous' own loads() at the test's
time before it is written.
"""
import base64
import json
import sys
import time

import itsdangerous
from itsdangerous import URLSafeTimedSerializer, BadData

T0 = 1803902400  # 2027-03-01T12:00:00Z, the issue time of most tokens
NOW = [T0]
time.time = lambda: NOW[0]


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


KEYS = [
    {"algorithm": "itsdangerous", "input": "its-secret-2026\n", "options": {"max-age": "3600"}},
    {"algorithm": "itsdangerous", "input": "its-secret-2026\n", "options": {"salt": "email-confirm", "max-age": "86400"}},
    {"algorithm": "itsdangerous", "input": "old-its-secret\n"},
    {"algorithm": "itsdangerous", "input": "wrong-secret\n", "options": {"max-age": "3600"}},
]


def ser(i):
    k = KEYS[i]
    opts = k.get("options", {})
    return URLSafeTimedSerializer(k["input"].rstrip("\n"), salt=opts.get("salt", "itsdangerous"))


def max_age(i):
    a = KEYS[i].get("options", {}).get("max-age")
    return int(a) if a else None


tests = []


def add(comment, tok, at, result, keys=None, payload=None, check=True):
    """check: the keys' itsdangerous serializers must agree with result."""
    if check:
        NOW[0] = at
        ok = False
        for i in (keys if keys is not None else range(len(KEYS))):
            try:
                got = ser(i).loads(tok, max_age=max_age(i))
                ok = True
                assert result == "valid", (comment, got)
                assert got == payload, (comment, got)
                break
            except BadData:
                pass
        assert ok == (result == "valid"), comment
        NOW[0] = T0
    t = {"id": len(tests) + 1, "comment": comment, "token": tok, "at": rfc3339(at), "result": result}
    if keys is not None:
        t["keys"] = keys
    if payload is not None:
        t["payload"] = payload
    tests.append(t)


def mint(i, obj, at=T0):
    NOW[0] = at
    tok = ser(i).dumps(obj)
    NOW[0] = T0
    return tok


P1 = {"user_id": 42, "email": "ada@example.com", "roles": ["admin", "dev"]}
add("a dict payload", mint(0, P1), T0 + 60, "valid", [0], P1)
add("a list payload", mint(0, [1, 2.5, None, True, "x"]), T0 + 60, "valid", [0], [1, 2.5, None, True, "x"])
add("a string payload", mint(0, "confirm:ada@example.com"), T0 + 60, "valid", [0], "confirm:ada@example.com")
P4 = {"name": "Zoë 東京 \u2603", "nested": {"a": {"b": [{"c": -1.5e-7}]}}, "n": 12345678901234567890}
add("non-ASCII text (escaped by json.dumps), deep nesting, a big integer", mint(0, P4), T0 + 60, "valid", [0], P4)
P5 = {"items": ["item-%d" % (i % 10) for i in range(300)]}
tok5 = mint(0, P5)
assert tok5.startswith("."), "compressed"
add("a compressed payload (leading '.', zlib)", tok5, T0 + 60, "valid", [0], P5)
add("valid one second before max-age runs out", mint(0, P1), T0 + 3599, "valid", [0], P1)
tok_salt = mint(1, {"email": "ada@example.com"})
add("salt email-confirm: the key with that salt opens it", tok_salt, T0 + 60, "valid", [1], {"email": "ada@example.com"})
add("wrong salt: the same secret with the default salt does not", tok_salt, T0 + 60, "invalid", [0])
tok_old = mint(2, {"user_id": 7}, T0 - 86400 * 400)
add("rotated secrets: a token of the old secret opens with both keys in the ring; no max-age, no expiry", tok_old, T0, "valid", [0, 2], {"user_id": 7})
# A list of secrets signs with the newest (last); the ring holds both.
rot = URLSafeTimedSerializer(["old-its-secret", "its-secret-2026"])
add("a serializer with a list of secrets signs with the newest", rot.dumps({"v": 2}), T0 + 60, "valid", [0, 2], {"v": 2})
add("wrong key", mint(0, P1), T0 + 60, "invalid", [3])
add("expired: max-age 3600, opened 3601 s after issue", mint(0, P1), T0 + 3601, "expired", [0])
add("issued in the future: one hour ahead of the clock", mint(0, P1, T0 + 3600), T0, "not-yet-valid", [0])

good = mint(0, P1)
body, ts, sig = good.rsplit(".", 2)
other = base64.urlsafe_b64encode(json.dumps({"user_id": 1, "email": "ada@example.com", "roles": ["admin", "dev"]}, separators=(",", ":")).encode()).decode().rstrip("=")
add("tampered: another payload under the original signature", other + "." + ts + "." + sig, T0 + 60, "invalid", [0])
newts = base64.urlsafe_b64encode(itsdangerous.encoding.int_to_bytes(T0 + 86400)).decode().rstrip("=")
add("tampered: a later timestamp under the original signature", body + "." + newts + "." + sig, T0 + 60, "invalid", [0])
flip = "A" if sig[5] != "A" else "B"
add("tampered: one signature character changed", body + "." + ts + "." + sig[:5] + flip + sig[6:], T0 + 60, "invalid", [0])
add("tampered: the compression mark removed", tok5[1:], T0 + 60, "invalid", [0])
# Malformed (not checked by the library, which finds them bad too).
add("malformed: no signature", body + "." + ts, T0 + 60, "invalid", [0])
add("malformed: a 26-character signature", body + "." + ts + "." + sig[:-1], T0 + 60, "invalid", [0])
add("malformed: a timestamp of 9 bytes", body + "." + base64.urlsafe_b64encode(b"\x01" * 9).decode().rstrip("=") + "." + sig, T0 + 60, "invalid", [0])
add("malformed: not base64url", body + "." + ts + "." + sig[:-2] + "+/", T0 + 60, "invalid", [0])
add("malformed: empty", "", T0, "invalid", [0], check=False)
# A zlib bomb with a valid signature: 1 MiB of JSON compresses to ~1 KiB;
# itsdangerous opens it, sesstool refuses it at 64 KiB of output.
bomb = mint(0, "a" * (1 << 20))
assert bomb.startswith(".") and len(bomb) < 4096
add("a signed zlib bomb: 1 MiB of JSON; sesstool stops inflating at 64 KiB", bomb, T0 + 60, "invalid", [0], check=False)

json.dump({
    "format": "itsdangerous",
    "source": "itsdangerous 2.1.2 (Debian python3-itsdangerous 2.1.2-3), URLSafeTimedSerializer; testvectors/itsdangerous/gen/gen.py",
    "keys": KEYS,
    "tests": tests,
}, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
