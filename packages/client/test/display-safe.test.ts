/**
 * displaySafe (docs/client.md "Displaying relay text"): every character that could control a terminal or
 * reorder displayed text becomes a visible escape; ordinary text (letters of any script, emoji, spaces)
 * is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { displaySafe } from '../src/index.js';

describe('displaySafe', () => {
  it('shows terminal controls, bidi and zero-width characters as escapes', () => {
    expect(displaySafe('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(displaySafe('bob \x1b[32m✔ verified\x1b[0m')).toBe('bob \\x1b[32m✔ verified\\x1b[0m');
    expect(displaySafe('\x9b31m\x7f\x00\n\r\t')).toBe('\\x9b31m\\x7f\\x00\\x0a\\x0d\\x09');
    expect(displaySafe('alice\u202egnp.exe')).toBe('alice\\u202egnp.exe');
    expect(displaySafe('\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe(
      '\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c',
    );
    expect(displaySafe('a\u200bb\u200dc\ufeffd\u00ade\u2028f')).toBe(
      'a\\u200bb\\u200dc\\ufeffd\\xade\\u2028f',
    );
    expect(displaySafe('tag\u{e0041}\ud800')).toBe('tag\\u{e0041}\\ud800');
    expect(displaySafe(displaySafe('\x1b[31m\u202e'))).toBe('\\x1b[31m\\u202e');
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['Alice', 'Jürgen Groß', 'Ελένη', '山田 太郎', "O'Brien-Smith", '🙂 ok']) {
      expect(displaySafe(text)).toBe(text);
    }
  });

  it('output holds no control or format character', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    expect(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(displaySafe(all))).toBe(false);
  });
});
