'use strict';
// Writes ../open.json: @hapi/iron seals (the version in package.json, 7.0.1
// when the file was written) for sesstool's TestForeignVectors.
//
//   cd testvectors/iron/gen && npm install && node gen.js
//
// Reproducible: Date.now is fixed (moved by setNow) and crypto.randomBytes,
// which iron uses (through @hapi/cryptiles) for its salts and IVs, is
// replaced by SHA-256 of a counter. Both are patched before iron is loaded.
const Crypto = require('crypto');
const Fs = require('fs');

let counter = 0;
Crypto.randomBytes = (n) => {
    let out = Buffer.alloc(0);
    while (out.length < n) {
        out = Buffer.concat([out, Crypto.createHash('sha256').update('iron vectors ' + counter++).digest()]);
    }
    return out.subarray(0, n);
};
let now = Date.parse('2027-05-10T12:00:00Z');
Date.now = () => now;
const setNow = (iso) => { now = Date.parse(iso); };

const Iron = require('@hapi/iron');
const version = require('@hapi/iron/package.json').version;

const P1 = 'a password of at least 32 characters, #1';
const P2 = 'another password, at least 32 characters long';
const P3 = 'the password that replaced P2, 32+ characters';
const PX = 'a wrong password, of 32 characters or more!!';

const keys = [
    { algorithm: 'iron', input: P1 + '\n' },                                          // 0
    { algorithm: 'iron', input: P2 + '\n', options: { 'password-id': 'k1' } },        // 1
    { algorithm: 'iron', input: P3 + '\n', options: { 'password-id': 'k1' } },        // 2
    { algorithm: 'iron', input: PX + '\n' },                                          // 3
    { algorithm: 'iron', input: P1 + '\n', options: { 'max-age': '3600' } },          // 4
    { algorithm: 'iron', input: P2 + '\n', options: { 'password-id': 'default' } }    // 5
];

const tests = [];
const add = (t) => tests.push(Object.assign({ id: tests.length + 1 }, t));
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const change = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
const part = (seal, n, f) => { const p = seal.split('*'); p[n] = f(p[n]); return p.join('*'); };

