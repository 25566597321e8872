/** `sglbench build-image`: pull a branch's prebuilt image or build a PR / commit / branch. Wiring only. */
import { isAbsolute, join } from "node:path";
import type { Hardware, RocmVersion } from "../../core/catalogue/index.js";
import { errorMessageWithCause } from "../../core/util/index.js";
import {
  buildImage,
  describePlan,
  planBuildImage,
  type BuildImageOptions,
  type BuildImageServices,
} from "../../pipeline/build-image.js";
import { redactSecrets } from "../../store/redact.js";
import { DEFAULT_DOCKERFILE } from "../../runner/images.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";

export const summary = "Pull a branch's prebuilt image, or build a PR / commit (build_sglang_docker.sh)";

const USAGE = `Usage: sglbench build-image [--branch=main|vX.Y.Z] [--pr=N | --commit=SHA] [--checkout=DIR]
       [--hardware=mi30x|mi35x] [--rocm=700] [--base-image=IMAGE] [--dockerfile-path=PATH]
       [--build-type=all|srt] [--no-pull] [--tag=NAME] [--github-token=TOKEN] [--dry-run]

The original's build_sglang_docker.sh. Without --pr/--commit it pulls the branch's prebuilt image:
main → today's (else yesterday's) rocm/sgl-dev nightly for the hardware; a release vX.Y.Z →
lmsysorg/sglang:vX.Y.Z-rocm<v>-<hw>. --pr, --commit or --no-pull build that exact commit from the
SGLang checkout (git archive: no .git) with the checkout's own Dockerfile; the image gets compare-pr's
tag for the commit, so a later compare-pr of the same commit reuses it.

  --branch=NAME          main (default) or a release; with --pr, only names the base branch
  --pr=N                 build the PR's current head (refs/pull/N/head, never the merge ref)
  --commit=SHA           build this commit of the checkout
  --checkout=DIR         SGLang checkout with an origin remote (default: .)
  --hardware=HW          mi30x (default) or mi35x: nightly tag and GPU_ARCH (gfx942 / gfx950)
  --rocm=V               ROCm of the prebuilt image (630 or 700; default any for main, 700 for a release)
  --base-image=IMAGE     BASE_IMAGE build argument (default rocm/sgl-dev:vllm20250114)
  --dockerfile-path=PATH Dockerfile inside the checkout (default ${DEFAULT_DOCKERFILE})
  --build-type=TYPE      BUILD_TYPE build argument: all (default) or srt
  --no-pull              build the branch's head instead of pulling its prebuilt image
  --tag=NAME             name of the built image (default compare-pr's tag for the commit)
  --github-token=TOKEN   token for fetching from a private origin (default $GITHUB_TOKEN); never printed
  --container-name=NAME  accepted for the original's scripts; not needed (the build runs no container)
  --dry-run              print what would be pulled or built, do nothing
  -h, --help             this help

Exit: 0 image ready (its name on stdout), 1 pull or build failed, 2 bad usage.
`;

/** Git configuration that sends the token to github.com only, through the environment (never argv). */
function tokenGitEnv(token: string | undefined): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.https://github.com/.extraheader",
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
  };
}

