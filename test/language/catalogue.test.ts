/** The catalogue of diagnostic codes keeps its promises: unique codes in their ranges, and messages in the house style. */
import test from 'ava';
import { Messages } from '../../core/messages/index.js';

test('codes are unique, well formed and in the range of their area', (t) => {
  const seen = new Map<string, string>();
  for (const [name, entry] of Object.entries(Messages)) {
    t.regex(entry.code, /^SF[1-4]\d{3}$/, name);
    t.false(seen.has(entry.code), `${entry.code} used by ${seen.get(entry.code)} and ${name}`);
    seen.set(entry.code, name);
    if (entry.code.startsWith('SF1')) t.is(entry.kind, 'Parse', name);
  }
});

test('messages are one sentence ending with a full stop; hints too', (t) => {
  for (const [name, entry] of Object.entries(Messages)) {
    // A fragment (a reason other messages embed, or text passed through) is not a sentence.
    if (!('fragment' in entry && entry.fragment)) t.regex(entry.text, /[.?]$/, `${name}: ${entry.text}`);
    if (entry.hint) t.regex(entry.hint, /^[A-Z`].*[.)]$/, `${name} hint: ${entry.hint}`);
  }
});
