/**
 * Markdown from a benchmark artifact made safe to post as the App (pure).
 *
 * The artifact is written by a workflow run of the PR's code, so its report.md is attacker
 * input: it must not notify people, render HTML or remote images, link elsewhere, or smuggle
 * the App's hidden `<!-- sglbench:… -->` markers into the comments the App later reads as state.
 *
 * Rather than parse markdown, the text is escaped so that none of those constructs can form:
 * - outside code blocks, every `<` becomes `&lt;` except the exact tags the report generator
 *   emits (`<details>`, `<details open>`, `<summary>` and their closing tags), so no HTML,
 *   comment or `<url>` autolink survives; `&` becomes `&amp;` so entities cannot spell `@` or `<`;
 * - every `[` / `]` becomes an entity except in links whose URL is allowed, so no other link,
 *   image or reference definition can form;
 * - `@name` / `@org/team` get a zero-width space after the `@` (emails, `a@b`, are left alone);
 * - bare URLs (`scheme://…`, `www.`) outside the allow-list get a zero-width space, so they stay
 *   readable but are not autolinked;
 * - fenced code blocks are kept verbatim but re-emitted with a fence of our own (longer than any
 *   backtick run inside, after a blank line), so GitHub sees exactly the code region we see;
 *   only `<!--` is broken inside them, so no marker survives.
 * Escaping more than GitHub needs is harmless (it only shows an entity in inline code).
 */

/** Between `@` and a name, or `:` and `//`: invisible, but breaks mentions and autolinks. */
const ZWSP = "\u200B";

export interface SafeMarkdownOptions {
  /**
   * Links and images are kept only when their URL starts with one of these, e.g. the run's own
   * page `https://github.com/<owner>/<repo>/actions/runs/<id>` (it covers its artifacts and jobs).
   */
  allowedUrlPrefixes: readonly string[];
  /** Longest result, in characters; longer text is cut at a line boundary and ends with `truncationNote`. */
  maxLength?: number;
  /** Markdown appended when the text was cut (trusted: it is not escaped). */
  truncationNote?: string;
}

/** Whether `url` is one of the allowed prefixes or below it (same origin, path under it; `..` resolved). */
export function isAllowedUrl(url: string, prefixes: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false; // relative or malformed: not one of ours
  }
  if (target.username || target.password) return false;
  return prefixes.some((prefix) => {
    let base: URL;
    try {
      base = new URL(prefix);
    } catch {
      return false;
    }
    if (target.origin !== base.origin) return false;
    const root = base.pathname.replace(/\/+$/, "");
    return root === "" || target.pathname === root || target.pathname.startsWith(`${root}/`);
  });
}

/** Escape plain (non-code) text: no HTML, links, mentions or autolinks can form from it. */
function escapeText(text: string, prefixes: readonly string[]): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/\[/g, "&#91;")
      .replace(/\]/g, "&#93;")
      // GitHub mentions need a non-word character (or the start) before the `@`; emails have a word character.
      .replace(/(^|[^A-Za-z0-9_])@(?=[A-Za-z0-9])/g, `$1@${ZWSP}`)
      .replace(/\b([a-z][a-z0-9+.-]*):\/\/[^\s<>]*/gi, (url, scheme: string) =>
        isAllowedUrl(trimTrailingPunctuation(url), prefixes) ? url : `${scheme}:${ZWSP}${url.slice(scheme.length + 1)}`,
      )
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWSP}.`)
  );
}

/** GFM leaves trailing punctuation out of an autolink. */
function trimTrailingPunctuation(url: string): string {
  return url.replace(/[?!.,:*_~'")]+$/, "");
}

/**
 * The report generator's own HTML (src/core/report.ts), kept as is; and simple `[text](url)` /
 * `![alt](url)` links. Link text may not hold a backtick or backslash, so it cannot open a code
 * span or escape the closing bracket; the URL may not hold characters that end or re-enter markdown.
 */
const KEPT =
  /<details>|<details open>|<\/details>|<summary>|<\/summary>|(!?)\[([^[\]\n`\\]{0,1000})\]\(([^\s()<>[\]`\\"'&]{1,2000})\)/g;

function safeText(text: string, prefixes: readonly string[]): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(KEPT)) {
    out += escapeText(text.slice(last, match.index), prefixes);
    last = match.index + match[0].length;
    const [whole, bang, label, url] = match;
    if (url === undefined) {
      out += whole; // an allowed tag
    } else if (isAllowedUrl(url, prefixes)) {
      out += `${bang}[${escapeText(label ?? "", prefixes)}](${url})`;
    } else {
      const shown = escapeText(url, prefixes);
      out += bang
        ? `${escapeText(label || "image", prefixes)} (image ${shown} not shown)`
        : `${escapeText(label ?? "", prefixes)} (${shown})`;
    }
  }
  return out + escapeText(text.slice(last), prefixes);
}

interface Block {
  kind: "text" | "code";
  lines: string[];
  info?: string;
}

const OPEN_FENCE = /^( {0,3})(`{3,}(?=[^`]*$)|~{3,})(.*)$/;

/** Split into text and fenced code (CommonMark fences at the top level; anything else is text). */
function splitBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  let text: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN_FENCE.exec(lines[i] ?? "");
    if (!open) {
      text.push(lines[i] ?? "");
      continue;
    }
    const [, indent = "", fence = "", info = ""] = open;
    if (text.length) blocks.push({ kind: "text", lines: text });
    text = [];
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`);
    const dedent = new RegExp(`^ {0,${indent.length}}`);
    const code: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i] ?? ""); i++) code.push((lines[i] ?? "").replace(dedent, ""));
    blocks.push({ kind: "code", lines: code, info: info.trim() });
  }
  if (text.length) blocks.push({ kind: "text", lines: text });
  return blocks;
}

