import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowedUrl } from '../../src/editor/document-schema.ts';

// A link or image URL is kept when a browser would read it as http(s), mailto or relative.

/** The scheme a browser reads from an href, by the URL standard's own parser. */
function schemeAsBrowsersRead(href: string): string {
  return new URL(href, 'https://relative.invalid/').protocol.slice(0, -1);
}

describe('the URLs a document keeps', () => {
  it('keeps http, https, mailto and relative URLs', () => {
    for (const url of [
      'https://posthog.com/docs',
      'HTTP://example.com',
      'mailto:team@example.com',
      '/project/1/notebooks',
      'notes.md',
      '#heading',
      '?q=1',
      '//cdn.example.com/a.png',
    ]) {
      assert.ok(isAllowedUrl(url), url);
    }
  });

  it('drops javascript:, data: and other schemes however they are disguised', () => {
    const disguised = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\nscript:alert(1)',
      'java\tscript:alert(1)',
      'java\rscript:alert(1)',
      '\u0000javascript:alert(1)',
      '\u0001\u001f javascript:alert(1)',
      'jav\tas\ncript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
    ];
    for (const url of disguised) {
      assert.equal(isAllowedUrl(url), false, JSON.stringify(url));
      // The browser itself reads each one with a scheme other than http(s) or mailto.
      assert.ok(!['http', 'https', 'mailto'].includes(schemeAsBrowsersRead(url)), JSON.stringify(url));
    }
  });

  it('agrees with the browser’s parser on which scheme an href has, for characters around and inside the scheme', () => {
    const noise = ['', ' ', '\t', '\n', '\r', '\u0000', '\u000b', '\u001f', '\u00a0', '\u200b', '%0a', ':'];
    for (const scheme of ['javascript', 'https', 'mailto', 'data']) {
      for (const before of noise) {
        for (const inside of noise) {
          const href = `${before}${scheme.slice(0, 3)}${inside}${scheme.slice(3)}:x`;
          let read: string;
          try {
            read = schemeAsBrowsersRead(href);
          } catch {
            continue; // not a URL a browser would follow
          }
          if (!['http', 'https', 'mailto'].includes(read)) {
            assert.equal(isAllowedUrl(href), false, `${JSON.stringify(href)} is read as ${read}:`);
          }
        }
      }
    }
  });
});
