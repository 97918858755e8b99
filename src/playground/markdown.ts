// Markdown to HTML, close to what github.com shows for a check-run summary, a comment or a
// PR body: CommonMark (parsed by mdast-util-from-markdown) plus the GitHub parts the app's
// bodies use — tables, task-list boxes, bare links, @mentions, <details>/<summary> — with
// HTML comments hidden (the app's markers) and every other tag shown as text, never run.
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, PhrasingContent, Root } from 'mdast';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const ALLOWED_TAGS = /^<\/?(details|summary|br|sub|sup|b|i|em|strong|code|kbd|p)\s*\/?>$/i;

function safeHref(url: string): string | undefined {
  const u = url.trim();
  if (/^(https?:|mailto:|#|\/)/i.test(u) || !/^[a-z][a-z0-9+.-]*:/i.test(u)) return u;
  return undefined;
}

/** Bare URLs become links and @logins mentions, as on GitHub. */
function text(value: string): string {
  const parts = value.split(/(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]|(?<![\w@/])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9._-]+)?)/);
  return parts
    .map((p, i) => {
      if (i % 2 === 0) return escapeHtml(p);
      if (p.startsWith('@')) return `<span class="mention">${escapeHtml(p)}</span>`;
      return `<a href="${escapeHtml(p)}">${escapeHtml(p)}</a>`;
    })
    .join('');
}

function html(value: string): string {
  const withoutComments = value.replace(/<!--[\s\S]*?-->/g, '');
  return withoutComments
    .split(/(<[^>]*>)/)
    .map((part, i) => (i % 2 === 1 && ALLOWED_TAGS.test(part) ? part.toLowerCase() : escapeHtml(part)))
    .join('');
}

function children(node: { children?: Nodes[] }): string {
  return (node.children ?? []).map(render).join('');
}

function render(node: Nodes): string {
  switch (node.type) {
    case 'root':
      return children(node);
    case 'paragraph':
      return `<p>${children(node)}</p>\n`;
    case 'heading':
      return `<h${node.depth}>${children(node)}</h${node.depth}>\n`;
    case 'thematicBreak':
      return '<hr>\n';
    case 'blockquote':
      return `<blockquote>${children(node)}</blockquote>\n`;
    case 'list': {
      const tag = node.ordered ? 'ol' : 'ul';
      const start = node.ordered && node.start !== null && node.start !== undefined && node.start !== 1 ? ` start="${node.start}"` : '';
      return `<${tag}${start}>\n${children(node)}</${tag}>\n`;
    }
    case 'listItem':
      return `<li>${taskBox(node) ?? ''}${node.spread ? children(node) : node.children.map((c) => (c.type === 'paragraph' ? children(c) : render(c))).join('')}</li>\n`;
    case 'code':
      return `<pre><code${node.lang ? ` class="language-${escapeHtml(node.lang)}"` : ''}>${escapeHtml(node.value)}\n</code></pre>\n`;
    case 'html':
      return html(node.value);
    case 'text':
      return text(node.value);
    case 'emphasis':
      return `<em>${children(node)}</em>`;
    case 'strong':
      return `<strong>${children(node)}</strong>`;
    case 'inlineCode':
      return `<code>${escapeHtml(node.value)}</code>`;
    case 'break':
      return '<br>\n';
    case 'link': {
      const href = safeHref(node.url);
      return href === undefined ? children(node) : `<a href="${escapeHtml(href)}">${children(node)}</a>`;
    }
    case 'image':
      return escapeHtml(node.alt ?? '');
    case 'definition':
      return '';
    default:
      return 'children' in node ? children(node as { children: Nodes[] }) : 'value' in node ? escapeHtml(String((node as { value: unknown }).value)) : '';
  }
}

/** GitHub's task lists: an item starting with `[ ]` or `[x]` shows a (read-only) box. */
function taskBox(item: { children: Nodes[] }): string | undefined {
  const first = item.children[0];
  if (first?.type !== 'paragraph') return undefined;
  const lead = first.children[0];
  if (lead?.type !== 'text') return undefined;
  const m = /^\[([ xX])\]\s+/.exec(lead.value);
  if (!m) return undefined;
  lead.value = lead.value.slice(m[0].length);
  return `<input type="checkbox" disabled${m[1] === ' ' ? '' : ' checked'}> `;
}

function inline(md: string): string {
  const root = fromMarkdown(md) as Root;
  const p = root.children[0];
  return p?.type === 'paragraph' ? (p.children as PhrasingContent[]).map(render).join('') : children(root);
}

// ---- GFM tables -------------------------------------------------------------------------

const DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  const t = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return t.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function table(lines: string[]): string {
  const head = cells(lines[0]!);
  const align = cells(lines[1]!).map((d) => (d.startsWith(':') && d.endsWith(':') ? 'center' : d.endsWith(':') ? 'right' : d.startsWith(':') ? 'left' : ''));
  const attr = (i: number) => (align[i] ? ` align="${align[i]}"` : '');
  const row = (tag: 'th' | 'td', cs: string[]) => `<tr>${head.map((_h, i) => `<${tag}${attr(i)}>${inline(cs[i] ?? '')}</${tag}>`).join('')}</tr>`;
  const body = lines.slice(2).map((l) => row('td', cells(l)));
  return `<table>\n<thead>${row('th', head)}</thead>\n<tbody>${body.join('\n')}</tbody>\n</table>\n`;
}

/** The text in blocks: GFM tables (outside code fences) apart, the rest CommonMark. */
function blocks(md: string): Array<{ table: boolean; lines: string[] }> {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: Array<{ table: boolean; lines: string[] }> = [];
  let fence: string | undefined;
  const push = (isTable: boolean, line: string) => {
    const last = out.at(-1);
    if (last && !last.table && !isTable) last.lines.push(line);
    else out.push({ table: isTable, lines: [line] });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) fence = fence === undefined ? f[1]![0] : fence === f[1]![0] ? undefined : fence;
    if (fence === undefined && line.includes('|') && i + 1 < lines.length && DELIMITER.test(lines[i + 1]!) && lines[i + 1]!.includes('-')) {
      const rows = [line, lines[i + 1]!];
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|')) rows.push(lines[i++]!);
      i--;
      out.push({ table: true, lines: rows });
      continue;
    }
    push(false, line);
  }
  return out;
}

export function renderMarkdown(md: string): string {
  return blocks(md)
    .map((b) => (b.table ? table(b.lines) : render(fromMarkdown(b.lines.join('\n')))))
    .join('');
}
