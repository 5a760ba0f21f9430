#!/usr/bin/env python3
"""Convert the official PASETO v4 test vectors (official/v4.json, from
paseto-standard/test-vectors @ 32d7406591eb022f9eff88abb84106dd9d42c0f2) into
sesstool's known-answer schema (testvectors/README.md): open-official-local.json
and open-official-public.json. Run from testvectors/paseto:

    /usr/bin/python3 gen/convert.py

Each official test becomes one test. Its key is imported with the test's
implicit assertion as the key's implicit-assertion option, and the test's
ring holds only that key ("keys": [i]). The official tokens expire at
2022-01-01T00:00:00+00:00, so the clock ("at") is 2021-12-31T00:00:00Z, when
they are valid; one more test per format opens the first token at its
expiry instant, where it must be rejected as expired. Expected failures
(4-F-*) are "invalid"; each goes to the file of the key it is given with.
"""
import json

AT = "2021-12-31T00:00:00Z"
EXPIRY = "2022-01-01T00:00:00Z"

src = json.load(open("official/v4.json"))


def new_file(fmt):
    return {
        "format": fmt,
        "source": "official PASETO v4 test vectors (paseto-standard/test-vectors v4.json @ 32d7406591eb022f9eff88abb84106dd9d42c0f2, ISC), converted by gen/convert.py",
        "keys": [],
        "tests": [],
    }


files = {"local": new_file("paseto-v4-local"), "public": new_file("paseto-v4-public")}


def key_index(f, alg, inp, implicit):
    k = {"algorithm": alg, "input": inp}
    if implicit:
        k["options"] = {"implicit-assertion": implicit}
    if k not in f["keys"]:
        f["keys"].append(k)
    return f["keys"].index(k)


for t in src["tests"]:
    if "key" in t:  # a symmetric key: the v4.local file
        f, alg, inp = files["local"], "paseto-v4-local", t["key"]
    else:
        f, alg, inp = files["public"], "paseto-v4-public", t["public-key"]
    i = key_index(f, alg, inp, t["implicit-assertion"])
    test = {
        "id": len(f["tests"]) + 1,
        "comment": t["name"] + (" (expected failure)" if t["expect-fail"] else "")
        + (", footer " + json.dumps(t["footer"]) if t["footer"] else "")
        + (", implicit assertion " + json.dumps(t["implicit-assertion"]) if t["implicit-assertion"] else ""),
        "token": t["token"],
        "keys": [i],
        "at": AT,
        "result": "invalid" if t["expect-fail"] else "valid",
    }
    if not t["expect-fail"]:
        test["payload"] = json.loads(t["payload"])
    f["tests"].append(test)

# The first valid token of each file, at its expiry.
for f in files.values():
    first = next(t for t in f["tests"] if t["result"] == "valid")
    f["tests"].append({
        "id": len(f["tests"]) + 1,
        "comment": first["comment"].split(",")[0] + " opened at its exp claim, " + EXPIRY + ": expired",
        "token": first["token"],
        "keys": first["keys"],
        "at": EXPIRY,
        "result": "expired",
    })

# The secret key of the public vectors also verifies (and mints).
for t in src["tests"]:
    if t["name"] == "4-S-1":
        f = files["public"]
        i = key_index(f, "paseto-v4-public", t["secret-key"], "")
        f["tests"].append({
            "id": len(f["tests"]) + 1,
            "comment": "4-S-1 under the 64-byte secret key (seed || public key) instead of the public key",
            "token": t["token"], "keys": [i], "at": AT, "result": "valid",
            "payload": json.loads(t["payload"]),
        })

for name, f in files.items():
    with open("open-official-%s.json" % name, "w") as out:
        json.dump(f, out, indent=2, ensure_ascii=False)
        out.write("\n")
