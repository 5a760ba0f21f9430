#!/usr/bin/python3
"""Writes ../open-cryptography.json: Fernet tokens written by the reference
Python implementation, cryptography.fernet (Debian's python3-cryptography
38.0.4: `apt-get install -y python3-cryptography`, run with /usr/bin/python3).

Fixed keys, fixed times and fixed IVs: every token goes through
Fernet._encrypt_from_parts(data, current_time, iv), the function that
Fernet.encrypt_at_time calls with os.urandom(16), so the output is
reproducible. Each valid token is checked with Fernet.decrypt_at_time (or
MultiFernet) before it is written. CI never runs this script.

Usage: /usr/bin/python3 gen_fernet.py > ../open-cryptography.json
"""
import base64
import json
import sys
from datetime import datetime, timezone

import cryptography
from cryptography.fernet import Fernet, MultiFernet, InvalidToken
from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_A = base64.urlsafe_b64encode(bytes(range(0, 32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
KEY_C = base64.urlsafe_b64encode(bytes(range(64, 96))).decode()

T = 1798761600  # 2027-01-01T00:00:00Z: the issue time of most tokens


def iv(n):
    return bytes([n] * 16)


def at(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tok(key, data, t, n):
    return Fernet(key)._encrypt_from_parts(data, t, iv(n)).decode()


def sign_raw(key, body):
    """HMAC-SHA256 a hand-built body under key's signing half (for
    authentic tokens with a bad layout, which Fernet never writes)."""
    k = base64.urlsafe_b64decode(key)
    h = hmac.HMAC(k[:16], hashes.SHA256())
    h.update(body)
    return base64.urlsafe_b64encode(body + h.finalize()).decode()


def cbc(key, data, n):
    k = base64.urlsafe_b64decode(key)
    e = Cipher(algorithms.AES(k[16:]), modes.CBC(iv(n))).encryptor()
    return e.update(data) + e.finalize()


keys = [
    {"algorithm": "fernet", "input": KEY_A + "\n", "options": {"max-age": "3600"}},  # 0
    {"algorithm": "fernet", "input": KEY_B + "\n", "options": {"max-age": "3600"}},  # 1
    {"algorithm": "fernet", "input": KEY_C + "\n"},  # 2: no max-age
    {"algorithm": "fernet", "input": KEY_C, "options": {"max-age": "60"}},  # 3: key C with a TTL
]
tests = []


def add(comment, token, keys_, t, result, payload=None, check=None):
    test = {"id": len(tests) + 1, "comment": comment, "token": token, "keys": keys_, "at": at(t), "result": result}
    if payload is not None:
        test["payload"] = payload
    if check is not None:  # what the reference implementation says
        check()
    tests.append(test)


def ok(key, token, t, ttl, want):
    def check():
        got = Fernet(key).decrypt_at_time(token.encode(), ttl, t) if ttl else Fernet(key).decrypt(token.encode())
        assert got == want, (got, want)
    return check


def bad(key, token, t, ttl):
    def check():
        try:
            Fernet(key).decrypt_at_time(token.encode(), ttl, t)
        except InvalidToken:
            return
        raise AssertionError("reference accepted " + token)
    return check


js = b'{"user":"alice","roles":["admin","dev"],"n":1}'
t1 = tok(KEY_A, js, T, 1)
add("JSON payload, key A (max-age 3600), 10 s after issue", t1, [0], T + 10, "valid",
    json.loads(js), ok(KEY_A, t1, T + 10, 3600, js))
t2 = tok(KEY_A, b"hello world", T, 2)
add("UTF-8 text payload, shown as a JSON string", t2, [0], T + 10, "valid", "hello world",
    ok(KEY_A, t2, T + 10, 3600, b"hello world"))
t3 = tok(KEY_A, b"\x80\x81\xff\x00", T, 3)
add("binary payload (not UTF-8), shown as standard base64", t3, [0], T + 10, "valid", "gIH/AA==",
    ok(KEY_A, t3, T + 10, 3600, b"\x80\x81\xff\x00"))
t4 = tok(KEY_A, b"", T, 4)
add("empty payload (one block of padding), shown as the empty string", t4, [0], T + 10, "valid", "",
    ok(KEY_A, t4, T + 10, 3600, b""))
t5 = tok(KEY_A, b"0123456789abcdef", T, 5)
add("payload of exactly one block: a whole block of padding follows; the digits are not JSON (leading zero)", t5, [0], T, "valid",
    "0123456789abcdef", ok(KEY_A, t5, T, 3600, b"0123456789abcdef"))
big = json.dumps({"items": [{"i": i, "name": "item-%d" % i} for i in range(40)]}, separators=(",", ":")).encode()
t6 = tok(KEY_A, big, T, 6)
add("larger JSON payload (%d bytes)" % len(big), t6, [0], T + 3599, "valid", json.loads(big),
    ok(KEY_A, t6, T + 3599, 3600, big))
add("expired: max-age 3600 and 3601 s after issue", t1, [0], T + 3601, "expired", check=bad(KEY_A, t1, T + 3601, 3600))
add("wrong key: made with key A, the ring holds key B", t1, [1], T + 10, "invalid", check=bad(KEY_B, t1, T + 10, 3600))
tc = tok(KEY_C, b'{"sid":"s-1"}', T, 7)
add("no max-age: the token has no expiry and opens ten years later", tc, [2], T + 10 * 365 * 86400, "valid", {"sid": "s-1"},
    ok(KEY_C, tc, T, None, b'{"sid":"s-1"}'))
add("max-age 60 on the same key C: 61 s after issue it is expired", tc, [3], T + 61, "expired", check=bad(KEY_C, tc, T + 61, 60))
add("max-age 60 on key C: 59 s after issue it opens", tc, [3], T + 59, "valid", {"sid": "s-1"}, ok(KEY_C, tc, T + 59, 60, b'{"sid":"s-1"}'))
tf = tok(KEY_A, b'"future"', T + 3600, 8)
add("issued an hour in the future (the reference rejects more than 60 s of skew)", tf, [0], T, "not-yet-valid",
    check=bad(KEY_A, tf, T, 3600))
# MultiFernet: key B is the old key, key A the new one (imported last, so newest).
tb = tok(KEY_B, b'{"user":"bob"}', T, 9)
mf = MultiFernet([Fernet(KEY_A), Fernet(KEY_B)])
add("MultiFernet: made with the old key B; the ring holds B then A, and B opens it", tb, [1, 0], T + 10, "valid", {"user": "bob"},
    lambda: mf.decrypt_at_time(tb.encode(), 3600, T + 10))
add("MultiFernet: made with the new key A; the ring holds B then A", t1, [1, 0], T + 10, "valid", json.loads(js),
    lambda: mf.decrypt_at_time(t1.encode(), 3600, T + 10))
add("MultiFernet: made with the old key B, which the ring no longer holds", tb, [0], T + 10, "invalid", check=bad(KEY_A, tb, T + 10, 3600))
# MultiFernet.rotate re-encrypts under the first key, keeping the timestamp (random IV, recorded in the token).
rot = mf.rotate(tb.encode()).decode()
add("MultiFernet.rotate(token of key B): now under key A, same timestamp", rot, [0], T + 10, "valid", {"user": "bob"},
    ok(KEY_A, rot, T + 10, 3600, b'{"user":"bob"}'))
add("MultiFernet.rotate keeps the issue time: expired 3601 s after the original issue", rot, [1, 0], T + 3601, "expired",
    check=bad(KEY_A, rot, T + 3601, 3600))
# Malformed tokens.
assert t2.endswith("=")
add("padding stripped from the base64url (the reference needs it)", t2.rstrip("="), [0], T + 10, "invalid")
add("standard base64 alphabet instead of base64url", t1.replace("-", "+").replace("_", "/") if ("-" in t1 or "_" in t1) else t1[:-4] + "+/==", [0], T + 10, "invalid")
add("a line break inside the token", t1[:20] + "\n" + t1[20:], [0], T + 10, "invalid")
add("empty input", "", [0], T, "invalid")
body = bytes([0x81]) + T.to_bytes(8, "big") + iv(10) + cbc(KEY_A, padding_block := (b'{"v":1}' + bytes([9] * 9)), 10)
add("version byte 0x81 with a valid HMAC", sign_raw(KEY_A, body), [0], T + 10, "invalid")
body = bytes([0x80]) + T.to_bytes(8, "big") + iv(11) + cbc(KEY_A, b'{"v":1}' + bytes([0] * 9), 11)
add("valid HMAC, but the plaintext's padding is not PKCS #7", sign_raw(KEY_A, body), [0], T + 10, "invalid",
    check=bad(KEY_A, sign_raw(KEY_A, body), T + 10, 3600))
body = bytes([0x80]) + T.to_bytes(8, "big") + iv(12)
add("valid HMAC over a header with no ciphertext", sign_raw(KEY_A, body), [0], T + 10, "invalid")
body = bytes([0x80]) + (2**63).to_bytes(8, "big") + iv(13) + cbc(KEY_A, b'{"v":1}' + bytes([9] * 9), 13)
add("valid HMAC, timestamp 2^63 (past year 9999)", sign_raw(KEY_A, body), [0], T + 10, "invalid")

json.dump({
    "format": "fernet",
    "source": "written by cryptography.fernet %s (Python, the reference implementation) with fixed keys, times and IVs: gen/gen_fernet.py" % cryptography.__version__,
    "keys": keys,
    "tests": tests,
}, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
