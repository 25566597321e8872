/**
 * Secret redaction for anything we print, log or post: webhook URLs, GitHub tokens, bearer
 * credentials and `*_TOKEN=` style assignments become `<redacted>`. Logs of the original toolkit
 * carried Teams webhook URLs in plain text (original-toolkit.md §9); nothing we write may.
 */

export const REDACTED = "<redacted>";

/** The words a variable's name ends in when its value is a secret (`HF_TOKEN`, `API_KEY_2`, `HF_AUTH`). */
const SECRET_WORDS = "TOKEN|SECRET|KEY|PASSWORD|PASSWD|AUTH";

const SECRET_NAME = new RegExp(`(?:${SECRET_WORDS})(?:_\\d+)?$`, "i");

/** True for a variable name that holds a secret, in any case (`hf_token_2`): its value is never shown. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Each pattern replaces the secret part only, keeping enough context to read the log. */
const PATTERNS: ReadonlyArray<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // --teams-webhook-url=… / --webhook-url … / --slack-webhook=…
  [/(--[\w-]*webhook[\w-]*[=\s]+)("[^"]*"|'[^']*'|\S+)/gi, (_m, flag: string) => `${flag}${REDACTED}`],
  // Any URL with a credential-like query parameter, or "webhook" in host or path (Teams, Power Automate, Slack).
  [
    /https?:\/\/[^\s"'<>]+/gi,
    (url: string) =>
      /[?&](sig|token|key|code|secret|signature|access_token)=/i.test(url) ||
      /webhook|hooks\.slack\.com|logic\.azure\.com|powerautomate|office\.com\/webhookb2/i.test(url)
        ? REDACTED
        : url,
  ],
  // GitHub tokens.
  [/\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{16,}\b/g, () => REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, () => REDACTED],
  // Hugging Face tokens (model downloads), whatever variable holds them.
  [/\bhf_[A-Za-z0-9]{8,}\b/g, () => REDACTED],
  // Authorization: Bearer … / token …
  [/\b(Bearer|Authorization:\s*token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, scheme: string) => `${scheme} ${REDACTED}`],
  // FOO_TOKEN=…, HF_TOKEN_2=…, AWS_SECRET=…, API_KEY: …, HF_AUTH=… (not TOKENIZER=…, which names no secret).
  [
    new RegExp(
      `\\b([A-Z0-9_]*(?:${SECRET_WORDS})(?:_\\d+)?)(?![A-Z0-9_])(\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s"']+)`,
      "g",
    ),
    (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`,
  ],
];

/** Replaces every secret in `text` with `<redacted>`; text without secrets comes back unchanged. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replace] of PATTERNS)
    out = out.replace(pattern, replace as (m: string, ...g: string[]) => string);
  return out;
}

/**
 * Replaces known secret values (e.g. a webhook URL given by flag or environment, whatever its shape)
 * with `<redacted>`, and for a URL also its path and query on their own (error messages may quote
 * either), then applies {@link redactSecrets}.
 */
export function redactValues(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const parts: string[] = [];
  for (const secret of secrets) {
    if (!secret) continue;
    parts.push(secret);
    try {
      const url = new URL(secret);
      const path = `${url.pathname}${url.search}`;
      if (path.length >= 8) parts.push(path);
      if (url.pathname.length >= 8) parts.push(url.pathname);
      if (url.search.length >= 8) parts.push(url.search);
    } catch {
      // Not a URL: the value itself is the secret.
    }
  }
  for (const part of parts.sort((a, b) => b.length - a.length)) out = out.split(part).join(REDACTED);
  return redactSecrets(out);
}
