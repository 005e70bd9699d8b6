/**
 * PostgreSQL's `english` text search configuration, re-done in TypeScript so that SQLite answers
 * PostHog's notebook `search` filter exactly as `to_tsvector('english', …) @@
 * plainto_tsquery('english', …)` does on PostgreSQL 15.
 *
 * Tokens are PostgreSQL's "word" characters: a run that starts with an alphabetic character or a
 * decimal digit and continues with those or combining marks (glibc's C.UTF-8 classification).
 * A token with an ASCII digit is a `numword`/`int` to PostgreSQL and goes to the `simple`
 * dictionary (lowercased, never stemmed, never a stop word); every other token goes to
 * `english_stem` (lowercased, stop words dropped, Snowball English stem).
 *
 * Where this tokenizer knowingly differs from PostgreSQL's default parser, which recognises
 * richer token types: hyphenated words (`x-ray` → PostgreSQL also indexes `x-ray` itself), emails,
 * URLs, host names and file paths (`a.b`, `c/d`, `me@x.io` stay one lexeme there), signed and
 * decimal numbers and versions (`-7`, `1.5`, `v1.2.3`), and XML/HTML tags and entities (which
 * PostgreSQL drops). Characters added to Unicode after glibc's tables (Node knows newer Unicode)
 * may be classified or lowercased differently.
 */

// PostgreSQL 15 tsearch_data/english.stop, in file order.
const ENGLISH_STOP_WORDS: readonly string[] = [
  'i',
  'me',
  'my',
  'myself',
  'we',
  'our',
  'ours',
  'ourselves',
  'you',
  'your',
  'yours',
  'yourself',
  'yourselves',
  'he',
  'him',
  'his',
  'himself',
  'she',
  'her',
  'hers',
  'herself',
  'it',
  'its',
  'itself',
  'they',
  'them',
  'their',
  'theirs',
  'themselves',
  'what',
  'which',
  'who',
  'whom',
  'this',
  'that',
  'these',
  'those',
  'am',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'have',
  'has',
  'had',
  'having',
  'do',
  'does',
  'did',
  'doing',
  'a',
  'an',
  'the',
  'and',
  'but',
  'if',
  'or',
  'because',
  'as',
  'until',
  'while',
  'of',
  'at',
  'by',
  'for',
  'with',
  'about',
  'against',
  'between',
  'into',
  'through',
  'during',
  'before',
  'after',
  'above',
  'below',
  'to',
  'from',
  'up',
  'down',
  'in',
  'out',
  'on',
  'off',
  'over',
  'under',
  'again',
  'further',
  'then',
  'once',
  'here',
  'there',
  'when',
  'where',
  'why',
  'how',
  'all',
  'any',
  'both',
  'each',
  'few',
  'more',
  'most',
  'other',
  'some',
  'such',
  'no',
  'nor',
  'not',
  'only',
  'own',
  'same',
  'so',
  'than',
  'too',
  'very',
  's',
  't',
  'can',
  'will',
  'just',
  'don',
  'should',
  'now',
];
const STOP_WORDS: ReadonlySet<string> = new Set(ENGLISH_STOP_WORDS);

const TOKEN = /[\p{Alphabetic}\p{Nd}][\p{Alphabetic}\p{M}\p{Nd}]*/gu;
const ASCII_DIGIT = /[0-9]/;
const HAS_SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
// A noncharacter stands in for each astral character while stemming: Snowball counts code points,
// and treats every non-ASCII character as a consonant it never removes.
const ASTRAL_STAND_IN = '\uFFFF';
const ASTRAL_STAND_INS = /\uFFFF/g;

// parsetext() ignores tokens of 2047 bytes or more; dict_snowball returns tokens over 1000 bytes
// lowercased but unstemmed. Both limits apply to the token as written, before lowercasing.
const MAX_TOKEN_BYTES = 2046;
const MAX_STEMMED_BYTES = 1000;

/** The lexemes of `to_tsvector('english', text)`, unique, in first-seen order. */
export function lexemes(text: string): string[] {
  return Array.from(lexemeSet(text));
}

/** The lexemes `plainto_tsquery('english', value)` ANDs together; none means no filter. */
export function searchQueryLexemes(value: string): string[] {
  return lexemes(value);
}

