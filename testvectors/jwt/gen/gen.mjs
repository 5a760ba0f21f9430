// Writes ../open.json: JWT (JWS compact, HS256/384/512) known-answer
// vectors for sesstool's format "jwt" (testvectors/README.md's schema).
//
// Valid tokens, and those that differ only in their claims or keys, are
// signed by jose 5.10.0 (panva/jose, SignJWT and UnsecuredJWT). Tokens
// that jose refuses to write (a duplicate header member, "crit", "b64":false,
// an HS256-signed token whose header says RS256, claims of the wrong type)
// are built here by hand with node's crypto HMAC, as an attacker would.
// Everything is fixed: keys, times, claims; HMAC is deterministic, so the
// output is the same on every run.
//
//   cd testvectors/jwt/gen && npm install && node gen.mjs
import { SignJWT, UnsecuredJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const enc = new TextEncoder();
const at = '2027-06-01T00:00:00Z';
const now = Date.parse(at) / 1000; // 1811808000
const b64 = (s) => Buffer.from(s).toString('base64url');

const secrets = {
  hs256: 'sesstool test secret for HS256 tokens: 0123456789',
  hs384: 'sesstool test secret for HS384 tokens: 0123456789abcdefghijklmnopqr',
  hs512: 'sesstool test secret for HS512 tokens: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ',
  other: 'another HS256 secret, of another service, 0123456789',
};
const keys = [
  { algorithm: 'jwt-hs256', input: secrets.hs256 + '\n' },
  { algorithm: 'jwt-hs384', input: secrets.hs384 + '\n' },
  { algorithm: 'jwt-hs512', input: secrets.hs512 + '\n' },
  { algorithm: 'jwt-hs256', input: secrets.other + '\n' },
  { algorithm: 'jwt-hs256', input: secrets.hs256 + '\n', options: { iss: 'https://issuer.example', aud: 'sesstool-tests' } },
];

async function sign(alg, secret, claims, header = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg, ...header }).sign(enc.encode(secret));
}

// byHand signs header and claims (JSON text, as given) with HMAC.
function byHand(hash, secret, headerText, claimsText) {
  const input = b64(headerText) + '.' + b64(claimsText);
  return input + '.' + createHmac(hash, secret).update(input).digest('base64url');
}

const base = { sub: 'user-42', iat: now - 3600, nbf: now - 60, exp: now + 3600 };
const tests = [];
const add = (t) => tests.push({ id: tests.length + 1, at, ...t });
const valid = (comment, tok, keys, payload) => add({ comment, token: tok, keys, result: 'valid', payload });

// Valid tokens.
{
  const c = { ...base, role: 'admin' };
  valid('HS256, with iat, nbf and exp, jwt-hs256 key', await sign('HS256', secrets.hs256, c, { typ: 'JWT' }), [0], c);
  valid('HS384, jwt-hs384 key', await sign('HS384', secrets.hs384, c, { typ: 'JWT' }), [1], c);
  valid('HS512, jwt-hs512 key', await sign('HS512', secrets.hs512, c, { typ: 'JWT' }), [2], c);
  const noexp = { sub: 'user-7' };
  valid('HS256 without any time claim: nothing to check', await sign('HS256', secrets.hs256, noexp), [0], noexp);
  const frac = { sub: 'user-8', iat: now - 10.25, exp: now + 0.5 };
  valid('fractional NumericDates (RFC 7519 §2 allows them)', await sign('HS256', secrets.hs256, frac), [0], frac);
  const rich = { ...base, name: 'Zoë 🍪', groups: ['a', 'b'], prefs: { theme: 'dark', n: 1.5, ok: true, none: null } };
  valid('nested claims, non-ASCII text, a kid in the header (shown, not used)', await sign('HS256', secrets.hs256, rich, { typ: 'JWT', kid: 'key-2027' }), [0], rich);
  const aud = { ...base, iss: 'https://issuer.example', aud: ['other-service', 'sesstool-tests'] };
  valid('iss and aud (an array) as the key requires', await sign('HS256', secrets.hs256, aud), [4], aud);
  const aud1 = { ...base, iss: 'https://issuer.example', aud: 'sesstool-tests' };
  valid('iss and aud (a string) as the key requires', await sign('HS256', secrets.hs256, aud1), [4], aud1);
  valid('rotated secrets: the token opens under the older of two HS256 keys', await sign('HS256', secrets.hs256, c), [0, 3], c);
}

