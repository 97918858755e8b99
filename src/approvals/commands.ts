// Slash commands in PR comments. Pure.
//
// Commands are read from the comment's *visible* text only. A command is a line that starts
// with `/` (up to three spaces of indentation; four or more is an indented code block) and
// that a reader of the rendered comment sees as prose: not in a fenced code block, an HTML
// block or comment (`<!--\n/approve\n-->` under "Not yet" approves nothing), an HTML
// element (`<details>`), a code span, a block quote (nor its lazy continuation lines), a
// link destination or title, an image's alt text or a link reference definition. The first
// command line of the comment counts; the rest is ignored. Command words are
// case-insensitive; `/approved` is not `/approve`.
//
// The reading follows CommonMark (as GitHub renders it) but is deliberately one-sided:
// wherever Markdown is ambiguous or the scanner is unsure (an unclosed backtick, a `<` that
// may open a tag, a line that may start an HTML block), it hides more than GitHub would,
// so hidden text is never read as a command; the worst case is a visible command that is
// not read. It is one linear pass: a full Markdown parser (micromark) took minutes on a
// hostile 64 KB comment (nested quotes, `*_a` runs), which would stall the event loop.

export type Command =
  | { kind: 'approve'; tier?: string }
  | { kind: 'approve_cancel' }
  | { kind: 'reject'; reason?: string }
  | { kind: 'recheck' }
  | { kind: 'help' }
  /** `/pj xyz` or `/approve a b`: answered with the help text. */
  | { kind: 'unknown'; text: string };