/** Whether `to_tsvector('english', coalesce(fieldText, ''))` holds every query lexeme. */
export function matchesSearch(queryLexemes: string[], fieldText: string | null): boolean {
  if (queryLexemes.length === 0) return true;
  if (fieldText === null || fieldText === '') return false;
  const field = lexemeSet(fieldText);
  for (const lexeme of queryLexemes) {
    if (!field.has(lexeme)) return false;
  }
  return true;
}

function lexemeSet(text: string): Set<string> {
  const found = new Set<string>();
  const tokens = text.match(TOKEN);
  if (tokens === null) return found;
  for (const token of tokens) {
    let lexeme = LEXEME_MEMO.get(token);
    if (lexeme === undefined) {
      lexeme = tokenLexeme(token) ?? null;
      if (token.length <= MEMO_TOKEN_LENGTH) {
        if (LEXEME_MEMO.size >= MEMO_SIZE) LEXEME_MEMO.clear();
        LEXEME_MEMO.set(token, lexeme);
      }
    }
    if (lexeme !== null) found.add(lexeme);
  }
  return found;
}

// Stemming is most of the CPU a save spends indexing text, and a vocabulary repeats: each
// token as written is stemmed once (null: a stop word or an ignored token), in a memo that
// starts over when full. The result depends on the token alone.
const MEMO_SIZE = 50_000;
const MEMO_TOKEN_LENGTH = 40;
const LEXEME_MEMO = new Map<string, string | null>();

function tokenLexeme(token: string): string | undefined {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so short tokens skip the byte count.
  const bytes = token.length * 3 > MAX_STEMMED_BYTES ? Buffer.byteLength(token, 'utf8') : 0;
  if (bytes > MAX_TOKEN_BYTES) return undefined;
  const lower = lowercase(token);
  if (ASCII_DIGIT.test(token) || bytes > MAX_STEMMED_BYTES) return lower;
  if (STOP_WORDS.has(lower)) return undefined;
  return stem(lower);
}

// PostgreSQL lowercases each character alone (towlower), while String#toLowerCase turns a final
// Σ into ς and İ into i + U+0307: redo only those tokens character by character.
function lowercase(token: string): string {
  const lower = token.toLowerCase();
  if (lower.length === token.length && !lower.includes('ς')) return lower;
  let each = '';
  for (const character of token) {
    each += character === 'İ' ? 'i' : character.toLowerCase();
  }
  return each;
}

const EXCEPTIONAL_FORMS: ReadonlyMap<string, string> = new Map([
  ['skis', 'ski'],
  ['skies', 'sky'],
  ['dying', 'die'],
  ['lying', 'lie'],
  ['tying', 'tie'],
  ['idly', 'idl'],
  ['gently', 'gentl'],
  ['ugly', 'ugli'],
  ['early', 'earli'],
  ['only', 'onli'],
  ['singly', 'singl'],
  ['sky', 'sky'],
  ['news', 'news'],
  ['howe', 'howe'],
  ['atlas', 'atlas'],
  ['cosmos', 'cosmos'],
  ['bias', 'bias'],
  ['andes', 'andes'],
]);
const LONGEST_EXCEPTIONAL_FORM = 6;
// Words left alone once Step 1a has run.
const INVARIANT_AFTER_1A: ReadonlySet<string> = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);

const CHAR_Y = 121;
const CHAR_UPPER_Y = 89;

function isVowel(code: number): boolean {
  // a e i o u y; a marked 'Y' is a consonant.
  return code === 97 || code === 101 || code === 105 || code === 111 || code === 117 || code === 121;
}

// Snowball's v_WXY: a vowel, w, x or a marked Y.
function isVowelOrWXY(code: number): boolean {
  return isVowel(code) || code === 119 || code === 120 || code === CHAR_UPPER_Y;
}

function isValidLiEnding(code: number): boolean {
  // c d e g h k m n r t
  return (
    code === 99 ||
    code === 100 ||
    code === 101 ||
    code === 103 ||
    code === 104 ||
    code === 107 ||
    code === 109 ||
    code === 110 ||
    code === 114 ||
    code === 116
  );
}

