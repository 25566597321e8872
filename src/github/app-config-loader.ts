/**
 * Load `.github/sglbench.yml` the Probot way (the octokit config plugin: repository file, else the
 * owner's `.github` repository, `_extends` honoured) and validate it with the zod schema.
 */
import { parseAppConfig, type AppConfig } from "../core/request/index.js";
import { errorMessage } from "../core/util/index.js";
import type { GitHubClient, RepoRef } from "./octokit.js";

/** Path of the App's config file in the target repository. */
export const CONFIG_PATH = ".github/sglbench.yml";

/** A loaded config, or why it is unusable (reported on the check run, never ignored). */
export type LoadedConfig = { ok: true; config: AppConfig } | { ok: false; errors: string[] };

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The files of an `_extends` chain merged, the repository's own file last: a section (`gate:`,
 * `triggers:` …) of the base is kept key by key unless the repository sets that key; lists replace.
 */
export function mergeConfigs(configs: Plain[]): Plain {
  const merged: Plain = {};
  for (const config of configs)
    for (const [key, value] of Object.entries(config))
      merged[key] = isPlain(value) && isPlain(merged[key]) ? { ...merged[key], ...value } : value;
  return merged;
}

/** API error messages can carry internal URLs (a GHE host, an API path): never shown on a PR. */
function withoutUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/\S+/g, "<url>");
}

/** Read and validate the config; an absent file gives the documented defaults. */
export async function loadAppConfig(octokit: GitHubClient, repo: RepoRef): Promise<LoadedConfig> {
  let raw: unknown = null;
  try {
    const { files, config } = await octokit.config.get({
      owner: repo.owner,
      repo: repo.repo,
      path: CONFIG_PATH,
      // The plugin hands the chain base-first; `_extends` itself is already removed.
      defaults: (configs: Plain[]) => mergeConfigs(configs),
    });
    raw = files.some((f) => f.config !== null) ? config : null;
  } catch (error: unknown) {
    const message = errorMessage(error);
    // A JSON answer means the path is a directory (or a proxy answering every route with JSON):
    // there is no config file, so the defaults apply, as for a 404.
    if (/is either a directory or a submodule/.test(message)) return parseAppConfig(null) as LoadedConfig;
    // Unparseable YAML (or an unreadable file) is a config error for the user to fix.
    return { ok: false, errors: [`${CONFIG_PATH}: ${withoutUrls(message)}`] };
  }
  const parsed = parseAppConfig(raw);
  return parsed.ok ? parsed : { ok: false, errors: parsed.errors.map((e) => `${CONFIG_PATH}: ${withoutUrls(e)}`) };
}
