// Go (RE2) regular expressions → JavaScript. RE2 and JavaScript agree on most syntax and on which
// match wins (leftmost, first alternative); the differences handled here are the ones gitleaks'
// rules use: leading and mid-pattern inline flags `(?i)`, `\z` and `\A`, `(?P<name>…)`, POSIX
// classes like `[[:alnum:]]`. Scoped flag groups `(?i:…)` and `(?-i:…)` are JavaScript regexp
// modifiers (ES2025, Node ≥ 23); `needsModifiers` says when a translation uses them.

const POSIX = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  digit: '0-9',
  xdigit: '0-9A-Fa-f',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
};

/**
 * @param {string} re2 a Go regular expression
 * @returns {{ source: string, flags: string, needsModifiers: boolean }}
 */
export function translate(re2) {
  let src = re2;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) throw new Error('ungreedy flag is not supported');
    flags = [...new Set(lead[1])].sort().join('');
    src = src.slice(lead[0].length);
  }
  let out = '';
  // Per open group, the mid-pattern flags opened inside it: each needs a `)` where the group ends.
  const scopes = [[]];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new Error('trailing backslash');
      if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (n === 'Q' || n === 'p' || n === 'P' || n === 'C')
        throw new Error(`\\${n} is not supported`);
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        const name = src.slice(i + 2, end);
        if (end < 0 || !(name.replace(/^\^/, '') in POSIX))
          throw new Error(`unknown class [:${name}:]`);
        if (name.startsWith('^')) throw new Error('negated POSIX class is not supported');
        out += POSIX[name];
        i = end + 1;
        continue;
      }
      if (c === ']' && !classJustOpened(out)) inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?P<', i)) {
        out += '(?<';
        i += 3;
        scopes.push([]);
        continue;
      }
      const flag = /^\(\?([a-zA-Z-]+)\)/.exec(src.slice(i));
      if (flag) {
        // Mid-pattern flags last until the end of the enclosing group: open a scoped group there.
        out += `(?${flag[1]}:`;
        scopes[scopes.length - 1].push(flag[1]);
        i += flag[0].length - 1;
        continue;
      }
      scopes.push([]);
      out += c;
      continue;
    }
    if (c === ')') {
      out += ')'.repeat(scopes.pop()?.length ?? 0);
      if (scopes.length === 0) throw new Error('unbalanced )');
      out += c;
      continue;
    }
    if (c === '|') {
      // `a(?i)b|c`: in RE2 the flag also covers `c`; close the scope before `|` and reopen after.
      const open = scopes[scopes.length - 1];
      out += `${')'.repeat(open.length)}|${open.map((f) => `(?${f}:`).join('')}`;
      continue;
    }
    out += c;
  }
  out += ')'.repeat(scopes.pop()?.length ?? 0);
  if (scopes.length !== 0) throw new Error('unbalanced (');
  return {
    source: out,
    flags,
    needsModifiers: /\(\?[ims]*(?:-[ims]+)?:/.test(out.replace(/\(\?:/g, '')),
  };
}

function classJustOpened(out) {
  return out.endsWith('[') || out.endsWith('[^');
}

/** Shannon entropy in bits per character, as gitleaks computes it. */
export function shannon(text) {
  if (text.length === 0) return 0;
  const counts = new Map();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}
