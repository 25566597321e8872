/**
 * The seed's `config.json` in each offline Grok run folder: one line, exactly two keys
 * (original-toolkit.md §1.7): `{"docker": "rocm/sgl-dev:20250624", "attention_backend": "aiter"}`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const CONFIG_FILE = "config.json";

export const SeedConfigSchema = z.object({
  docker: z.string(),
  attention_backend: z.string(),
});
export type SeedConfig = z.infer<typeof SeedConfigSchema>;

/** The seed's bytes: Python `json.dumps` separators, key order docker then backend, no trailing newline. */
export function formatConfigJson(config: SeedConfig): string {
  return `{"docker": ${JSON.stringify(config.docker)}, "attention_backend": ${JSON.stringify(config.attention_backend)}}`;
}

/** Parses a config.json text; throws an error naming the file on bad JSON or missing keys. */
export function parseConfigJson(text: string, file: string): SeedConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error: unknown) {
    throw new Error(`${file}: not valid JSON (${String(error)})`, { cause: error });
  }
  const parsed = SeedConfigSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${file}: expected {"docker": "...", "attention_backend": "..."} (${problems})`);
  }
  return parsed.data;
}

/** Reads `<dir>/config.json`, or the given file path when it ends in `.json`. */
export async function readConfigJson(path: string): Promise<SeedConfig> {
  const file = path.endsWith(".json") ? path : join(path, CONFIG_FILE);
  return parseConfigJson(await readFile(file, "utf8"), file);
}

/** Writes `<dir>/config.json` in the seed's single-line form. */
export async function writeConfigJson(dir: string, config: SeedConfig): Promise<string> {
  const file = join(dir, CONFIG_FILE);
  await writeFile(file, formatConfigJson(config));
  return file;
}
