import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDemoSimImages, sharedLibraries, simContentHash } from "../../src/pipeline/demo-images.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const socket = (process.env.DOCKER_HOST ?? "unix:///tmp/sglbench-docker/docker.sock").replace(/^unix:\/\//, "");
const dockerIt = existsSync(socket) ? it : it.skip;

/** A checkout whose test/sim holds a tiny python3 that reports its decode speed. */
function checkout(body = 'console.log("decode=" + (process.env.SGLSIM_DECODE_SPEED ?? "1"));'): string {
  const dir = mkdtempSync(join(tmpdir(), "sglbench-co-"));
  mkdirSync(join(dir, "test", "sim", "bin"), { recursive: true });
  writeFileSync(join(dir, "test", "sim", "bin", "python3"), `#!/usr/bin/env node\n${body}\n`);
  chmodSync(join(dir, "test", "sim", "bin", "python3"), 0o755);
  return dir;
}

describe("demo simulator images", () => {
  const tags = { main: `sglbench-sim-test:main-${process.pid}`, pr: `sglbench-sim-test:pr-${process.pid}` };
  afterAll(async () => {
    if (!existsSync(socket)) return;
    const { default: Docker } = await import("dockerode");
    const docker = new Docker({ socketPath: socket });
    for (const tag of Object.values(tags))
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it("hashes the simulator's content and lists node's shared libraries", async () => {
    const a = checkout();
    const b = checkout("console.log('changed');");
    const hash = (dir: string) => simContentHash(join(dir, "test", "sim"), process.execPath);
    expect(hash(a)).toBe(hash(checkout()));
    expect(hash(a)).not.toBe(hash(b));
    expect((await sharedLibraries(process.execPath)).some((lib) => /libc\.so/.test(lib))).toBe(true);
  });

  dockerIt(
    "builds two images from scratch that differ only in SGLSIM_DECODE_SPEED, and reuses them when unchanged",
    async () => {
      process.env.DOCKER_HOST ??= `unix://${socket}`;
      const co = checkout();
      const lines: string[] = [];
      expect(await buildDemoSimImages(co, (l) => lines.push(l), { tags })).toEqual(tags);
      expect(lines.join("\n")).toMatch(/Successfully tagged sglbench-sim-test:pr/);
      const { default: Docker } = await import("dockerode");
      const docker = new Docker({ socketPath: socket });
      const runIn = async (image: string) => {
        const container = await docker.createContainer({
          Image: image,
          Cmd: ["python3"],
          HostConfig: { NetworkMode: "none", AutoRemove: false },
        });
        try {
          await container.start();
          await container.wait();
          return (await container.logs({ stdout: true, stderr: true })).toString("utf8");
        } finally {
          await container.remove({ force: true });
        }
      };
      expect(await runIn(tags.main)).toContain("decode=1");
      expect(await runIn(tags.pr)).toContain("decode=1.05");
      const again: string[] = [];
      await buildDemoSimImages(co, (l) => again.push(l), { tags });
      expect(again).toEqual([`Reusing ${tags.main} and ${tags.pr} (simulator unchanged)`]);
    },
    120_000,
  );
});