const main = async () => {
    const t0 = now;
    const opts = Iron.defaults;
    const ttl = (ms) => Object.assign({}, opts, { ttl: ms });

    const payload = { user: 'alice', scope: ['read', 'write'], n: 1.5, admin: false, nested: { a: null } };
    const s1 = await Iron.seal(payload, P1, opts);
    add({ comment: 'seal of an object, no expiration, no password id', token: s1, keys: [0], at: iso(t0), result: 'valid', payload });
    add({ comment: 'the same seal under the wrong password', token: s1, keys: [3], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal, the wrong password tried first', token: s1, keys: [3, 0], at: iso(t0), result: 'valid', payload });
    add({ comment: 'the same seal, one character of the ciphertext changed', token: part(s1, 4, (p) => change(p, 10)), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal, one character of the HMAC changed', token: part(s1, 7, (p) => change(p, 5)), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal, one character of the encryption salt changed', token: part(s1, 2, (p) => (p[0] === 'a' ? 'b' : 'a') + p.slice(1)), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal given an expiration', token: part(s1, 5, () => String(t0 + 3600000)), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal under a key with max-age: it has no expiration', token: s1, keys: [4], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal with a password id it was not sealed with', token: part(s1, 1, () => 'k1'), keys: [0, 1], at: iso(t0), result: 'invalid' });

    const s2 = await Iron.seal('just a string', P1, ttl(3600 * 1000));
    add({ comment: 'seal of a string, expiring in an hour', token: s2, keys: [0], at: iso(t0 + 1800 * 1000), result: 'valid', payload: 'just a string' });
    add({ comment: 'the same seal a second before its expiration', token: s2, keys: [0], at: iso(t0 + 3599 * 1000), result: 'valid', payload: 'just a string' });
    add({ comment: 'the same seal at its expiration (no leeway: iron\'s timestampSkewSec is Options.Leeway)', token: s2, keys: [0], at: iso(t0 + 3600 * 1000), result: 'expired' });
    add({ comment: 'the same seal an hour after its expiration', token: s2, keys: [0], at: iso(t0 + 7200 * 1000), result: 'expired' });
    add({ comment: 'the same seal under the wrong password, after its expiration', token: s2, keys: [3], at: iso(t0 + 7200 * 1000), result: 'invalid' });
    add({ comment: 'the same seal under a key with max-age=3600: it expires within the hour', token: s2, keys: [4], at: iso(t0), result: 'valid', payload: 'just a string' });
    add({ comment: 'the same seal with its expiration moved a day later', token: part(s2, 5, (p) => String(Number(p) + 86400000)), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal with a malformed expiration', token: part(s2, 5, (p) => p + 'x'), keys: [0], at: iso(t0), result: 'invalid' });

    const s3 = await Iron.seal([1, 'two', { three: 3 }], P1, ttl(2 * 3600 * 1000));
    add({ comment: 'seal of an array expiring in two hours, under a key with max-age=3600', token: s3, keys: [4], at: iso(t0), result: 'invalid' });
    add({ comment: 'the same seal an hour and a half later, under max-age=3600', token: s3, keys: [4], at: iso(t0 + 5400 * 1000), result: 'valid', payload: [1, 'two', { three: 3 }] });

    setNow('2028-01-20T08:15:30Z');
    const t1 = now;
    const p4 = { sid: 'b1946ac92492d2347c6235b4d2611184', 'ünï': 'cödé ✓', big: 12345678901234 };
    const s4 = await Iron.seal(p4, { id: 'k1', secret: P2 }, ttl(86400 * 1000));
    add({ comment: 'seal with password id k1, expiring in a day, unicode', token: s4, keys: [1], at: iso(t1), result: 'valid', payload: p4 });
    add({ comment: 'the k1 seal, the ring holding the replacement k1 password and the right one', token: s4, keys: [2, 1], at: iso(t1), result: 'valid', payload: p4 });
    add({ comment: 'the k1 seal under the wrong k1 password', token: s4, keys: [2], at: iso(t1), result: 'invalid' });
    add({ comment: 'the k1 seal, the ring holding no k1 password (unknown password id)', token: s4, keys: [0, 3], at: iso(t1), result: 'invalid' });
    add({ comment: 'the k1 seal with its id changed to k2', token: part(s4, 1, () => 'k2'), keys: [1, 2], at: iso(t1), result: 'invalid' });
    add({ comment: 'the k1 seal with its id removed', token: part(s4, 1, () => ''), keys: [1, 0], at: iso(t1), result: 'invalid' });
    add({ comment: 'a seal without an id under a k1 key only', token: s1, keys: [1], at: iso(t1), result: 'invalid' });
    add({ comment: 'a seal without an id opens under password-id=default, as iron looks up passwords[\'default\']', token: await Iron.seal({ d: 1 }, P2, opts), keys: [5], at: iso(t1), result: 'valid', payload: { d: 1 } });

    const s5 = await Iron.seal({ g: true }, { id: 'k1', encryption: P2, integrity: P3 }, opts);
    add({ comment: 'a seal with separate encryption and integrity passwords (sesstool imports one password per key)', token: s5, keys: [1, 2], at: iso(t1), result: 'invalid' });

    // An authentic seal of text that is not JSON, built with iron's own
    // encrypt and hmacWithPassword, as seal does.
    const { encrypted, key } = await Iron.encrypt(P1, opts.encryption, '{"a":1} trailing');
    const base = ['Fe26.2', '', key.salt, key.iv.toString('base64url'), encrypted.toString('base64url'), ''].join('*');
    const mac = await Iron.hmacWithPassword(P1, opts.integrity, base);
    add({ comment: 'an authentic seal of text that is not JSON', token: base + '*' + mac.salt + '*' + mac.digest, keys: [0], at: iso(t1), result: 'invalid' });

    add({ comment: 'seven components', token: s1.split('*').slice(0, 7).join('*'), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'nine components', token: s1 + '*x', keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'the prefix of version 1', token: s1.replace('Fe26.2*', 'Fe26.1*'), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'an IV that is not base64url', token: part(s1, 3, (p) => p.slice(0, -2) + '+/'), keys: [0], at: iso(t0), result: 'invalid' });
    add({ comment: 'empty', token: '', keys: [0], at: iso(t0), result: 'invalid' });

    // Every valid test unseals with iron itself (with timestampSkewSec 0).
    for (const t of tests) {
        if (t.result !== 'valid' || t.keys.length !== 1) {
            continue;
        }
        const k = keys[t.keys[0]];
        const id = (k.options || {})['password-id'];
        const pw = k.input.slice(0, -1);
        now = Date.parse(t.at);
        const got = await Iron.unseal(t.token, id ? { [id]: pw } : pw, Object.assign({}, opts, { timestampSkewSec: 0 }));
        if (JSON.stringify(got) !== JSON.stringify(t.payload)) {
            throw new Error('test ' + t.id + ' does not unseal');
        }
    }
    const file = { format: 'iron', source: '@hapi/iron ' + version + ' (Iron.seal with Iron.defaults), generated by testvectors/iron/gen/gen.js', keys, tests };
    Fs.writeFileSync(__dirname + '/../open.json', JSON.stringify(file, null, 2) + '\n');
};

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