function isDoubleConsonant(word: string, end: number): boolean {
  if (end < 2) return false;
  const last = word.charCodeAt(end - 1);
  if (last !== word.charCodeAt(end - 2)) return false;
  // bb dd ff gg mm nn pp rr tt
  return (
    last === 98 ||
    last === 100 ||
    last === 102 ||
    last === 103 ||
    last === 109 ||
    last === 110 ||
    last === 112 ||
    last === 114 ||
    last === 116
  );
}

/**
 * A short syllable ends at `end`: consonant, vowel, consonant other than w, x or Y; or vowel,
 * consonant at the start.
 */
function endsWithShortSyllable(word: string, end: number): boolean {
  if (end < 2 || !isVowel(word.charCodeAt(end - 2))) return false;
  const last = word.charCodeAt(end - 1);
  if (isVowel(last)) return false;
  if (end === 2) return true;
  return !isVowelOrWXY(last) && !isVowel(word.charCodeAt(end - 3));
}

function hasVowelBefore(word: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    if (isVowel(word.charCodeAt(i))) return true;
  }
  return false;
}

/** The Snowball English (Porter2) stem of one lowercase word, as PostgreSQL's english_stem computes it. */
export function stem(word: string): string {
  if (word.length < 3) return word;
  if (word.length <= LONGEST_EXCEPTIONAL_FORM) {
    const exceptional = EXCEPTIONAL_FORMS.get(word);
    if (exceptional !== undefined) return exceptional;
  }
  let stemmed: string;
  if (HAS_SURROGATE.test(word)) {
    const astral = word.match(SURROGATE_PAIR) ?? [];
    let next = 0;
    stemmed = stemCodeUnits(word.replace(SURROGATE_PAIR, ASTRAL_STAND_IN)).replace(
      ASTRAL_STAND_INS,
      () => astral[next++],
    );
  } else {
    stemmed = stemCodeUnits(word);
  }
  // dict_snowball keeps the word when the stemmer leaves nothing of it (only possible for ''s).
  return stemmed === '' ? word : stemmed;
}

function stemCodeUnits(input: string): string {
  let w = input;
  if (w.length < 3) return w;

  // Prelude: drop a leading apostrophe; mark y as a consonant (Y) at the start and after a vowel.
  if (w.charCodeAt(0) === 39) w = w.slice(1);
  let yFound = false;
  for (let y = w.indexOf('y'); y >= 0; y = w.indexOf('y', y + 1)) {
    // Reads the marked word, so in "ayyy" the second y (after a Y) stays a vowel.
    if (y === 0 || isVowel(w.charCodeAt(y - 1))) {
      w = `${w.slice(0, y)}Y${w.slice(y + 1)}`;
      yFound = true;
    }
  }

  // Regions: R1 starts after the first consonant that follows a vowel (or after gener/commun/
  // arsen), R2 likewise within R1.
  let p1 = w.length;
  let p2 = w.length;
  const r1 =
    w.startsWith('gener') || w.startsWith('arsen') ? 5 : w.startsWith('commun') ? 6 : afterVowelConsonant(w, 0);
  if (r1 >= 0) {
    p1 = r1;
    const r2 = afterVowelConsonant(w, p1);
    if (r2 >= 0) p2 = r2;
  }

  w = step1a(w);
  if (w.length < 6 || w.length > 7 || !INVARIANT_AFTER_1A.has(w)) {
    w = step1b(w, p1);
    w = step1c(w);
    w = step2(w, p1);
    w = step3(w, p1, p2);
    w = step4(w, p2);
    w = step5(w, p1, p2);
  }

  return yFound ? w.replace(/Y/g, 'y') : w;
}

/** The index just past the first consonant that follows a vowel, searching from `start`; -1 if none. */
function afterVowelConsonant(w: string, start: number): number {
  let i = start;
  while (i < w.length && !isVowel(w.charCodeAt(i))) i++;
  while (i < w.length && isVowel(w.charCodeAt(i))) i++;
  return i < w.length ? i + 1 : -1;
}

