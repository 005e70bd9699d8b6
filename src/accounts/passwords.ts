import { hash, type Options, verify } from '@node-rs/argon2';
import { randomToken } from '../db/ids.ts';
import { validationFailed } from '../http/errors.ts';

// The binding's Algorithm is a const enum, which type stripping cannot inline: 2 is Argon2id.
const ARGON2ID = 2 as Options['algorithm'];

// OWASP's argon2id settings (19 MiB, 2 passes, 1 lane): about 20 ms a hash here, computed off the
// event loop by the binding's own threads.
const ARGON2: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const MIN_LENGTH = 8;
const WEAK_BELOW_SCORE = 3;

/** The stored form of a password: an argon2id PHC string, salt included. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

let dummyHash: Promise<string> | undefined;

/**
 * Whether the password matches the stored hash. Without a stored hash (no such user, or one
 * without a password) it checks against a dummy hash all the same, so that an unknown email costs
 * the time a known one does.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  // Made before the first check of either kind, so that the first one costs the same too.
  dummyHash ??= hashPassword(randomToken(16));
  const dummy = await dummyHash;
  if (stored === null) {
    await verify(dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

interface StrengthChecker {
  check(password: string): { score: number };
}

let checker: Promise<StrengthChecker> | undefined;

// zxcvbn's dictionaries are a few megabytes: loaded on the first password checked, not at start.
async function loadChecker(): Promise<StrengthChecker> {
  const [{ ZxcvbnFactory }, common, english] = await Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]);
  return new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
}

/**
 * PostHog's AUTH_PASSWORD_VALIDATORS: Django's minimum length (8), then zxcvbn with English
 * dictionaries (a score below 3 is too weak). The first failure is the answer, attr `password`.
 */
export async function validateNewPassword(password: string, attr = 'password'): Promise<void> {
  if ([...password].length < MIN_LENGTH) {
    throw validationFailed(
      attr,
      `This password is too short. It must contain at least ${MIN_LENGTH} characters.`,
      'password_too_short',
    );
  }
  checker ??= loadChecker();
  const { score } = (await checker).check(password);
  if (score < WEAK_BELOW_SCORE) throw validationFailed(attr, 'This password is too weak.', 'password_too_weak');
}

/** A password for the first user: 22 base57 characters, about 128 random bits. */
export function generatePassword(): string {
  return randomToken(16);
}