/** Runs the command; `services` lets tests pass a fake engine and registry. */
export async function run(
  argv: string[],
  io: CliIO,
  services?: (log: (line: string) => void) => Promise<BuildImageServices>,
): Promise<number> {
  const parsed = parseFlags(
    "build-image",
    USAGE,
    argv,
    {
      branch: { type: "string", default: "main" },
      pr: { type: "string" },
      commit: { type: "string" },
      checkout: { type: "string", default: "." },
      repo: { type: "string", default: "sgl-project/sglang" },
      hardware: { type: "string", default: "mi30x" },
      rocm: { type: "string" },
      "base-image": { type: "string", default: "rocm/sgl-dev:vllm20250114" },
      "dockerfile-path": { type: "string", default: DEFAULT_DOCKERFILE },
      "build-type": { type: "string", default: "all" },
      "no-pull": { type: "boolean", default: false },
      tag: { type: "string" },
      "github-token": { type: "string" },
      "container-name": { type: "string" },
      "github-dockerfile-url": { type: "string" },
      "image-repo": { type: "string", default: "rocm/sgl-dev" },
      "release-repo": { type: "string", default: "lmsysorg/sglang" },
      "log-dir": { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  if (v["github-dockerfile-url"])
    return usage(
      "--github-dockerfile-url is replaced by --dockerfile-path: the build uses the Dockerfile inside the checkout at the built commit, never one downloaded from a URL",
    );
  if (v.pr !== undefined && v.commit !== undefined) return usage("give --pr or --commit, not both");
  const pr = v.pr === undefined ? undefined : Number(v.pr);
  if (pr !== undefined && !(Number.isInteger(pr) && pr > 0)) return usage(`--pr: expected a PR number, got "${v.pr}"`);
  if (v.commit !== undefined && !/^[0-9a-f]{7,40}$/i.test(v.commit))
    return usage(`--commit: expected a commit SHA (7 to 40 hex digits), got "${v.commit}"`);
  if (v.hardware !== "mi30x" && v.hardware !== "mi35x")
    return usage(`--hardware: expected mi30x or mi35x, got "${v.hardware}"`);
  if (v.rocm !== undefined && v.rocm !== "630" && v.rocm !== "700")
    return usage(`--rocm: expected 630 or 700, got "${v.rocm}"`);
  if (v["build-type"] !== "all" && v["build-type"] !== "srt")
    return usage(`--build-type: expected all or srt, got "${v["build-type"]}"`);
  if (!/^[\w./-]+$/.test(v.branch)) return usage(`--branch: not a branch name: "${v.branch}"`);
  if (v["container-name"])
    io.stderr(
      "sglbench build-image: --container-name is not needed (the image is built with docker build from the exact commit, no container); name the image with --tag\n",
    );
  const abs = (p: string): string => (isAbsolute(p) ? p : join(io.cwd, p));
  const token = v["github-token"] ?? io.env.GITHUB_TOKEN;
  const options: BuildImageOptions = {
    branch: v.branch,
    ...(pr !== undefined ? { pr } : {}),
    ...(v.commit !== undefined ? { commit: v.commit } : {}),
    checkout: abs(v.checkout),
    repo: v.repo,
    hardware: v.hardware as Hardware,
    ...(v.rocm ? { rocm: v.rocm as RocmVersion } : {}),
    baseImage: v["base-image"],
    dockerfile: v["dockerfile-path"],
    buildType: v["build-type"],
    noPull: v["no-pull"],
    ...(v.tag ? { tag: v.tag } : {}),
    nightlyRepo: v["image-repo"],
    releaseRepo: v["release-repo"],
    logDir: abs(v["log-dir"] ?? join(v.checkout, "sglbench-build-logs")),
    now: new Date(),
    gitEnv: tokenGitEnv(token),
  };
  const say = (line: string): void =>
    io.stderr(`${redactSecrets(token ? line.split(token).join("<redacted>") : line)}\n`);
  const plan = planBuildImage(options);
  if (v["dry-run"]) {
    io.stdout(describePlan(plan, options).join("\n") + "\n");
    return EXIT.ok;
  }
  try {
    const svc = await (services ?? realServices)(say);
    const built = await buildImage(options, svc);
    say(`${built.source}: ${built.image}${built.commit ? ` (commit ${built.commit})` : ""}`);
    io.stdout(`${built.image}\n`);
    return EXIT.ok;
  } catch (error: unknown) {
    say(`sglbench build-image: ${errorMessageWithCause(error)}`);
    return EXIT.failed;
  }
}

/** The real engine (DOCKER_HOST) and Docker Hub's tag list. */
async function realServices(log: (line: string) => void): Promise<BuildImageServices> {
  const { dockerodeEngine } = await import("../../runner/images.js");
  const { listHubTags } = await import("../../runner/registry-tags.js");
  return { engine: await dockerodeEngine(), listTags: (repo) => listHubTags(repo), log };
}