// Rejected tokens.
const bad = (comment, tok, keys, result = 'invalid') => add({ comment, token: tok, keys, result });
{
  const c = { ...base };
  const good = await sign('HS256', secrets.hs256, c);
  bad('"alg":"none" (an unsecured JWT, jose UnsecuredJWT)', new UnsecuredJWT(c).encode(), [0]);
  bad('"alg":"none" with the HS256 signature kept', b64('{"alg":"none"}') + good.slice(good.indexOf('.')), [0]);
  bad('algorithm switched: an HS384 token, signed with the HS256 key\'s secret, against the HS256 key', await sign('HS384', secrets.hs256, c), [0]);
  bad('algorithm switched: an HS256 token, signed with the HS384 key\'s secret, against the HS384 key', await sign('HS256', secrets.hs384, c), [1]);
  bad('RS256/HS256 confusion: header says RS256, HMAC-SHA256 under the secret', byHand('sha256', secrets.hs256, '{"alg":"RS256"}', JSON.stringify(c)), [0]);
  const parts = good.split('.');
  bad('tampered: other claims under the original signature', [parts[0], b64(JSON.stringify({ ...c, sub: 'admin' })), parts[2]].join('.'), [0]);
  bad('tampered: signature truncated by one byte', parts[0] + '.' + parts[1] + '.' + Buffer.from(parts[2], 'base64url').subarray(0, 31).toString('base64url'), [0]);
  bad('wrong key: signed by another service\'s HS256 secret', await sign('HS256', secrets.other, c), [0]);
  add({ comment: 'expired: exp one second before the clock', token: await sign('HS256', secrets.hs256, { ...c, exp: now - 1 }), keys: [0], result: 'expired' });
  add({ comment: 'expired: exp exactly at the clock', token: await sign('HS256', secrets.hs256, { ...c, exp: now }), keys: [0], result: 'expired' });
  add({ comment: 'not yet valid: nbf one minute after the clock', token: await sign('HS256', secrets.hs256, { ...c, nbf: now + 60 }), keys: [0], result: 'not-yet-valid' });
  add({ comment: 'not yet valid: issued one hour in the future', token: await sign('HS256', secrets.hs256, { ...c, iat: now + 3600, nbf: undefined }), keys: [0], result: 'not-yet-valid' });
  bad('iss mismatch', await sign('HS256', secrets.hs256, { ...c, iss: 'https://evil.example', aud: 'sesstool-tests' }), [4]);
  bad('iss missing, and the key requires one', await sign('HS256', secrets.hs256, { ...c, aud: 'sesstool-tests' }), [4]);
  bad('aud mismatch (array without the key\'s audience)', await sign('HS256', secrets.hs256, { ...c, iss: 'https://issuer.example', aud: ['other-service'] }), [4]);
  bad('aud missing, and the key requires one', await sign('HS256', secrets.hs256, { ...c, iss: 'https://issuer.example' }), [4]);
  bad('aud present, and the key names no audience (RFC 7519 §4.1.3)', await sign('HS256', secrets.hs256, { ...c, aud: 'sesstool-tests' }), [0]);
  const cj = JSON.stringify(c);
  bad('malformed: duplicate "alg" in the header', byHand('sha256', secrets.hs256, '{"alg":"HS256","alg":"none"}', cj), [0]);
  bad('malformed: duplicate "exp" in the claims', byHand('sha256', secrets.hs256, '{"alg":"HS256"}', '{"sub":"x","exp":1,"exp":' + (now + 3600) + '}'), [0]);
  bad('"crit" in the header', byHand('sha256', secrets.hs256, '{"alg":"HS256","crit":["exp"],"exp":1}', cj), [0]);
  bad('"b64":false (RFC 7797) in the header', byHand('sha256', secrets.hs256, '{"alg":"HS256","b64":false,"crit":["b64"]}', cj), [0]);
  bad('"b64":false without crit', byHand('sha256', secrets.hs256, '{"alg":"HS256","b64":false}', cj), [0]);
  bad('"alg" in lower case (algorithm names are case-sensitive)', byHand('sha256', secrets.hs256, '{"alg":"hs256"}', cj), [0]);
  bad('"exp" is a string, not a NumericDate', byHand('sha256', secrets.hs256, '{"alg":"HS256"}', '{"sub":"x","exp":"' + (now + 3600) + '"}'), [0]);
  bad('claims are an array, not an object', byHand('sha256', secrets.hs256, '{"alg":"HS256"}', '[1,2]'), [0]);
  bad('claims are not JSON', byHand('sha256', secrets.hs256, '{"alg":"HS256"}', 'hello'), [0]);
  bad('malformed: two parts', parts[0] + '.' + parts[1], [0]);
  bad('malformed: four parts', good + '.', [0]);
  bad('malformed: base64 padding on the signature', good + '=', [0]);
  bad('malformed: standard base64 (+ and /) instead of base64url', parts[0] + '.' + parts[1] + '.' + Buffer.from(parts[2], 'base64url').toString('base64').replace(/=+$/, ''), [0]);
  bad('malformed: header is not JSON', b64('alg:HS256') + '.' + parts[1] + '.' + parts[2], [0]);
}

const out = {
  format: 'jwt',
  source: 'generated by testvectors/jwt/gen/gen.mjs with jose 5.10.0 (panva/jose) and node:crypto HMAC; see testvectors/jwt/README.md',
  keys,
  tests,
};
writeFileSync(new URL('../open.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${tests.length} tests`);
