/**
 * The real services of a nightly: Docker Hub + local images, rocm-smi, dockerode (only containers
 * labelled sglbench=1 are stopped), the runner, GitHub issues. Kept apart from nightly.ts so the
 * flow stays testable with fakes.
 */
import { execa } from "execa";
import { pacificDate } from "../core/catalogue/index.js";
import { syncRegressionIssues } from "../github/issues.js";
import { listHubTags, listLocalTags } from "../runner/registry-tags.js";
import { startExecutor } from "../runner/executor-factory.js";
import { formatProgress } from "../runner/progress.js";
import { redactSecrets } from "../store/redact.js";
import type { NightlyServices } from "./nightly.js";

/** How the real services are configured (from flags and the seed's environment variables). */
export interface RealServiceConfig {
  executor: "docker" | "local";
  /** Host folder mounted at the same path in the container (MOUNT_DIR, default /mnt/raid/). */
  mountDir: string;
  /** Container working directory (WORK_DIR, default /sgl-workspace). */
  workDir: string;
  /** Expose the GPUs to the container (default true). */
  gpu: boolean;
  /** `owner/repo` and token for regression issues (GITHUB_REPO, GITHUB_TOKEN); issues skipped without both. */
  githubRepo?: string;
  githubToken?: string;
  dashboardUrl?: string;
  /** Seconds a container gets to stop before it is killed (default 30). */
  stopTimeoutS?: number;
  /** An extra `key=value` label a container must carry to be stopped (narrows the sglbench=1 rule; tests). */
  alsoLabel?: string;
  /** Host folders mounted read-only at the same path (sanity --models-dir). */
  readOnlyPaths?: string[];
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  /** Server port (default 30000 or $SGLBENCH_PORT). */
  port?: number;
}

const SGLBENCH_LABEL = "sglbench";

/** Builds the real services. Docker is loaded lazily so `--executor local` works without an engine. */
export function realNightlyServices(cfg: RealServiceConfig): NightlyServices {
  const docker = async () => {
    const { default: Docker } = await import("dockerode");
    return new Docker();
  };
  const svc: NightlyServices = {
    now: () => new Date(),
    listTags: (repo) => {
      const yesterday = pacificDate(new Date(), 1);
      // Tags come newest first: once yesterday's shows up, today's (if any) has been seen.
      return listHubTags(repo, { enough: (tags) => tags.some((t) => t.includes(yesterday)) });
    },
    listLocalTags: async (repo) => listLocalTags(await docker(), repo),
    rocmSmi: async () => {
      try {
        const out = await execa("rocm-smi", ["--showuse", "--showmemuse", "--json"], {
          reject: false,
          timeout: 60_000,
        });
        if ((out as { code?: string }).code === "ENOENT") return undefined;
        return out.stdout;
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new Error("rocm-smi failed", { cause: error });
      }
    },
    stopOwnContainers: async () => {
      if (cfg.executor === "local") return [];
      const d = await docker();
      const labels = [`${SGLBENCH_LABEL}=1`, ...(cfg.alsoLabel ? [cfg.alsoLabel] : [])];
      const list = await d.listContainers({ filters: { label: labels, status: ["running"] } });
      const stopped: string[] = [];
      for (const c of list) {
        // Belt and braces: the filter already did this, but never stop a container that is not ours.
        if (c.Labels[SGLBENCH_LABEL] !== "1") continue;
        await d.getContainer(c.Id).stop({ t: cfg.stopTimeoutS ?? 30 });
        stopped.push(c.Names[0]?.replace(/^\//, "") ?? c.Id);
      }
      return stopped;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    runSuite: async ({ suite, image, outputDir, signal }) => {
      const { defaultServerPort, runSuite } = await import("../runner/run-suite.js");
      const executor = await startExecutor({
        local: cfg.executor === "local",
        image,
        workDir: cfg.workDir,
        hostEnv: cfg.env,
        gpu: cfg.gpu,
        binds: [`${cfg.mountDir}:${cfg.mountDir}`],
        ...(cfg.readOnlyPaths?.length ? { readOnlyPaths: cfg.readOnlyPaths } : {}),
        onPullProgress: (line) => cfg.log(line),
      });
      try {
        return await runSuite({
          suite,
          image,
          executor,
          outputDir,
          // --port, else SGLBENCH_PORT of the nightly's own environment (a shared host may already use 30000).
          port: cfg.port ?? defaultServerPort(cfg.env as NodeJS.ProcessEnv),
          ...(signal ? { signal } : {}),
          onProgress: (p) => cfg.log(redactSecrets(formatProgress(p))),
        });
      } finally {
        await executor.close?.();
      }
    },
    downloadModel: async ({ image, repo, target, diskGb, signal }) => {
      const { ensureModel } = await import("../runner/model-download.js");
      const executor = await startExecutor({
        local: cfg.executor === "local",
        image,
        workDir: cfg.workDir,
        hostEnv: cfg.env,
        gpu: false,
        binds: [`${cfg.mountDir}:${cfg.mountDir}`],
        onPullProgress: (line) => cfg.log(line),
      });
      try {
        const out = await ensureModel(
          executor,
          { repo, target, diskGb },
          { ...(signal ? { signal } : {}), onLine: (l) => cfg.log(redactSecrets(l)) },
        );
        cfg.log(out.action === "present" ? `${target} already holds ${repo}` : `downloaded ${repo} into ${target}`);
      } finally {
        await executor.close?.();
      }
    },
    log: cfg.log,
  };
  const repo = cfg.githubRepo?.split("/");
  if (cfg.githubToken && repo?.length === 2 && repo[0] && repo[1]) {
    const [owner, name] = repo as [string, string];
    svc.syncIssues = async (groups) => {
      const { Octokit } = await import("@octokit/rest");
      return syncRegressionIssues(new Octokit({ auth: cfg.githubToken }), groups, {
        owner,
        repo: name,
        ...(cfg.dashboardUrl ? { dashboardUrl: cfg.dashboardUrl } : {}),
      });
    };
    // Sanity failures: one open issue per title (a re-run the same day comments instead of duplicating).
    svc.alert = async ({ title, body }) => {
      const { Octokit } = await import("@octokit/rest");
      const octokit = new Octokit({ auth: cfg.githubToken });
      const open = await octokit.rest.issues.listForRepo({
        owner,
        repo: name,
        state: "open",
        labels: "sglbench-sanity",
      });
      const same = open.data.find((i) => i.title === title);
      if (same) {
        await octokit.rest.issues.createComment({ owner, repo: name, issue_number: same.number, body });
        return `issue #${same.number} updated`;
      }
      const made = await octokit.rest.issues.create({ owner, repo: name, title, body, labels: ["sglbench-sanity"] });
      return `issue #${made.data.number} opened`;
    };
  }
  return svc;
}