function step1a(input: string): string {
  let w = input;
  if (w.charCodeAt(w.length - 1) === 39) w = w.slice(0, w.endsWith("'s'") ? -3 : -1);
  else if (w.endsWith("'s")) w = w.slice(0, -2);

  const n = w.length;
  const last = w.charCodeAt(n - 1);
  if (last === 100) {
    // d
    return w.endsWith('ied') ? (n - 3 >= 2 ? w.slice(0, -2) : w.slice(0, -1)) : w;
  }
  if (last !== 115) return w; // s
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ies')) return n - 3 >= 2 ? w.slice(0, -2) : w.slice(0, -1);
  const beforeS = w.charCodeAt(n - 2);
  if (beforeS === 117 || beforeS === 115) return w; // us, ss
  // s: delete when a vowel occurs before the letter preceding it.
  return n >= 2 && hasVowelBefore(w, n - 2) ? w.slice(0, -1) : w;
}

function step1b(w: string, p1: number): string {
  const last = w.charCodeAt(w.length - 1);
  if (last !== 100 && last !== 103 && last !== 121) return w; // d, g, y
  let suffix = 0;
  if (w.endsWith('eedly')) suffix = -5;
  else if (w.endsWith('eed')) suffix = -3;
  if (suffix !== 0) {
    const start = w.length + suffix;
    return start >= p1 ? `${w.slice(0, start)}ee` : w;
  }

  if (w.endsWith('ingly')) suffix = 5;
  else if (w.endsWith('edly')) suffix = 4;
  else if (w.endsWith('ing')) suffix = 3;
  else if (w.endsWith('ed')) suffix = 2;
  else return w;

  const start = w.length - suffix;
  if (!hasVowelBefore(w, start)) return w;
  const stemmed = w.slice(0, start);
  if (stemmed.endsWith('at') || stemmed.endsWith('bl') || stemmed.endsWith('iz')) return `${stemmed}e`;
  if (isDoubleConsonant(stemmed, start)) return stemmed.slice(0, -1);
  // A short word (empty R1, ending in a short syllable) gets its e back: hop(p)ed → hope.
  if (start === p1 && endsWithShortSyllable(stemmed, start)) return `${stemmed}e`;
  return stemmed;
}

function step1c(w: string): string {
  const n = w.length;
  const last = w.charCodeAt(n - 1);
  if ((last !== CHAR_Y && last !== CHAR_UPPER_Y) || n < 3 || isVowel(w.charCodeAt(n - 2))) return w;
  return `${w.slice(0, -1)}i`;
}

function step2(w: string, p1: number): string {
  const n = w.length;
  switch (w.charCodeAt(n - 1)) {
    case 108: // l
      if (w.endsWith('ational')) return n - 7 >= p1 ? `${w.slice(0, -5)}e` : w;
      if (w.endsWith('tional')) return n - 6 >= p1 ? w.slice(0, -2) : w;
      return w;
    case 110: // n
      if (w.endsWith('ization')) return n - 7 >= p1 ? `${w.slice(0, -5)}e` : w;
      if (w.endsWith('ation')) return n - 5 >= p1 ? `${w.slice(0, -3)}e` : w;
      return w;
    case 114: // r
      if (w.endsWith('izer')) return n - 4 >= p1 ? w.slice(0, -1) : w;
      if (w.endsWith('ator')) return n - 4 >= p1 ? `${w.slice(0, -2)}e` : w;
      return w;
    case 109: // m
      if (w.endsWith('alism')) return n - 5 >= p1 ? w.slice(0, -3) : w;
      return w;
    case 115: // s
      if (w.endsWith('fulness') || w.endsWith('ousness')) return n - 7 >= p1 ? w.slice(0, -4) : w;
      if (w.endsWith('iveness')) return n - 7 >= p1 ? w.slice(0, -4) : w;
      return w;
    case 105: // i
      return step2EndingInI(w, p1);
    default:
      return w;
  }
}

