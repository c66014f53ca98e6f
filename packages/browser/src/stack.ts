export interface StackFrame {
  fn: string;
  file: string;
  line: number | undefined;
  column: number | undefined;
}

// Chrome/Edge: "    at fn (url:1:2)", "    at url:1:2", "    at async fn (url:1:2)".
const CHROME = /^\s*at (?:(.+?) \()?(.+?)(?::(\d+))?(?::(\d+))?\)?\s*$/;
// Firefox/Safari: "fn@url:1:2", "@url:1:2", "global code@url:1:2", "fn@[native code]".
const GECKO = /^\s*(.*?)@(.+?)(?::(\d+))?(?::(\d+))?\s*$/;

/** Parses the stack formats of Chrome, Firefox and Safari into frames, innermost first (max 50). */
export function parseStack(stack: string | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  if (!stack) return frames;
  for (const raw of stack.split('\n')) {
    if (frames.length >= 50) break;
    const line = raw.trim();
    let m: RegExpExecArray | null = null;
    if (line.startsWith('at ')) {
      // An eval frame names its real location in the middle: keep that one.
      // "at fn (eval at outer (url:1:2), <anonymous>:3:4)": the code's own position is the last one.
      const evalAt = /^at (?:(\S+) )?\(eval at .*, (.+)\)$/.exec(line);
      m = CHROME.exec(evalAt ? `at ${evalAt[1] ?? 'eval'} (${evalAt[2]})` : line);
    } else if (line.includes('@')) {
      m = GECKO.exec(line);
    }
    if (!m) continue;
    frames.push({
      fn: (m[1] ?? '').replace(/^async /, '') || '<anonymous>',
      file: m[2] ?? '',
      line: m[3] ? Number(m[3]) : undefined,
      column: m[4] ? Number(m[4]) : undefined,
    });
  }
  return frames;
}

/** One compact line per frame: `fn (file:line:col)`. */
export function formatFrame(f: StackFrame): string {
  return `${f.fn} (${f.file}${f.line === undefined ? '' : `:${f.line}`}${f.column === undefined ? '' : `:${f.column}`})`;
}

const EXTENSION = /^(?:chrome|moz|safari(?:-web)?|ms-browser)-extension:\/\//;

export function fromExtension(frames: readonly StackFrame[]): boolean {
  return frames.some((f) => EXTENSION.test(f.file));
}