/** HTML elements that never have a closing tag. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen']);
const FENCE = /^(`{3,}|~{3,})/;
/** List markers and indentation before a line's content (`- `, `1. `, nested). */
const CONTAINER_PREFIX = /^(?:[ \t]*(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))*[ \t]*/;
const AUTOLINK = /<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y;
const TAG_NAME = /<\/?([A-Za-z][A-Za-z0-9-]*)/y;
const PUNCT = /[!-/:-@[-`{-~]/;
/** Raw HTML openers in prose and what ends each (a declaration `<!X` is handled apart). */
const RAW_HTML: ReadonlyArray<readonly [string, string]> = [
  ['<!--', '-->'],
  ['<?', '?>'],
  ['<![CDATA[', ']]>'],
];

/** The length of the run of `ch` starting at `s[i]`. */
function runOf(s: string, i: number, ch: string): number {
  let n = 1;
  while (s[i + n] === ch) n++;
  return n;
}

/** Where the inline reading is: visible prose, or inside something the reader does not see as prose. */
type Inline =
  | { mode: 'text' }
  | { mode: 'code'; ticks: number }
  /** Raw HTML up to a terminator (`-->`, `?>`, `]]>`, `>`). */
  | { mode: 'until'; end: string }
  /** Inside a tag, up to its `>` (quotes respected); then `element` unless void or closing. */
  | { mode: 'tag'; start: number; quote: string | undefined }
  /** Inside an element's content, up to its closing tag. */
  | { mode: 'element'; name: string; depth: number }
  /** A link destination and title: `](` … `)`. */
  | { mode: 'destination'; depth: number; quote: string | undefined }
  /** Image alt text `![` … `]`, a reference label `][` … `]`. */
  | { mode: 'label'; depth: number }
  /** The rest of the paragraph (a link reference definition). */
  | { mode: 'rest' };

const TEXT: Inline = { mode: 'text' };

/**
 * The inline reading of one paragraph, fed line by line. `inText` says whether
 * the next line starts in prose; `feed(line)` advances over it and returns its prose (code
 * spans included as written, everything hidden left out).
 */
class InlineReader {
  private state: Inline = TEXT;
  private atParagraphStart = true;

  reset(): void {
    this.state = TEXT;
    this.atParagraphStart = true;
  }

  get inText(): boolean {
    return this.state.mode === 'text';
  }

  feed(line: string): string {
    this.prose = '';
    let i = this.atParagraphStart ? this.startParagraph(line) : 0;
    while (i < line.length) i = this.step(line, i);
    return this.prose;
  }

  /** The prose of the line being fed, built up by the steps. */
  private prose = '';

  /** `[label]: destination "title"` hides itself (and, to be safe, the rest of the paragraph). */
  private startParagraph(line: string): number {
    this.atParagraphStart = false;
    const lead = /^[ \t]*\[/.exec(line);
    if (!lead || this.state.mode !== 'text') return 0;
    this.state = { mode: 'label', depth: 1 };
    this.definition = true;
    return lead[0].length;
  }

  /** Reads on from `s[i]` in the current state; where the next step starts. */
  private step(s: string, i: number): number {
    const st = this.state;
    switch (st.mode) {
      case 'text':
        return this.stepText(s, i);
      case 'code':
        return this.stepCode(s, i, st.ticks);
      case 'until':
        return this.stepUntil(s, i, st.end);
      case 'tag':
        return this.stepTag(s, i, st);
      case 'element':
        return this.stepElement(s, i, st);
      case 'destination':
        return this.stepDestination(s, i, st);
      case 'label':
        return this.stepLabel(s, i, st);
      case 'rest':
        return s.length;
    }
  }

  /** Prose: escapes and characters are kept; a backtick, `<`, `](`, `][` or `![` opens something. */
  private stepText(s: string, i: number): number {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length && PUNCT.test(s[i + 1]!)) {
      this.prose += s.slice(i, i + 2);
      return i + 2;
    }
    if (c === '`') {
      const n = runOf(s, i, '`');
      this.state = { mode: 'code', ticks: n };
      this.prose += s.slice(i, i + n);
      return i + n;
    }
    if (c === '<') {
      const next = this.openAngle(s, i);
      if (next !== undefined) return next;
    }
    if (c === ']' && s[i + 1] === '(') {
      this.state = { mode: 'destination', depth: 1, quote: undefined };
      this.prose += ']';
      return i + 2;
    }
    if (c === ']' && s[i + 1] === '[') {
      this.state = { mode: 'label', depth: 1 };
      this.prose += ']';
      return i + 2;
    }
    if (c === '!' && s[i + 1] === '[') {
      this.state = { mode: 'label', depth: 1 };
      return i + 2;
    }
    this.prose += c;
    return i + 1;
  }

  /**
   * A `<` in prose: an autolink (kept as prose), or the start of raw HTML — a comment,
   * processing instruction, CDATA, declaration or tag (hidden). Undefined for a plain `<`.
   */
  private openAngle(s: string, i: number): number | undefined {
    AUTOLINK.lastIndex = i;
    const auto = AUTOLINK.exec(s);
    if (auto) {
      this.prose += auto[0];
      return i + auto[0].length;
    }
    for (const [open, end] of RAW_HTML) {
      if (s.startsWith(open, i)) {
        this.state = { mode: 'until', end };
        return i + open.length;
      }
    }
    if (/^<![A-Za-z]/.test(s.slice(i, i + 3))) {
      this.state = { mode: 'until', end: '>' };
      return i + 2;
    }
    if (/^<\/?[A-Za-z]/.test(s.slice(i, i + 3))) {
      this.state = { mode: 'tag', start: i, quote: undefined };
      this.tagText = '';
      return i;
    }
    return undefined;
  }

  /** A code span: kept as written; closed by a run of exactly as many backticks. */
  private stepCode(s: string, i: number, ticks: number): number {
    if (s[i] !== '`') {
      this.prose += s[i];
      return i + 1;
    }
    const n = runOf(s, i, '`');
    this.prose += s.slice(i, i + n);
    if (n === ticks) this.state = TEXT;
    return i + n;
  }

  /** Raw HTML up to its terminator, which may be on a later line; then back where it started. */
  private stepUntil(s: string, i: number, end: string): number {
    const at = s.indexOf(end, i);
    if (at < 0) return s.length;
    this.state = this.resume ?? TEXT;
    this.resume = undefined;
    return at + end.length;
  }

  /** Inside a tag, up to its `>` outside quotes. */
  private stepTag(s: string, i: number, st: Extract<Inline, { mode: 'tag' }>): number {
    const c = s[i]!;
    this.tagText += c;
    if (st.quote !== undefined) {
      if (c === st.quote) st.quote = undefined;
    } else if (c === '"' || c === "'") {
      st.quote = c;
    } else if (c === '>') {
      this.state = this.afterTag(this.tagText);
    }
    return i + 1;
  }

  /** Inside an element's content: nested tags of the same name counted, comments skipped, up to its closing tag. */
  private stepElement(s: string, i: number, st: Extract<Inline, { mode: 'element' }>): number {
    if (s.startsWith('<!--', i)) {
      this.state = { mode: 'until', end: '-->' };
      this.resume = st;
      return i + 4;
    }
    if (s[i] !== '<') return i + 1;
    TAG_NAME.lastIndex = i;
    const m = TAG_NAME.exec(s);
    if (!m || m[1]!.toLowerCase() !== st.name) return i + 1;
    const after = s[i + m[0].length];
    if (after !== undefined && !/[\s/>]/.test(after)) return i + 1;
    st.depth += s[i + 1] === '/' ? -1 : 1;
    if (st.depth <= 0) this.state = { mode: 'until', end: '>' };
    return i + m[0].length;
  }

  /** A link destination and title, up to the `)` that closes it (nested parentheses and quotes respected). */
  private stepDestination(s: string, i: number, st: Extract<Inline, { mode: 'destination' }>): number {
    const c = s[i]!;
    if (c === '\\') return i + 2;
    if (st.quote !== undefined) {
      if (c === st.quote) st.quote = undefined;
    } else if (c === '"' || c === "'") st.quote = c;
    else if (c === '(') st.depth++;
    else if (c === ')' && --st.depth === 0) this.state = TEXT;
    return i + 1;
  }

  /** Alt text or a label, up to its `]`; then what may follow a bracket. */
  private stepLabel(s: string, i: number, st: Extract<Inline, { mode: 'label' }>): number {
    const c = s[i]!;
    if (c === '\\') return i + 2;
    if (c === '[') st.depth++;
    else if (c === ']' && --st.depth === 0) return this.afterLabel(s, i + 1);
    return i + 1;
  }

  /** What may follow a closing bracket at `s[i]`: a definition's `:`, a destination, a reference label. */
  private afterLabel(s: string, i: number): number {
    const definition = this.definition;
    this.definition = false;
    if (definition && s[i] === ':') this.state = { mode: 'rest' };
    else if (s[i] === '(') this.state = { mode: 'destination', depth: 1, quote: undefined };
    else if (s[i] === '[') this.state = { mode: 'label', depth: 1 };
    else this.state = TEXT;
    return this.state.mode === 'destination' || this.state.mode === 'label' ? i + 1 : i;
  }

  private definition = false;
  private tagText = '';
  private resume: Inline | undefined;

  /** What follows a complete tag: nothing hidden for a closing, void or self-closing tag; else its content. */
  private afterTag(tag: string): Inline {
    const m = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(tag);
    const name = m?.[2]?.toLowerCase() ?? '';
    if (!m || m[1] === '/' || VOID.has(name) || /\/\s*>$/.test(tag)) return TEXT;
    return { mode: 'element', name, depth: 1 };
  }
}