/** A code block GitHub cannot leave early: a blank line before, a fence longer than any backtick run inside. */
function renderCode(lines: readonly string[], info: string | undefined): string[] {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
  const fence = "`".repeat(Math.max(3, longest + 1));
  const lang = info && /^[\w+#.-]{1,30}$/.test(info) ? info : "";
  return ["", fence + lang, ...lines.map((l) => l.replace(/<!--/g, `<!-${ZWSP}-`)), fence];
}

/** Render blocks within `max` characters: whole lines only, a cut code block is closed. */
function renderWithin(
  blocks: readonly Block[],
  prefixes: readonly string[],
  max: number,
): { text: string; cut: boolean } {
  const out: string[] = [];
  let used = 0;
  const fits = (line: string, reserve = 0): boolean => used + line.length + 1 + reserve <= max;
  for (const block of blocks) {
    if (block.kind === "text") {
      for (const raw of block.lines) {
        // Escaping never shrinks a line below 5/6 of its length ("[a](u)" → "a (u)"): a line that
        // cannot fit is not escaped at all, so an oversized report costs no more than the budget.
        if ((raw.length * 5) / 6 > max - used) return { text: out.join("\n"), cut: true };
        const line = safeText(raw, prefixes);
        if (!fits(line)) return { text: out.join("\n"), cut: true };
        out.push(line);
        used += line.length + 1;
      }
      continue;
    }
    const lines = renderCode(block.lines, block.info);
    const closing = lines[lines.length - 1] ?? "```";
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j] ?? "";
      const last = j === lines.length - 1;
      // Keep room to close the fence, so a cut never leaves the rest of the comment inside a code block.
      if (!fits(line, last ? 0 : closing.length + 1)) {
        if (j > 1) out.push(closing);
        return { text: out.join("\n"), cut: true };
      }
      out.push(line);
      used += line.length + 1;
    }
  }
  return { text: out.join("\n"), cut: false };
}

/** Artifact markdown made safe for a comment or check run (see the module comment). */
export function safeReportMarkdown(markdown: string, opts: SafeMarkdownOptions): string {
  // U+0000 is replaced by GitHub anyway; CR/CRLF would let lines hide from our line-based checks.
  const normalized = markdown.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
  const blocks = splitBlocks(normalized);
  const note = opts.truncationNote ?? "_…truncated; the full report is in the `sglbench-report` artifact._";
  const max = opts.maxLength ?? Number.POSITIVE_INFINITY;
  // One pass, with room for the note kept even when it turns out not to be needed.
  const { text, cut } = renderWithin(blocks, opts.allowedUrlPrefixes, Math.max(0, max - note.length - 2));
  return cut ? `${text}\n\n${note}` : text;
}

/** One line of artifact-derived text (a problem, a verdict) for a message: escaped, single line, bounded. */
export function safeInlineText(text: string, maxLength = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  const bounded = line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
  return escapeText(bounded, []);
}
