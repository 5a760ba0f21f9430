// Writes ../open.json: compact JWE ("alg":"dir", "enc":"A256GCM") known-answer
// vectors for sesstool's format "jwe" (testvectors/README.md's schema).
//
// Tokens are encrypted by jose 4.15.9 (panva/jose, CompactEncrypt; 4.x is the
// last major version that writes "zip":"DEF", jose 5 dropped it). Tokens that
// jose refuses to write ("crit", an unknown "zip", a non-empty encrypted key
// with "dir", a short IV, a header claiming "alg":"none") are built here by
// hand with node's crypto AES-256-GCM, as an attacker would. Keys, IVs, times
// and claims are fixed (the IVs with jose's setInitializationVector, which
// exists for tests), so the output is the same on every run.
//
//   cd testvectors/jwe/gen && npm install && node gen.mjs
import { CompactEncrypt } from 'jose';
import { createCipheriv, createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const enc = new TextEncoder();
const at = '2027-06-01T00:00:00Z';
const now = Date.parse(at) / 1000; // 1811808000
const b64 = (b) => Buffer.from(b).toString('base64url');
const keyOf = (label) => createHash('sha256').update(label).digest(); // 32 fixed bytes
const k0 = keyOf('sesstool jwe test key 0');
const k1 = keyOf('sesstool jwe test key 1');
const keys = [
  { algorithm: 'jwe-dir-a256gcm', input: k0.toString('hex') + '\n' },
  { algorithm: 'jwe-dir-a256gcm', input: k1.toString('hex') + '\n' },
  { algorithm: 'jwe-dir-a256gcm', input: k0.toString('hex') + '\n', options: { iss: 'https://issuer.example', aud: 'sesstool-tests' } },
];

let ivCounter = 0;
const nextIV = () => { const iv = Buffer.alloc(12); iv.writeUInt32BE(++ivCounter, 8); return iv; };

// jwe encrypts plaintext (an object is JSON-encoded) with jose.
async function jwe(key, plaintext, header = {}) {
  const pt = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
  return new CompactEncrypt(enc.encode(pt))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...header })
    .setInitializationVector(nextIV())
    .encrypt(key);
}

// byHand encrypts with AES-256-GCM under headerText, as given (the AAD is its
// base64url), with the parts as given.
function byHand(key, headerText, plaintext, { encryptedKey = Buffer.alloc(0), iv = nextIV(), zip = false } = {}) {
  const h = b64(headerText);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(h, 'ascii'));
  const pt = zip ? deflateRawSync(Buffer.from(plaintext)) : Buffer.from(plaintext);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return [h, b64(encryptedKey), b64(iv), b64(ct), b64(c.getAuthTag())].join('.');
}

const base = { sub: 'user-42', iat: now - 3600, nbf: now - 60, exp: now + 3600 };
const tests = [];
const add = (t) => tests.push({ id: tests.length + 1, at, ...t });
const valid = (comment, tok, keys, payload) => add({ comment, token: tok, keys, result: 'valid', payload });
const bad = (comment, tok, keys, result = 'invalid') => add({ comment, token: tok, keys, result });

