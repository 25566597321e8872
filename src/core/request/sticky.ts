/**
 * The App's one sticky PR comment: its hidden marker, the small state it carries between
 * webhook events (fork approval, pending request, last run), and GitHub's size limits (pure).
 *
 * State lives in the comment, not in a database, so a restarted App recovers it from GitHub.
 * Only comments written by the App itself are trusted (the caller checks the author).
 */
import { z } from "zod";
import { benchmarkRequestSchema } from "./request.js";

/** Hidden first line that identifies the sticky comment. */
export const STICKY_MARKER = "<!-- sglbench:sticky -->";
/** GitHub rejects issue/PR comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;
/** GitHub rejects check-run `output.summary` / `output.text` longer than this. */
export const CHECK_OUTPUT_LIMIT = 65_535;

const STATE_RE = /<!-- sglbench:state (\{.*?\}) -->/s;

/** What the App remembers about one PR between events. */
export const stickyStateSchema = z.object({
  /** A writer's `/benchmark approve` of a fork PR: valid for this head SHA only. */
  approval: z.object({ sha: z.string(), by: z.string(), at: z.string() }).optional(),
  /** A request blocked until the fork head SHA is approved; started by `/benchmark approve`. */
  pending: z
    .object({
      sha: z.string(),
      request: benchmarkRequestSchema,
      by: z.string(),
      trigger: z.string(),
      /** When the "waiting for approval" prompt naming `sha` was posted (a plain approve written earlier saw another head). */
      at: z.string().optional(),
    })
    .optional(),
  /** The most recent dispatched request (for the per-PR cooldown and cancel). */
  last: z.object({ requestId: z.string(), sha: z.string(), at: z.string(), by: z.string() }).optional(),
});
export type StickyState = z.infer<typeof stickyStateSchema>;

/** Whether a comment body is the sticky comment (the marker on its first line). */
export function isStickyBody(body: string | null | undefined): boolean {
  return typeof body === "string" && body.startsWith(STICKY_MARKER);
}

/**
 * Read the state embedded in a sticky comment body. A missing or unreadable state is `{}`:
 * the worst case is a forgotten approval, which only asks a writer to approve again.
 */
export function parseStickyState(body: string | null | undefined): StickyState {
  const match = STATE_RE.exec(body ?? "");
  if (!match?.[1]) return {};
  try {
    const parsed = stickyStateSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : {};
  } catch {
    // Not JSON (hand-edited by an admin): treated as no state, as documented above.
    return {};
  }
}

/** `--` cannot appear inside an HTML comment; JSON strings can spell it as `-\u002d`. */
function encodeState(state: StickyState): string {
  return JSON.stringify(state).replace(/--/g, "-\\u002d");
}

/**
 * Truncate markdown to `limit` characters at a line boundary, closing an open code fence and
 * saying where the full text is. Returns the text unchanged when it fits.
 */
export function truncateMarkdown(
  text: string,
  limit: number,
  note = "_…truncated; the full report is in the `sglbench-report` artifact._",
): string {
  if (text.length <= limit) return text;
  const tail = `\n\n${note}`;
  const budget = Math.max(0, limit - tail.length - 4);
  let cut = text.slice(0, budget);
  const lastNewline = cut.lastIndexOf("\n");
  if (lastNewline > budget / 2) cut = cut.slice(0, lastNewline);
  // An odd number of fences means we cut inside a code block: close it.
  const fences = cut.match(/^```/gm)?.length ?? 0;
  if (fences % 2 === 1) cut += "\n```";
  return (cut + tail).slice(0, limit);
}

/** Full sticky comment body: marker, hidden state, then the visible markdown, within {@link COMMENT_LIMIT}. */
export function renderSticky(visible: string, state: StickyState): string {
  const head = `${STICKY_MARKER}\n<!-- sglbench:state ${encodeState(state)} -->\n`;
  return head + truncateMarkdown(visible, COMMENT_LIMIT - head.length);
}

/** The visible part of a sticky body (marker and state stripped). */
export function stickyVisible(body: string): string {
  return body.replace(STICKY_MARKER, "").replace(STATE_RE, "").replace(/^\n+/, "");
}

const REQUEST_RE = /<!-- sglbench:request (\{.*?\}) -->/s;

/** Hidden line carrying a request in a check run's summary, so "Re-run" can repeat it. */
export function requestMarker(request: z.infer<typeof benchmarkRequestSchema>): string {
  return `<!-- sglbench:request ${JSON.stringify(request).replace(/--/g, "-\\u002d")} -->`;
}

/** The request hidden by {@link requestMarker}, or `null`. */
export function parseRequestMarker(text: string | null | undefined): z.infer<typeof benchmarkRequestSchema> | null {
  const match = REQUEST_RE.exec(text ?? "");
  if (!match?.[1]) return null;
  try {
    const parsed = benchmarkRequestSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : null;
  } catch {
    // Not JSON: the re-run falls back to the configured defaults (the caller logs it).
    return null;
  }
}
