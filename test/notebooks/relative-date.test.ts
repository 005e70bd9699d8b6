import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  relativeDateParse,
  relativeDateParseEpochMicroseconds,
  UnknownTimeZoneError,
} from '../../src/notebooks/relative-date.ts';

const NEW_YORK = 'America/New_York';
// PostHog's worked examples use 2024-03-15T14:30:45.123456Z; a Date carries milliseconds only.
const NOW = new Date('2024-03-15T14:30:45.123Z');

const parse = (input: string, now: Date = NOW, timeZone: string = NEW_YORK): string =>
  relativeDateParse(input, timeZone, now).toISOString();

const instant = (text: string): string => new Date(text).toISOString();

describe('relativeDateParse', () => {
  describe("PostHog's worked examples of relative_date_parse (America/New_York)", () => {
    const examples: Array<[string, string]> = [
      ['-7d', '2024-03-08T10:30:45.123-05:00'],
      ['7d', '2024-03-08T10:30:45.123-05:00'],
      ['-24h', '2024-03-14T10:30:45.123-04:00'],
      ['-1w', '2024-03-08T10:30:45.123-05:00'],
      ['-1m', '2024-02-15T10:30:45.123-05:00'],
      ['-1q', '2023-12-15T10:30:45.123-05:00'],
      ['-1y', '2023-03-15T10:30:45.123-04:00'],
      ['-30M', '2024-03-15T10:00:45.123-04:00'],
      ['-10s', '2024-03-15T10:30:35.123-04:00'],
      ['dStart', '2024-03-15T00:00:00-04:00'],
      ['-1dStart', '2024-03-14T00:00:00-04:00'],
      ['-1dEnd', '2024-03-14T23:59:59.999-04:00'],
      ['hStart', '2024-03-15T10:00:00-04:00'],
      ['mStart', '2024-03-01T10:30:45.123-05:00'],
      ['-1mStart', '2024-02-01T10:30:45.123-05:00'],
      ['mEnd', '2024-03-31T10:30:45.123-04:00'],
      ['yStart', '2024-01-01T10:30:45.123-05:00'],
      ['yEnd', '2024-03-31T10:30:45.123-04:00'],
      ['all', '2024-03-15T10:30:45.123-04:00'],
      ['foo', '2024-03-15T10:30:45.123-04:00'],
      ['-7D', '2024-03-15T10:30:45.123-04:00'],
      ['2024-01-01', '2024-01-01T00:00:00-05:00'],
      ['2024-1-5', '2024-01-05T00:00:00-05:00'],
      ['2024-01-01T10:00', '2024-01-01T10:00:00-05:00'],
      ['2024-01-01T10:00:00Z', '2024-01-01T05:00:00-05:00'],
      ['2024', '2024-01-01T00:00:00-05:00'],
    ];
    for (const [input, expected] of examples) {
      it(`parses ${JSON.stringify(input)} as ${expected}`, () => {
        assert.equal(parse(input), instant(expected));
      });
    }
  });

  describe('relative inputs', () => {
    it('treats inputs without a kind letter, including the empty string, as now', () => {
      for (const input of ['', 'all', '-', '123', '2024-01-01T10:00:00 05:00']) {
        assert.equal(parse(input), NOW.toISOString(), input);
      }
    });

    it('reads "yesterday" as a bare y, which means now', () => {
      assert.equal(parse('yesterday'), NOW.toISOString());
    });

    it('matches the upper-case kinds H D W Q Y but leaves now unchanged', () => {
      for (const input of ['-7D', '-1H', '-2W', '-1Q', '-1Y', '-3S']) {
        assert.equal(parse(input), NOW.toISOString(), input);
      }
    });

    it('searches for the first match anywhere in the input', () => {
      assert.equal(parse('x -2dStart'), parse('-2dStart'));
      assert.equal(parse('x7mEnd'), parse('-7mEnd'));
      // The bare "s" of "last" is found before "-2dStart" and means "minus no seconds".
      assert.equal(parse('last -2dStart'), NOW.toISOString());
    });

    it('works in UTC', () => {
      assert.equal(parse('-1dStart', NOW, 'UTC'), '2024-03-14T00:00:00.000Z');
      assert.equal(parse('-1dEnd', NOW, 'UTC'), '2024-03-14T23:59:59.999Z');
      assert.equal(parse('-24h', NOW, 'UTC'), '2024-03-14T14:30:45.123Z');
    });

    it('keeps the local time of day when -7d crosses the spring-forward change', () => {
      const noonEdt = new Date('2024-03-12T12:00:00-04:00');
      assert.equal(parse('-7d', noonEdt), instant('2024-03-05T12:00:00-05:00'));
    });

    it('counts -24h in wall-clock hours, so it spans 23 real hours across spring-forward', () => {
      const halfPastTwoEdt = new Date('2024-03-11T02:30:00-04:00');
      // 2024-03-10T02:30 does not exist in New York; fold=0 reads it with the offset before the change.
      assert.equal(parse('-24h', halfPastTwoEdt), instant('2024-03-10T02:30:00-05:00'));
      assert.equal(halfPastTwoEdt.getTime() - new Date(parse('-24h', halfPastTwoEdt)).getTime(), 23 * 3600_000);
    });

    it('lands on the first occurrence of a repeated hour across fall-back', () => {
      const halfPastOneEst = new Date('2024-11-04T01:30:00-05:00');
      assert.equal(parse('-1d', halfPastOneEst), instant('2024-11-03T01:30:00-04:00'));
      assert.equal(parse('-24h', halfPastOneEst), instant('2024-11-03T01:30:00-04:00'));
    });

    it('forgets the second occurrence of a repeated hour whenever arithmetic runs, as Python does', () => {
      const secondHalfPastOne = new Date('2024-11-03T01:30:00-05:00');
      assert.equal(parse('all', secondHalfPastOne), secondHalfPastOne.toISOString());
      assert.equal(parse('-0h', secondHalfPastOne), instant('2024-11-03T01:30:00-04:00'));
    });

    it('clamps to the end of the month when a month is subtracted from the 31st', () => {
      const march31 = new Date('2024-03-31T12:00:00-04:00');
      assert.equal(parse('-1m', march31), instant('2024-02-29T12:00:00-05:00'));
      assert.equal(parse('-13m', march31), instant('2023-02-28T12:00:00-05:00'));
      assert.equal(parse('-1mEnd', march31), instant('2024-02-29T12:00:00-05:00'));
    });

    it('applies yStart after subtracting years and yEnd only to the current month', () => {
      assert.equal(parse('-2yStart'), instant('2022-01-01T10:30:45.123-05:00'));
      assert.equal(parse('-1yEnd'), instant('2023-03-31T10:30:45.123-04:00'));
    });

    it('ends the hour and the day at .999999 and floors that to .999 in the Date', () => {
      assert.equal(relativeDateParseEpochMicroseconds('-1dEnd', NEW_YORK, NOW), 1710475199_999999n);
      assert.equal(parse('-1dEnd'), '2024-03-15T03:59:59.999Z');
      assert.equal(parse('hEnd'), instant('2024-03-15T10:59:59.999-04:00'));
    });

    it('keeps `stored > parsed` exact for millisecond timestamps after the floor', () => {
      const bound = relativeDateParse('-1dEnd', NEW_YORK, NOW).getTime();
      const lastMillisecondOfDay = new Date('2024-03-14T23:59:59.999-04:00').getTime();
      // In microseconds …59.999000 > …59.999999 is false, and so is the floored comparison.
      assert.equal(lastMillisecondOfDay > bound, false);
      assert.equal(lastMillisecondOfDay + 1 > bound, true);
    });
  });

  describe('absolute inputs', () => {
    it('reads a naive date or time as wall-clock time in the project time zone', () => {
      assert.equal(parse('2024-07-04T09:15:30'), instant('2024-07-04T09:15:30-04:00'));
      assert.equal(parse('2024-07-04', NOW, 'Asia/Kolkata'), instant('2024-07-04T00:00:00+05:30'));
    });

    it('accepts the basic date format YYYYMMDD', () => {
      assert.equal(parse('20240105'), instant('2024-01-05T00:00:00-05:00'));
    });

    it('accepts unpadded months and days through the strptime fallback', () => {
      assert.equal(parse('2024-1-5'), instant('2024-01-05T00:00:00-05:00'));
      assert.equal(parse('2021-1-1'), instant('2021-01-01T00:00:00-05:00'));
      assert.equal(parse('2024-1-31'), instant('2024-01-31T00:00:00-05:00'));
    });

    it('accepts year-month and ordinal dates', () => {
      assert.equal(parse('2024-02'), instant('2024-02-01T00:00:00-05:00'));
      assert.equal(parse('2024-060'), instant('2024-02-29T00:00:00-05:00'));
    });

    it('accepts ISO week dates with and without separators', () => {
      assert.equal(parse('2024-W01'), instant('2024-01-01T00:00:00-05:00'));
      assert.equal(parse('2024W01'), instant('2024-01-01T00:00:00-05:00'));
      assert.equal(parse('2024-W01-5'), instant('2024-01-05T00:00:00-05:00'));
      assert.equal(parse('2024W015'), instant('2024-01-05T00:00:00-05:00'));
      assert.equal(parse('2020-W53-7'), instant('2021-01-03T00:00:00-05:00'));
      assert.equal(parse('2024-W10-5T08:00'), instant('2024-03-08T08:00:00-05:00'));
    });

    it('accepts any single separator and the basic time formats', () => {
      assert.equal(parse('2024-01-01 10:00'), instant('2024-01-01T10:00:00-05:00'));
      assert.equal(parse('2024-01-01x1000'), instant('2024-01-01T10:00:00-05:00'));
      assert.equal(parse('2024-01-01T103015'), instant('2024-01-01T10:30:15-05:00'));
      assert.equal(parse('2024-01-01T10'), instant('2024-01-01T10:00:00-05:00'));
    });

    it('truncates fractions to microseconds and accepts a comma', () => {
      const input = '2024-01-01T10:00:00.1234567Z';
      assert.equal(relativeDateParseEpochMicroseconds(input, NEW_YORK, NOW), 1704103200_123456n);
      assert.equal(parse('2024-01-01T10:00:00,5Z'), '2024-01-01T10:00:00.500Z');
    });

    it('reads 24:00 as midnight of the next day', () => {
      assert.equal(parse('2024-02-29T24:00'), instant('2024-03-01T00:00:00-05:00'));
    });

    it('takes the instant of an aware input, whatever its offset format', () => {
      assert.equal(parse('2024-01-01T10:00:00+05:30'), '2024-01-01T04:30:00.000Z');
      assert.equal(parse('2024-01-01T10:00:00-0800'), '2024-01-01T18:00:00.000Z');
      assert.equal(parse('2024-01-01T10:00+05'), '2024-01-01T05:00:00.000Z');
      assert.equal(parse('2024-01-01T10:00:00-00:00'), '2024-01-01T10:00:00.000Z');
    });

    it('falls through to the relative branch when a + in the offset arrived as a space', () => {
      assert.equal(parse('2024-01-01T10:00:00 05:00'), NOW.toISOString());
      // ...and then the first kind letter decides, as with any relative input.
      assert.equal(parse('2024-01-01 10:00 05:00 1d'), parse('-1d'));
    });

    it('falls through to the relative branch for impossible dates', () => {
      assert.equal(parse('2024-02-30'), NOW.toISOString());
      assert.equal(parse('2024-13-01'), NOW.toISOString());
      assert.equal(parse('0000-01-01'), NOW.toISOString());
    });

    it('reads a nonexistent spring-forward time with the offset before the change (fold=0)', () => {
      assert.equal(parse('2024-03-10T02:30'), instant('2024-03-10T02:30:00-05:00'));
    });

    it('reads an ambiguous fall-back time as its first occurrence (fold=0)', () => {
      assert.equal(parse('2024-11-03T01:30'), instant('2024-11-03T01:30:00-04:00'));
    });
  });

  describe('errors', () => {
    it('throws a RangeError instead of returning an Invalid Date for absurd values', () => {
      for (const input of ['-99999y', '-2024y', '99999999999999999999d', '9999-12-31T24:00', '9999-W53-7']) {
        assert.throws(() => relativeDateParse(input, NEW_YORK, NOW), RangeError, input);
      }
    });

    it('throws a RangeError when an aware input cannot be shown in the project time zone', () => {
      assert.throws(() => relativeDateParse('0001-01-01T00:00+01:00', NEW_YORK, NOW), RangeError);
    });

    it('still parses the oldest subtraction Python can represent', () => {
      assert.equal(parse('-2023y'), '0001-03-15T15:26:47.123Z'); // New York's LMT, -04:56:02
    });

    it('rejects an unknown time zone with an error that is not a RangeError', () => {
      assert.throws(
        () => relativeDateParse('-1d', 'Mars/Olympus_Mons', NOW),
        (error: unknown) => error instanceof UnknownTimeZoneError && !(error instanceof RangeError),
      );
    });
  });
});
