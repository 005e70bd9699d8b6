import { PYTHON_MAX_INT_DIGITS, pythonIntOfBytes, pythonInt as unicodePythonInt } from '../compat/python-int.ts';

/**
 * PostHog's `relative_date_parse(input, ZoneInfo(team.timezone))` (posthog/utils.py), as used by the notebook
 * list filters `date_from` / `date_to`.
 *
 * Everything happens on a wall clock held as microseconds since 1970-01-01T00:00 (a naive Python datetime),
 * in BigInt so that microseconds and absurd numbers stay exact. A wall-clock reading is turned into an instant
 * with Python zoneinfo's `fold=0` rule: in a DST gap or overlap the offset in force *before* the transition
 * is used (a gap time such as 02:30 on a spring-forward day lands at 03:30 the new offset; an overlap time
 * picks the earlier of its two instants).
 *
 * Errors: inputs that make Python raise something other than the parsers' ValueError (year out of range,
 * OverflowError) throw a RangeError here. An unknown time zone throws UnknownTimeZoneError, deliberately not
 * a RangeError, because it is a server fault rather than a bad request.
 */

export class UnknownTimeZoneError extends Error {
  readonly timeZone: string;

  constructor(timeZone: string) {
    super(`Unknown time zone: ${JSON.stringify(timeZone)}`);
    this.name = 'UnknownTimeZoneError';
    this.timeZone = timeZone;
  }
}

/**
 * The instant `input` names, seen from `timeZone`, floored to the millisecond.
 *
 * Only `End` positions (µs = 999999) and absolute inputs with more than three fraction digits carry a
 * sub-millisecond part. Flooring keeps `stored > parsed` exact for millisecond-precision timestamps, but
 * `stored < parsed` then drops a row stored in the very millisecond the bound falls in (…59.999 is below
 * …59.999999 yet not below …59.999). Callers that need both bounds exact use
 * relativeDateParseEpochMicroseconds.
 */
export function relativeDateParse(input: string, timeZone: string, now: Date = new Date()): Date {
  const microseconds = relativeDateParseEpochMicroseconds(input, timeZone, now);
  return new Date(Number(floorDiv(microseconds, MICROSECONDS_PER_MILLISECOND)));
}