function step2EndingInI(w: string, p1: number): string {
  const n = w.length;
  if (w.endsWith('biliti')) return n - 6 >= p1 ? `${w.slice(0, -5)}le` : w;
  if (w.endsWith('lessli')) return n - 6 >= p1 ? w.slice(0, -2) : w;
  if (w.endsWith('entli')) return n - 5 >= p1 ? w.slice(0, -2) : w;
  if (w.endsWith('aliti')) return n - 5 >= p1 ? w.slice(0, -3) : w;
  if (w.endsWith('ousli')) return n - 5 >= p1 ? w.slice(0, -2) : w;
  if (w.endsWith('iviti')) return n - 5 >= p1 ? `${w.slice(0, -3)}e` : w;
  if (w.endsWith('fulli')) return n - 5 >= p1 ? w.slice(0, -2) : w;
  if (w.endsWith('enci') || w.endsWith('anci') || w.endsWith('abli')) {
    return n - 4 >= p1 ? `${w.slice(0, -1)}e` : w;
  }
  if (w.endsWith('alli')) return n - 4 >= p1 ? w.slice(0, -2) : w;
  if (w.endsWith('bli')) return n - 3 >= p1 ? `${w.slice(0, -1)}e` : w;
  if (w.endsWith('ogi')) return n - 3 >= p1 && w.charCodeAt(n - 4) === 108 ? w.slice(0, -1) : w;
  if (w.endsWith('li')) return n - 2 >= p1 && isValidLiEnding(w.charCodeAt(n - 3)) ? w.slice(0, -2) : w;
  return w;
}

function step3(w: string, p1: number, p2: number): string {
  const n = w.length;
  switch (w.charCodeAt(n - 1)) {
    case 108: // l
      if (w.endsWith('ational')) return n - 7 >= p1 ? `${w.slice(0, -5)}e` : w;
      if (w.endsWith('tional')) return n - 6 >= p1 ? w.slice(0, -2) : w;
      if (w.endsWith('ical')) return n - 4 >= p1 ? w.slice(0, -2) : w;
      if (w.endsWith('ful')) return n - 3 >= p1 ? w.slice(0, -3) : w;
      return w;
    case 101: // e
      if (w.endsWith('alize') || w.endsWith('icate')) return n - 5 >= p1 ? w.slice(0, -3) : w;
      if (w.endsWith('ative')) return n - 5 >= p1 && n - 5 >= p2 ? w.slice(0, -5) : w;
      return w;
    case 105: // i
      return w.endsWith('iciti') && n - 5 >= p1 ? w.slice(0, -3) : w;
    case 115: // s
      return w.endsWith('ness') && n - 4 >= p1 ? w.slice(0, -4) : w;
    default:
      return w;
  }
}

function step4(w: string, p2: number): string {
  const n = w.length;
  let suffix = 0;
  switch (w.charCodeAt(n - 1)) {
    case 108: // l
      if (w.endsWith('al')) suffix = 2;
      break;
    case 101: // e
      if (w.endsWith('ance') || w.endsWith('ence') || w.endsWith('able') || w.endsWith('ible')) suffix = 4;
      else if (w.endsWith('ate') || w.endsWith('ive') || w.endsWith('ize')) suffix = 3;
      break;
    case 114: // r
      if (w.endsWith('er')) suffix = 2;
      break;
    case 99: // c
      if (w.endsWith('ic')) suffix = 2;
      break;
    case 116: // t
      if (w.endsWith('ement')) suffix = 5;
      else if (w.endsWith('ment')) suffix = 4;
      else if (w.endsWith('ant') || w.endsWith('ent')) suffix = 3;
      break;
    case 109: // m
      if (w.endsWith('ism')) suffix = 3;
      break;
    case 105: // i
      if (w.endsWith('iti')) suffix = 3;
      break;
    case 115: // s
      if (w.endsWith('ous')) suffix = 3;
      break;
    case 110: // n
      if (w.endsWith('ion')) {
        const before = w.charCodeAt(n - 4);
        // -ion goes only after s or t.
        return n - 3 >= p2 && (before === 115 || before === 116) ? w.slice(0, -3) : w;
      }
      break;
  }
  return suffix !== 0 && n - suffix >= p2 ? w.slice(0, n - suffix) : w;
}

function step5(w: string, p1: number, p2: number): string {
  const n = w.length;
  const last = w.charCodeAt(n - 1);
  if (last === 101) {
    // e
    const start = n - 1;
    if (start >= p2 || (start >= p1 && !endsWithShortSyllable(w, start))) return w.slice(0, -1);
    return w;
  }
  if (last === 108) {
    // l
    return n - 1 >= p2 && w.charCodeAt(n - 2) === 108 ? w.slice(0, -1) : w;
  }
  return w;
}