type Block =
  | { mode: 'none' }
  | { mode: 'fence'; fence: string }
  | { mode: 'quote' }
  /** An HTML block: up to a line with `end`, up to the element's closing tag, or up to a blank line. */
  | { mode: 'html'; end: string }
  | { mode: 'element'; name: string; depth: number }
  | { mode: 'blank' };

const NONE: Block = { mode: 'none' };

/** Net depth change of `<name` / `</name` in `text`. */
function elementDepth(text: string, name: string): number {
  let d = 0;
  const re = new RegExp(`<(/?)${name}(?=[\\s/>]|$)`, 'gi');
  for (const m of text.matchAll(re)) d += m[1] === '/' ? -1 : 1;
  return d;
}

/** The block a line starts (its content after list markers and indentation), if any. */
function blockStart(line: string): Block | undefined {
  const content = line.slice(CONTAINER_PREFIX.exec(line)![0].length);
  if (content.startsWith('>')) return { mode: 'quote' };
  const fence = FENCE.exec(content);
  if (fence) return { mode: 'fence', fence: fence[1]! };
  if (!/^<[A-Za-z/!?]/.test(content)) return undefined;
  AUTOLINK.lastIndex = 0;
  if (AUTOLINK.test(content)) return undefined; // `<https://…>` starts a paragraph
  const after = (end: string, from: number): Block => (content.indexOf(end, from) >= 0 ? NONE : { mode: 'html', end });
  if (content.startsWith('<!--')) return after('-->', 4);
  if (content.startsWith('<?')) return after('?>', 2);
  if (content.startsWith('<![CDATA[')) return after(']]>', 9);
  if (content.startsWith('<!')) return after('>', 2);
  const name = /^<\/?([A-Za-z][A-Za-z0-9-]*)/.exec(content)?.[1]?.toLowerCase();
  if (name === undefined || content[1] === '/' || VOID.has(name)) return { mode: 'blank' };
  const depth = elementDepth(content, name);
  return depth > 0 ? { mode: 'element', name, depth } : { mode: 'blank' };
}