/** The same instant, exactly, as microseconds since the Unix epoch. */
export function relativeDateParseEpochMicroseconds(input: string, timeZone: string, now: Date = new Date()): bigint {
  const zone = zoneFormatter(timeZone);
  const nowMilliseconds = now.getTime();
  if (Number.isNaN(nowMilliseconds)) throw new TypeError('relativeDateParse: `now` is an invalid Date');

  const absolute = parseAbsolute(input);
  if (absolute !== null) {
    if (absolute.offsetSeconds === null) return zonedWallClockToInstant(zone, absolute.wallClock);
    return awareToInstant(zone, absolute.wallClock, absolute.offsetSeconds, input);
  }
  return parseRelative(input, zone, BigInt(nowMilliseconds) * MICROSECONDS_PER_MILLISECOND);
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, like Python's datetime)

const MICROSECONDS_PER_MILLISECOND = 1_000n;
const MICROSECONDS_PER_SECOND = 1_000_000n;
const MICROSECONDS_PER_DAY = 86_400_000_000n;
const MILLISECONDS_PER_DAY = 86_400_000;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Howard Hinnant's days_from_civil / civil_from_days.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday, Monday = 1 … Sunday = 7 (1970-01-01 was a Thursday). */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

function wallClockToMicroseconds(wall: WallClock): bigint {
  const seconds = (wall.hour * 60 + wall.minute) * 60 + wall.second;
  return (
    BigInt(daysFromCivil(wall.year, wall.month, wall.day)) * MICROSECONDS_PER_DAY +
    BigInt(seconds) * MICROSECONDS_PER_SECOND +
    BigInt(wall.microsecond)
  );
}

function microsecondsToWallClock(microseconds: bigint): WallClock {
  const days = floorDiv(microseconds, MICROSECONDS_PER_DAY);
  const ofDay = Number(microseconds - days * MICROSECONDS_PER_DAY);
  const secondsOfDay = Math.floor(ofDay / 1_000_000);
  return {
    ...civilFromDays(Number(days)),
    hour: Math.floor(secondsOfDay / 3600),
    minute: Math.floor(secondsOfDay / 60) % 60,
    second: secondsOfDay % 60,
    microsecond: ofDay % 1_000_000,
  };
}

const DATETIME_MIN = wallClockToMicroseconds({
  year: 1,
  month: 1,
  day: 1,
  hour: 0,
  minute: 0,
  second: 0,
  microsecond: 0,
});
const DATETIME_MAX = wallClockToMicroseconds({
  year: 9999,
  month: 12,
  day: 31,
  hour: 23,
  minute: 59,
  second: 59,
  microsecond: 999_999,
});

/** Python's datetime covers years 1–9999; beyond that it raises, which PostHog answers with a 500. */
function requireDatetimeRange(wallClock: bigint, input: string): void {
  if (wallClock < DATETIME_MIN || wallClock > DATETIME_MAX) {
    throw new RangeError(`Date out of range (years 1-9999) for ${JSON.stringify(input)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Time zones through Intl

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  } catch {
    throw new UnknownTimeZoneError(timeZone);
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

const LONG_OFFSET = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/;

/** UTC offset in seconds at an instant; `longOffset` keeps LMT seconds such as GMT-04:56:02. */
function offsetSecondsAt(zone: Intl.DateTimeFormat, epochMilliseconds: number): number {
  const name = zone.formatToParts(new Date(epochMilliseconds)).find((part) => part.type === 'timeZoneName')?.value;
  const match = name === undefined ? null : LONG_OFFSET.exec(name);
  if (match === null) throw new Error(`Cannot read the UTC offset from ${JSON.stringify(name)}`);
  if (match[1] === undefined) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

function offsetMicrosecondsAt(zone: Intl.DateTimeFormat, instant: bigint): bigint {
  const milliseconds = Number(floorDiv(instant, MICROSECONDS_PER_MILLISECOND));
  return BigInt(offsetSecondsAt(zone, milliseconds)) * MICROSECONDS_PER_SECOND;
}

function instantToZonedWallClock(zone: Intl.DateTimeFormat, instant: bigint): bigint {
  return instant + offsetMicrosecondsAt(zone, instant);
}

/**
 * zoneinfo's fold=0: the offset in force a day earlier wins when it is valid (normal time, or the first
 * reading of an overlap) and also when no offset is valid (a gap); otherwise the later offset applies.
 */
function zonedWallClockToInstant(zone: Intl.DateTimeFormat, wallClock: bigint): bigint {
  const wallMilliseconds = Number(floorDiv(wallClock, MICROSECONDS_PER_MILLISECOND));
  const before = BigInt(offsetSecondsAt(zone, wallMilliseconds - MILLISECONDS_PER_DAY)) * MICROSECONDS_PER_SECOND;
  const after = BigInt(offsetSecondsAt(zone, wallMilliseconds + MILLISECONDS_PER_DAY)) * MICROSECONDS_PER_SECOND;
  if (before === after) return wallClock - before;
  if (offsetMicrosecondsAt(zone, wallClock - before) === before) return wallClock - before;
  if (offsetMicrosecondsAt(zone, wallClock - after) === after) return wallClock - after;
  return wallClock - before;
}

/** `aware.astimezone(project_tz)`: both the UTC reading and the project reading must fit in a datetime. */
function awareToInstant(zone: Intl.DateTimeFormat, wallClock: bigint, offsetSeconds: number, input: string): bigint {
  const instant = wallClock - BigInt(offsetSeconds) * MICROSECONDS_PER_SECOND;
  requireDatetimeRange(instant, input);
  requireDatetimeRange(instantToZonedWallClock(zone, instant), input);
  return instant;
}

// ---------------------------------------------------------------------------------------------------------------
// Absolute branch: dateutil.parser.isoparse, then strptime(input, "%Y-%m-%d")

/** What dateutil raises as ValueError: the parse failed and PostHog moves on to the next parser. */
class IsoFormatError extends Error {}

interface AbsoluteDatetime {
  wallClock: bigint;
  offsetSeconds: number | null;
}

function parseAbsolute(input: string): AbsoluteDatetime | null {
  try {
    return isoparse(input);
  } catch (error) {
    if (!(error instanceof IsoFormatError)) throw error;
  }
  const date = strptimeYearMonthDay(input);
  return date === null ? null : { wallClock: date, offsetSeconds: null };
}

function pythonInt(text: string): number {
  const value = pythonIntOfBytes(text);
  if (value === null) throw new IsoFormatError(`invalid literal for int(): ${JSON.stringify(text)}`);
  return value;
}

/** `datetime(...)` validation, which dateutil leaves to the constructor (ValueError). */
function pythonDatetime(wall: WallClock): bigint {
  const valid =
    wall.year >= 1 &&
    wall.year <= 9999 &&
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= daysInMonth(wall.year, wall.month) &&
    wall.hour >= 0 &&
    wall.hour <= 23 &&
    wall.minute >= 0 &&
    wall.minute <= 59 &&
    wall.second >= 0 &&
    wall.second <= 59 &&
    wall.microsecond >= 0 &&
    wall.microsecond <= 999_999;
  if (!valid) throw new IsoFormatError('datetime component out of range');
  return wallClockToMicroseconds(wall);
}

function isoparse(text: string): AbsoluteDatetime {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new IsoFormatError('ISO-8601 strings should contain only ASCII characters');
  const { year, month, day, position } = parseIsoDate(text);
  const time: IsoTime =
    text.length > position
      ? parseIsoTime(text.slice(position + 1)) // any single character separates date and time
      : { hour: 0, minute: 0, second: 0, microsecond: 0, offsetSeconds: null };

  const { offsetSeconds, ...clock } = time;
  if (clock.hour === 24) {
    const midnight = pythonDatetime({ year, month, day, ...clock, hour: 0 });
    const nextDay = midnight + MICROSECONDS_PER_DAY;
    requireDatetimeRange(nextDay, text); // datetime + timedelta(days=1) raises OverflowError
    return { wallClock: nextDay, offsetSeconds };
  }
  return { wallClock: pythonDatetime({ year, month, day, ...clock }), offsetSeconds };
}

interface IsoDate {
  year: number;
  month: number;
  day: number;
  position: number;
}

function parseIsoDate(text: string): IsoDate {
  try {
    return parseIsoDateCommon(text);
  } catch (error) {
    if (!(error instanceof IsoFormatError)) throw error;
    return parseIsoDateUncommon(text);
  }
}

/** YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD; the values are only checked later by datetime(). */
function parseIsoDateCommon(text: string): IsoDate {
  if (text.length < 4) throw new IsoFormatError('ISO string too short');
  const year = pythonInt(text.slice(0, 4));
  let position = 4;
  if (position >= text.length) return { year, month: 1, day: 1, position };

  const hasSeparator = text[position] === '-';
  if (hasSeparator) position += 1;
  if (text.length - position < 2) throw new IsoFormatError('Invalid common month');
  const month = pythonInt(text.slice(position, position + 2));
  position += 2;
  if (position >= text.length) {
    if (hasSeparator) return { year, month, day: 1, position };
    throw new IsoFormatError('Invalid ISO format');
  }

  if (hasSeparator) {
    if (text[position] !== '-') throw new IsoFormatError('Invalid separator in ISO string');
    position += 1;
  }
  if (text.length - position < 2) throw new IsoFormatError('Invalid common day');
  const day = pythonInt(text.slice(position, position + 2));
  return { year, month, day, position: position + 2 };
}

/** YYYY-Www, YYYYWww, YYYY-Www-D, YYYYWwwD, and the ordinal dates YYYY-DDD, YYYYDDD. */
function parseIsoDateUncommon(text: string): IsoDate {
  if (text.length < 4) throw new IsoFormatError('ISO string too short');
  const year = pythonInt(text.slice(0, 4));
  const hasSeparator = text.slice(4, 5) === '-';
  let position = hasSeparator ? 5 : 4;

  let days: number;
  if (text.slice(position, position + 1) === 'W') {
    position += 1;
    const week = pythonInt(text.slice(position, position + 2));
    position += 2;
    let weekday = 1;
    if (text.length > position) {
      if ((text.slice(position, position + 1) === '-') !== hasSeparator) {
        throw new IsoFormatError('Inconsistent use of dash separator');
      }
      if (hasSeparator) position += 1;
      weekday = pythonInt(text.slice(position, position + 1));
      position += 1;
    }
    days = isoWeekDateToDays(year, week, weekday, text);
  } else {
    if (text.length - position < 3) throw new IsoFormatError('Invalid ordinal day');
    const ordinal = pythonInt(text.slice(position, position + 3));
    position += 3;
    if (ordinal < 1 || ordinal > (isLeapYear(year) ? 366 : 365)) throw new IsoFormatError('Invalid ordinal day');
    if (year < 1 || year > 9999) throw new IsoFormatError('year is out of range');
    days = daysFromCivil(year, 1, 1) + ordinal - 1;
  }
  return { ...civilFromDays(days), position };
}

function isoWeekDateToDays(year: number, week: number, weekday: number, input: string): number {
  if (!(week > 0 && week < 54)) throw new IsoFormatError(`Invalid week: ${week}`);
  if (!(weekday > 0 && weekday < 8)) throw new IsoFormatError(`Invalid weekday: ${weekday}`);
  if (year < 1 || year > 9999) throw new IsoFormatError('year is out of range');
  const january4 = daysFromCivil(year, 1, 4);
  const week1 = january4 - (isoWeekday(january4) - 1);
  const days = week1 + (week - 1) * 7 + (weekday - 1);
  // week_1 + timedelta(...) past 9999-12-31 is an OverflowError, which PostHog does not catch.
  requireDatetimeRange(BigInt(days) * MICROSECONDS_PER_DAY, input);
  return days;
}

interface IsoTime {
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  offsetSeconds: number | null;
}

/** hh, hh:mm, hhmm, hh:mm:ss, hhmmss, then [.,]fraction, then Z / ±hh:mm / ±hhmm / ±hh — a literal port. */
function parseIsoTime(text: string): IsoTime {
  if (text.length < 2) throw new IsoFormatError('ISO time too short');
  const components = [0, 0, 0, 0];
  let offsetSeconds: number | null = null;
  let position = 0;
  let component = -1;
  let hasSeparator = false;

  while (position < text.length && component < 5) {
    component += 1;
    const character = text[position];
    if ('-+Zz'.includes(character)) {
      offsetSeconds = parseIsoOffset(text.slice(position));
      position = text.length;
      break;
    }
    if (component === 1 && character === ':') {
      hasSeparator = true;
      position += 1;
    } else if (component === 2 && hasSeparator) {
      if (character !== ':') throw new IsoFormatError('Inconsistent use of colon separator');
      position += 1;
    }
    if (component < 3) {
      components[component] = pythonInt(text.slice(position, position + 2));
      position += 2;
    }
    if (component === 3) {
      const fraction = /^[.,]([0-9]+)/.exec(text.slice(position));
      if (fraction === null) continue;
      const digits = fraction[1].slice(0, 6); // truncated, not rounded, to microseconds
      components[3] = Number(digits) * 10 ** (6 - digits.length);
      position += fraction[0].length;
    }
  }
  if (position < text.length) throw new IsoFormatError('Unused components in ISO string');

  const [hour, minute, second, microsecond] = components;
  if (hour === 24 && (minute !== 0 || second !== 0 || microsecond !== 0)) {
    throw new IsoFormatError('Hour may only be 24 at 24:00:00.000');
  }
  return { hour, minute, second, microsecond, offsetSeconds };
}

function parseIsoOffset(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  if (![3, 5, 6].includes(text.length)) throw new IsoFormatError('Time zone offset must be 1, 3, 5 or 6 characters');
  let sign: number;
  if (text[0] === '-') sign = -1;
  else if (text[0] === '+') sign = 1;
  else throw new IsoFormatError('Time zone offset requires sign');

  const hours = pythonInt(text.slice(1, 3));
  const minutes = text.length === 3 ? 0 : pythonInt(text.slice(text[3] === ':' ? 4 : 3));
  if (hours === 0 && minutes === 0) return 0;
  if (minutes > 59) throw new IsoFormatError('Invalid minutes in time zone offset');
  if (hours > 23) throw new IsoFormatError('Invalid hours in time zone offset');
  return sign * (hours * 60 + minutes) * 60;
}

// strptime's own regex for "%Y-%m-%d". Its \d is Unicode-aware, so "٢٠٢٤-1-5" parses too.
const STRPTIME_YEAR_MONTH_DAY = /^(\p{Nd}{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\p{Nd}|0[1-9]|[1-9]| [1-9])/u;
/** strptime's int() of digits its regex matched (any script's). */
function unicodeInt(text: string): number {
  return unicodePythonInt(text) ?? Number.NaN;
}

/** Only a match covering the whole input counts ("unconverted data remains" otherwise). */
function strptimeYearMonthDay(input: string): bigint | null {
  const match = STRPTIME_YEAR_MONTH_DAY.exec(input);
  if (match === null || match[0].length !== input.length) return null;
  const year = unicodeInt(match[1]);
  const month = Number(match[2]);
  const day = unicodeInt(match[3].trim());
  if (year < 1 || day > daysInMonth(year, month)) return null;
  return wallClockToMicroseconds({ year, month, day, hour: 0, minute: 0, second: 0, microsecond: 0 });
}

// ---------------------------------------------------------------------------------------------------------------
// Relative branch: `now - relativedelta(**get_delta_mapping_for(...))`

// Current PostHog's class, which includes `s` (seconds); the target era lacked it.
const RELATIVE_PATTERN = /-?(?<number>[0-9]+)?(?<kind>[hdwmqysHDWMQY])(?<position>Start|End)?/;

interface RelativeDelta {
  years: bigint;
  months: bigint;
  days: bigint;
  hours: bigint;
  minutes: bigint;
  seconds: bigint;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  microsecond?: number;
}

const START_OF_HOUR = { minute: 0, second: 0, microsecond: 0 };
const END_OF_HOUR = { minute: 59, second: 59, microsecond: 999_999 };

function deltaFor(kind: string, number: string | undefined, position: string | undefined): RelativeDelta {
  const delta: RelativeDelta = { years: 0n, months: 0n, days: 0n, hours: 0n, minutes: 0n, seconds: 0n };
  const amount = (): bigint => {
    if (number === undefined) return 0n;
    if (number.length > PYTHON_MAX_INT_DIGITS) throw new RangeError(`Number too long in ${JSON.stringify(number)}`);
    return BigInt(number);
  };
  switch (kind) {
    case 'h':
      delta.hours = amount();
      if (position === 'Start') Object.assign(delta, START_OF_HOUR);
      if (position === 'End') Object.assign(delta, END_OF_HOUR);
      break;
    case 'd':
      delta.days = amount();
      if (position === 'Start') Object.assign(delta, { hour: 0, ...START_OF_HOUR });
      if (position === 'End') Object.assign(delta, { hour: 23, ...END_OF_HOUR });
      break;
    case 'w':
      delta.days = amount() * 7n;
      break;
    case 'm':
      delta.months = amount();
      if (position === 'Start') delta.day = 1;
      if (position === 'End') delta.day = 31;
      break;
    case 'M':
      delta.minutes = amount();
      break;
    case 's':
      delta.seconds = amount();
      break;
    case 'q':
      delta.days = amount() * 13n * 7n;
      break;
    case 'y':
      delta.years = amount();
      if (position === 'Start') Object.assign(delta, { month: 1, day: 1 });
      if (position === 'End') delta.day = 31;
      break;
    // H, D, W, Q, Y: matched but unhandled, so an empty relativedelta.
  }
  return delta;
}

function parseRelative(input: string, zone: Intl.DateTimeFormat, now: bigint): bigint {
  const match = RELATIVE_PATTERN.exec(input);
  if (match?.groups === undefined) return now;
  const { number, kind, position } = match.groups;
  const delta = deltaFor(kind, number, position);
  // Even an empty delta goes through the arithmetic, which (like Python's) forgets fold: fold=0 below.
  const wallClock = subtractRelativeDelta(microsecondsToWallClock(instantToZonedWallClock(zone, now)), delta, input);
  return zonedWallClockToInstant(zone, wallClock);
}

/**
 * relativedelta.__rsub__: year and month move first with the day clamped to the month's end, the absolute
 * fields replace, and only then days/hours/minutes/seconds are subtracted as a timedelta on the wall clock.
 */
function subtractRelativeDelta(now: WallClock, delta: RelativeDelta, input: string): bigint {
  const monthIndex =
    BigInt(now.year) * 12n + BigInt((delta.month ?? now.month) - 1) - (delta.years * 12n + delta.months);
  const yearBig = floorDiv(monthIndex, 12n);
  if (yearBig < 1n || yearBig > 9999n) throw new RangeError(`Year out of range for ${JSON.stringify(input)}`);
  const year = Number(yearBig);
  const month = Number(monthIndex - yearBig * 12n) + 1;

  const replaced = wallClockToMicroseconds({
    year,
    month,
    day: Math.min(daysInMonth(year, month), delta.day ?? now.day),
    hour: delta.hour ?? now.hour,
    minute: delta.minute ?? now.minute,
    second: delta.second ?? now.second,
    microsecond: delta.microsecond ?? now.microsecond,
  });
  const seconds = ((delta.days * 24n + delta.hours) * 60n + delta.minutes) * 60n + delta.seconds;
  const result = replaced - seconds * MICROSECONDS_PER_SECOND;
  requireDatetimeRange(result, input);
  return result;
}
