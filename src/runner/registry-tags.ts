/**
 * Tags of an image repository: from Docker Hub's tag API (following `next`, as the seed's Aug 2025
 * script did) or from the images already on the host (no registry needed, e.g. an offline runner).
 */
import { z } from "zod";
import { redactSecrets } from "../store/redact.js";

const HubPageSchema = z.object({
  next: z.string().nullable().optional(),
  results: z.array(z.object({ name: z.string(), last_updated: z.string().nullable().optional() })),
});

/** Options for {@link listHubTags}. */
export interface HubTagOptions {
  /** Default `https://hub.docker.com`. */
  baseUrl?: string;
  /** Pages of 100 to read at most (default 10: the newest 1 000 tags, sorted by last update). */
  maxPages?: number;
  /** Stop paging as soon as this returns true for the tags read so far (e.g. today's tag found). */
  enough?: (tags: readonly string[]) => boolean;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** `rocm/sgl-dev` → its tags, newest first. Throws with the URL and status when the registry answers badly. */
export async function listHubTags(repository: string, opts: HubTagOptions = {}): Promise<string[]> {
  const [namespace, name] = repository.includes("/") ? repository.split("/", 2) : ["library", repository];
  if (!namespace || !name) throw new Error(`not a Docker Hub repository: "${repository}"`);
  const base = (opts.baseUrl ?? "https://hub.docker.com").replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  let url: string | undefined =
    `${base}/v2/repositories/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/tags/?page_size=100&ordering=last_updated`;
  const tags: string[] = [];
  for (let page = 0; url && page < (opts.maxPages ?? 10); page++) {
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { accept: "application/json" },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (error: unknown) {
      throw new Error(`cannot reach ${redactSecrets(url)}`, { cause: error });
    }
    if (!res.ok) throw new Error(`${redactSecrets(url)} answered ${res.status} ${res.statusText}`);
    const body: unknown = await res.json().catch((error: unknown) => {
      throw new Error(`${redactSecrets(url ?? "")} did not return JSON`, { cause: error });
    });
    const parsed = HubPageSchema.safeParse(body);
    if (!parsed.success) throw new Error(`${redactSecrets(url)} returned an unexpected page: ${parsed.error.message}`);
    tags.push(...parsed.data.results.map((r) => r.name));
    if (opts.enough?.(tags)) break;
    url = parsed.data.next ?? undefined;
  }
  return tags;
}

/** The slice of dockerode this module needs (so tests can pass a fake). */
export interface ImageLister {
  listImages(opts?: { filters?: string }): Promise<{ RepoTags?: string[] | null }[]>;
}

/** Tags of `repository` among the images on the host (`rocm/sgl-dev:20250624` → `20250624`). */
export async function listLocalTags(docker: ImageLister, repository: string): Promise<string[]> {
  let images;
  try {
    images = await docker.listImages({ filters: JSON.stringify({ reference: [`${repository}:*`] }) });
  } catch (error: unknown) {
    throw new Error(`cannot list the local images of ${repository}`, { cause: error });
  }
  const prefix = `${repository}:`;
  const tags = new Set<string>();
  for (const img of images)
    for (const ref of img.RepoTags ?? []) if (ref.startsWith(prefix)) tags.add(ref.slice(prefix.length));
  return [...tags].sort().reverse();
}