/** Whether `line` ends the block (or leaves it for its trailing part); the line itself is hidden either way. */
function afterLine(block: Block, line: string, blank: boolean): Block {
  switch (block.mode) {
    case 'fence': {
      const content = line.slice(CONTAINER_PREFIX.exec(line)![0].length).trimEnd();
      const f = FENCE.exec(content);
      return f && f[1]![0] === block.fence[0] && f[1]!.length >= block.fence.length && content === f[1] ? NONE : block;
    }
    case 'quote':
    case 'blank':
      return blank ? NONE : block;
    case 'html':
      return line.includes(block.end) ? NONE : block;
    case 'element': {
      const depth = block.depth + elementDepth(line, block.name);
      return depth > 0 ? { ...block, depth } : { mode: 'blank' };
    }
    case 'none':
      return block;
  }
}

/** The command lines of a comment body: visible prose lines that start with `/`. */
function* commandLines(body: string): Generator<string> {
  const inline = new InlineReader();
  let block: Block = NONE;
  for (const line of body.split(/\r\n|\r|\n/)) {
    const blank = /^[ \t]*$/.test(line);
    if (blank) inline.reset();
    if (block.mode !== 'none') {
      // Hidden. Read on as a paragraph too: where the block may be a paragraph's text
      // instead, whatever it opens hides the lines after it (hiding more, never less).
      block = afterLine(block, line, blank);
      if (!blank) inline.feed(line);
      continue;
    }
    if (blank) continue;
    const started = blockStart(line);
    if (started) {
      block = started.mode === 'none' ? NONE : started;
      inline.feed(line);
      continue;
    }
    const candidate = inline.inText && /^ {0,3}\//.test(line);
    const prose = inline.feed(line);
    if (candidate) yield prose.trim();
  }
}

function parseLine(line: string): Command | undefined {
  const [word = '', ...rest] = line.split(/\s+/);
  const args = rest.filter((a) => a.length > 0);
  switch (word.toLowerCase()) {
    case '/approve':
      if (args.length === 0) return { kind: 'approve' };
      if (args.length === 1 && args[0]!.toLowerCase() === 'cancel') return { kind: 'approve_cancel' };
      if (args.length === 1) return { kind: 'approve', tier: args[0]! };
      return { kind: 'unknown', text: line };
    case '/reject': {
      const reason = line.slice(word.length).trim();
      return reason ? { kind: 'reject', reason } : { kind: 'reject' };
    }
    case '/pj': {
      const sub = args.map((a) => a.toLowerCase()).join(' ');
      if (sub === 'recheck') return { kind: 'recheck' };
      if (sub === 'help') return { kind: 'help' };
      return { kind: 'unknown', text: line };
    }
    default:
      // Other bots' commands (`/label`, `/assign`) and paths (`/usr/bin`) are not ours.
      return undefined;
  }
}

/** GitHub caps a comment at 65,536 characters; past four times that nothing is read (a bound on the work). */
export const MAX_COMMENT_CHARS = 262_144;

/** The first PuddleJumper command of a comment, or undefined when it has none. */
export function parseCommand(body: string | null | undefined): Command | undefined {
  if (!body) return undefined;
  for (const line of commandLines(body.length > MAX_COMMENT_CHARS ? body.slice(0, MAX_COMMENT_CHARS) : body)) {
    const cmd = parseLine(line);
    if (cmd) return cmd;
  }
  return undefined;
}

/** True when the command would change a chain (approve, cancel, reject). */
export function isDecisionCommand(cmd: Command | undefined): boolean {
  return cmd !== undefined && (cmd.kind === 'approve' || cmd.kind === 'approve_cancel' || cmd.kind === 'reject');
}
