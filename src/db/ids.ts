import { randomBytes, randomFillSync, randomInt } from 'node:crypto';

// Random bytes for ids, drawn from the system a pool at a time (one call per 256 uuids rather
// than one each): the same CSPRNG, as crypto.randomUUID does it.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function random16(): Buffer {
  if (poolOffset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return bytes;
}

let lastMs = 0;
let sequence = 0;

/**
 * Time-ordered UUID (version 7, RFC 9562) like PostHog's UUIDT: ids created later sort later,
 * which orders activity rows created in the same millisecond. A 12-bit counter keeps ids
 * monotonic within one millisecond in this process.
 */
export function uuidv7(now = Date.now()): string {
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    sequence = randomInt(0, 0x800);
  }
  const bytes = random16();
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const SHORT_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** PostHog's generate_short_id: 8 characters from A–Z a–z 0–9, cryptographically random. */
export function shortId(): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += SHORT_ID_ALPHABET[randomInt(SHORT_ID_ALPHABET.length)];
  return id;
}

// PostHog's current generate_random_token alphabet: base62 without the ambiguous 0 1 O I l.
const BASE57 = '23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';

/** PostHog's generate_random_token(nbytes): big-endian base57 of nbytes random bytes, top bit set. */
export function randomToken(nbytes: number): string {
  const bytes = randomBytes(nbytes);
  bytes[0] |= 0x80;
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (value > 0n) {
    out = BASE57[Number(value % 57n)] + out;
    value /= 57n;
  }
  return out;
}
