/**
 * Load `.github/sglbench.yml` the Probot way (the octokit config plugin: repository file, else the
 * owner's `.github` repository, `_extends` honoured) and validate it with the zod schema.
 */
import { parseAppConfig, type AppConfig } from "../core/app-config.js";
import type { GitHubClient, RepoRef } from "./octokit.js";

/** Path of the App's config file in the target repository. */
export const CONFIG_PATH = ".github/sglbench.yml";

/** A loaded config, or why it is unusable (reported on the check run, never ignored). */
export type LoadedConfig = { ok: true; config: AppConfig } | { ok: false; errors: string[] };

/** Read and validate the config; an absent file gives the documented defaults. */
export async function loadAppConfig(octokit: GitHubClient, repo: RepoRef): Promise<LoadedConfig> {
  let raw: unknown = null;
  try {
    const { files } = await octokit.config.get({ owner: repo.owner, repo: repo.repo, path: CONFIG_PATH });
    raw = files.find((f) => f.config !== null)?.config ?? null;
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    // A JSON answer means the path is a directory (or a proxy answering every route with JSON):
    // there is no config file, so the defaults apply, as for a 404.
    if (/is either a directory or a submodule/.test(message)) return parseAppConfig(null) as LoadedConfig;
    // Unparseable YAML (or an unreadable file) is a config error for the user to fix.
    return { ok: false, errors: [`${CONFIG_PATH}: ${message}`] };
  }
  const parsed = parseAppConfig(raw);
  return parsed.ok ? parsed : { ok: false, errors: parsed.errors.map((e) => `${CONFIG_PATH}: ${e}`) };
}
