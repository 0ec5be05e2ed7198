/**
 * Whether a text is a description at all (docs/design/language.md §3.8). A description is UTF-8
 * text; a file read as UTF-8 that holds a NUL character, or in which more than one character
 * in ten is a control character (other than tab, line feed, form feed and carriage return) or
 * U+FFFD (what a byte that is not UTF-8 decodes to), is binary: it is reported as such, once,
 * and never parsed or shown. A Latin-1 file with a few accented letters is still text.
 */

export interface BinaryFinding {
  /** The offset of the first NUL, or of the first suspicious character. */
  offset: number;
  /** Why, as the end of a sentence: `it contains a NUL byte`. */
  reason: string;
}

/** Files shorter than this are judged on NUL characters only, so that a short file with one odd character stays text. */
const MIN_LENGTH_FOR_RATIO = 16;

/**
 * Any character that can make a text binary. Testing for one is a single scan in the regular
 * expression engine's compiled code, several times quicker than the loop below (most of all in
 * a fresh process, where the loop runs unoptimised), and text almost never has one.
 */
// eslint-disable-next-line no-control-regex
const SUSPICIOUS = /[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]/;

export function binaryContent(text: string): BinaryFinding | undefined {
  if (!SUSPICIOUS.test(text)) return undefined;
  const nul = text.indexOf('\0');
  if (nul >= 0) return { offset: nul, reason: 'it contains a NUL byte' };
  if (text.length < MIN_LENGTH_FOR_RATIO) return undefined;
  let odd = 0;
  let first = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) {
      if (first < 0) first = i;
      odd++;
    }
  }
  if (odd * 10 > text.length) return { offset: first, reason: 'too many of its bytes are control characters or not UTF-8' };
  return undefined;
}
