/**
 * The `/benchmark` PR-comment command grammar (pure, zod-validated).
 *
 * Only the comment's FIRST line is read, so a command can be followed by prose.
 */
import {
  BASELINES,
  DEFAULT_REQUEST,
  MAX_REPEATS,
  MIN_REPEATS,
  MODELS,
  MODES,
  parseRequestFields,
  quote,
  TYPES,
  type BenchmarkRequest,
} from "./request-fields.js";

// The request model lives in request-fields.ts; re-exported for the App, which reads it from here.
export {
  BASELINES,
  benchmarkRequestSchema,
  DEFAULT_REQUEST,
  MAX_REPEATS,
  MIN_REPEATS,
  MODELS,
  MODES,
  TYPES,
  type BenchmarkRequest,
} from "./request-fields.js";

/** Result of parsing a comment. */
export type ParsedCommand =
  | { kind: "run"; request: BenchmarkRequest }
  | { kind: "help" }
  | { kind: "cancel" }
  | {
      kind: "approve";
      /** Optional head-SHA prefix (`/benchmark approve 1a2b3c4`): the approval only applies if the head still matches. */
      sha?: string;
    }
  | { kind: "not-a-command" }
  | { kind: "invalid"; problems: string[] };

const SUBCOMMANDS = ["help", "cancel", "approve"] as const;

// `/benchmark` must be a whole word at the very start of the first line.
const COMMAND_RE = /^\/benchmark(?=\s|$)/i;

/**
 * Parse a PR comment body. Returns `not-a-command` unless the first line starts
 * with `/benchmark` as a whole word; otherwise a run request, a subcommand, or
 * `invalid` with one problem per bad token (each quoting it).
 */
export function parseCommand(body: string, defaults: BenchmarkRequest = DEFAULT_REQUEST): ParsedCommand {
  const firstLine = (body.split(/\r?\n|\r/)[0] ?? "").trim();
  const match = COMMAND_RE.exec(firstLine);
  if (!match) return { kind: "not-a-command" };
  const tokens = firstLine.slice(match[0].length).trim().split(/\s+/).filter(Boolean);

  const first = tokens[0]?.toLowerCase();
  if (tokens.length === 1 && (SUBCOMMANDS as readonly string[]).includes(first ?? "")) {
    return { kind: first as (typeof SUBCOMMANDS)[number] };
  }
  // `approve <sha>` pins the approval to the commit the reviewer read (a push racing the comment is not approved).
  if (tokens.length === 2 && first === "approve") {
    const sha = tokens[1]?.toLowerCase() ?? "";
    if (/^[0-9a-f]{7,40}$/.test(sha)) return { kind: "approve", sha };
    return {
      kind: "invalid",
      problems: [`${quote(tokens[1] ?? "")} is not a commit SHA (7–40 hex digits): \`/benchmark approve [sha]\``],
    };
  }

  const problems: string[] = [];
  const fields: Array<[string, string]> = [];
  for (const token of tokens) {
    const eq = token.indexOf("=");
    if (eq > 0) fields.push([token.slice(0, eq), token.slice(eq + 1)]);
    else
      problems.push(
        (SUBCOMMANDS as readonly string[]).includes(token.toLowerCase())
          ? `${quote(token)} must be used on its own: \`/benchmark ${token.toLowerCase()}\``
          : `stray token ${quote(token)}: expected \`key=value\``,
      );
  }
  const parsed = parseRequestFields(fields, defaults);
  if (parsed.ok && problems.length === 0) return { kind: "run", request: parsed.request };
  return { kind: "invalid", problems: [...problems, ...(parsed.ok ? [] : parsed.problems)] };
}

/** Markdown block showing the grammar, every allowed value and the defaults. */
export function grammarHelp(defaults: BenchmarkRequest = DEFAULT_REQUEST): string {
  return [
    "**Usage** (first line of a PR comment):",
    "",
    "```",
    "/benchmark [models=grok,deepseek] [types=offline,online] [modes=normal,long_context,dummy] [repeats=N] [baseline=nightly|rerun]",
    "/benchmark help | cancel | approve",
    "/benchmark approve <head sha>",
    "```",
    "",
    "| key | allowed values | default |",
    "| --- | --- | --- |",
    `| \`models\` | ${MODELS.join(", ")} | ${defaults.models.join(",")} |`,
    `| \`types\` (alias \`benchmark-types\`) | ${TYPES.join(", ")} | ${defaults.types.join(",")} |`,
    `| \`modes\` | ${MODES.join(", ")} | ${defaults.modes.join(",")} |`,
    `| \`repeats\` | integer ${MIN_REPEATS}–${MAX_REPEATS} | ${defaults.repeats} |`,
    `| \`baseline\` | ${BASELINES.join(", ")} | ${defaults.baseline} |`,
    "",
    "- `help`: show this message. `cancel`: cancel this PR's running benchmark. `approve`: allow the current head commit of a fork PR to run (a new push voids it); `approve <sha>` approves only if the head is still that commit.",
  ].join("\n");
}

/** Markdown reply for an invalid command: the quoted problems, then the grammar. Nothing is dispatched. */
export function invalidReply(problems: readonly string[], defaults: BenchmarkRequest = DEFAULT_REQUEST): string {
  return [
    "❌ I could not understand this `/benchmark` command, so nothing was started:",
    "",
    ...problems.map((p) => `- ${p}`),
    "",
    grammarHelp(defaults),
  ].join("\n");
}

/** The parts a request id is made of; see {@link formatRequestId}. */
export interface RequestIdParts {
  owner: string;
  repo: string;
  pr: number;
  headSha: string;
  /** What asked for the run: `c<comment id>` for a command, `auto` for an automatic run. */
  trigger: string;
}

const REQUEST_ID_RE = /^([\w.-]+)\/([\w.-]+)#(\d+)@([0-9a-f]{7,64})\/([\w-]+)$/;

/**
 * A self-describing request id, `owner/repo#pr@headsha/trigger`. It is the check run's
 * `external_id` and a workflow input echoed in the run's name, so every later event (redelivery,
 * workflow_job, workflow_run) finds its PR, commit and check run from GitHub alone.
 * One comment on one head SHA is one request, so a redelivered webhook maps to the same id.
 */
export function formatRequestId(parts: RequestIdParts): string {
  return `${parts.owner}/${parts.repo}#${parts.pr}@${parts.headSha}/${parts.trigger}`;
}

/** Inverse of {@link formatRequestId}; `null` for anything else. */
export function parseRequestId(id: string): RequestIdParts | null {
  const m = REQUEST_ID_RE.exec(id.trim());
  if (!m?.[1] || !m[2] || !m[3] || !m[4] || !m[5]) return null;
  return { owner: m[1], repo: m[2], pr: Number(m[3]), headSha: m[4], trigger: m[5] };
}

/**
 * The request id inside a benchmark workflow run's title. `benchmark.yml` sets
 * `run-name: "sglbench <request_id> PR #<pr>"`.
 */
export function requestIdFromRunTitle(title: string | null | undefined): RequestIdParts | null {
  const m = /\bsglbench (\S+) PR #\d+/.exec(title ?? "");
  return m?.[1] ? parseRequestId(m[1]) : null;
}