{
  const c = { ...base, role: 'admin' };
  valid('dir + A256GCM, with iat, nbf and exp', await jwe(k0, c), [0], c);
  const big = { ...base, items: Array.from({ length: 50 }, (_, i) => ({ i, name: 'item ' + i })) };
  valid('"zip":"DEF": raw DEFLATE before encryption', await jwe(k0, big, { zip: 'DEF' }), [0], big);
  const rich = { sub: 'user-9', name: 'Zoë 🍪', prefs: { n: 1.5, ok: true, none: null } };
  valid('no time claims, non-ASCII text, a kid and typ in the header (shown, not used)', await jwe(k0, rich, { kid: 'enc-2027', typ: 'JWT' }), [0], rich);
  const aud = { ...base, iss: 'https://issuer.example', aud: ['sesstool-tests'] };
  valid('iss and aud as the key requires', await jwe(k0, aud), [2], aud);
  valid('rotated keys: the token opens under the older of two keys', await jwe(k0, c), [0, 1], c);
  const frac = { sub: 'user-8', exp: now + 0.25 };
  valid('a fractional exp', await jwe(k0, frac), [0], frac);
}
{
  const c = { ...base };
  const cj = JSON.stringify(c);
  const good = await jwe(k0, c);
  const p = good.split('.');
  bad('wrong key', await jwe(k1, c), [0]);
  const ct = Buffer.from(p[3], 'base64url'); ct[0] ^= 1;
  bad('tampered: one ciphertext bit flipped', [p[0], p[1], p[2], b64(ct), p[4]].join('.'), [0]);
  bad('tampered: another protected header (the AAD) with the same IV, ciphertext and tag', [b64('{"alg":"dir","enc":"A256GCM","kid":"x"}'), p[1], p[2], p[3], p[4]].join('.'), [0]);
  bad('tampered: the tag truncated to 12 bytes', [p[0], p[1], p[2], p[3], b64(Buffer.from(p[4], 'base64url').subarray(0, 12))].join('.'), [0]);
  bad('"alg":"A256KW" (key wrap) under the same key bytes', await new CompactEncrypt(enc.encode(cj)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).setContentEncryptionKey(keyOf('sesstool jwe test cek')).setInitializationVector(nextIV()).encrypt(k0), [0]);
  bad('"enc":"A128GCM" under the key\'s first 16 bytes', await new CompactEncrypt(enc.encode(cj)).setProtectedHeader({ alg: 'dir', enc: 'A128GCM' }).setInitializationVector(nextIV()).encrypt(k0.subarray(0, 16)), [0]);
  bad('"alg":"none" in a JWE header, encrypted under the key', byHand(k0, '{"alg":"none","enc":"A256GCM"}', cj), [0]);
  bad('"dir" with a non-empty encrypted key', byHand(k0, '{"alg":"dir","enc":"A256GCM"}', cj, { encryptedKey: Buffer.alloc(32, 7) }), [0]);
  bad('an 8-byte IV', byHand(k0, '{"alg":"dir","enc":"A256GCM"}', cj, { iv: Buffer.alloc(8, 1) }), [0]);
  bad('"crit" in the header', byHand(k0, '{"alg":"dir","enc":"A256GCM","crit":["exp"],"exp":1}', cj), [0]);
  bad('"zip":"GZIP" (only DEF exists)', byHand(k0, '{"alg":"dir","enc":"A256GCM","zip":"GZIP"}', cj, { zip: true }), [0]);
  bad('zip bomb: 1 MiB of claims compressed to about 1 KiB, more than the 64 KiB sesstool inflates', await jwe(k0, JSON.stringify({ sub: 'x', pad: 'a'.repeat(1 << 20) }), { zip: 'DEF' }), [0]);
  bad('"zip":"DEF" over data that is not DEFLATE', byHand(k0, '{"alg":"dir","enc":"A256GCM","zip":"DEF"}', cj), [0]);
  bad('a nested JWT ("cty":"JWT")', await jwe(k0, 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', { cty: 'JWT' }), [0]);
  bad('duplicate "alg" in the header', byHand(k0, '{"alg":"dir","alg":"A256KW","enc":"A256GCM"}', cj), [0]);
  bad('duplicate "exp" in the claims', await jwe(k0, '{"sub":"x","exp":1,"exp":' + (now + 3600) + '}'), [0]);
  bad('the plaintext is not JSON', await jwe(k0, 'hello, world'), [0]);
  add({ comment: 'expired', token: await jwe(k0, { ...c, exp: now - 1 }), keys: [0], result: 'expired' });
  add({ comment: 'not yet valid: nbf after the clock', token: await jwe(k0, { ...c, nbf: now + 60 }), keys: [0], result: 'not-yet-valid' });
  bad('iss mismatch', await jwe(k0, { ...c, iss: 'https://evil.example', aud: 'sesstool-tests' }), [2]);
  bad('aud mismatch', await jwe(k0, { ...c, iss: 'https://issuer.example', aud: 'other-service' }), [2]);
  bad('aud present, and the key names no audience', await jwe(k0, { ...c, aud: 'sesstool-tests' }), [0]);
  bad('malformed: four parts', p.slice(0, 4).join('.'), [0]);
  bad('malformed: padding on the tag', good + '==', [0]);
  bad('malformed: a JWT (three parts) given to a JWE key', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.e30.AAAA', [0]);
}

const out = {
  format: 'jwe',
  source: 'generated by testvectors/jwe/gen/gen.mjs with jose 4.15.9 (panva/jose) and node:crypto AES-256-GCM; see testvectors/jwe/README.md',
  keys,
  tests,
};
writeFileSync(new URL('../open.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${tests.length} tests`);
