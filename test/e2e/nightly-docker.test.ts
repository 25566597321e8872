/**
 * Against the private Docker engine (skipped when its socket is absent): the nightly stops only
 * containers labelled sglbench=1, and finds nightly tags among the host's images.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { execa } from "execa";
import { realNightlyServices } from "../../src/pipeline/nightly-services.js";
import { listLocalTags } from "../../src/runner/registry-tags.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const socket = (process.env.DOCKER_HOST ?? "unix:///tmp/sglbench-docker/docker.sock").replace(/^unix:\/\//, "");
const dockerIt = existsSync(socket) && existsSync("/usr/bin/busybox") ? it : it.skip;
const REPO = "sglbench-nightly-test";
const created: string[] = [];
let dir = "";

afterAll(async () => {
  if (created.length === 0) return;
  const docker = new Docker({ socketPath: socket });
  for (const id of created)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  await docker
    .getImage(`${REPO}:20251015`)
    .remove({ force: true })
    .catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("nightly services on a real Docker engine", () => {
  dockerIt(
    "stops the sglbench container and leaves someone else's running; lists local nightly tags",
    async () => {
      process.env.DOCKER_HOST ??= `unix://${socket}`;
      dir = mkdtempSync(join(tmpdir(), "sglbench-nightly-docker-"));
      copyFileSync("/usr/bin/busybox", join(dir, "busybox"));
      writeFileSync(
        join(dir, "Dockerfile"),
        'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "sleep", "600"]\n',
      );
      await execa("docker", ["build", "-q", "-t", `${REPO}:20251015`, dir], {
        env: { DOCKER_HOST: `unix://${socket}` },
      });

      const docker = new Docker({ socketPath: socket });
      const run = async (labels: Record<string, string>) => {
        const c = await docker.createContainer({
          Image: `${REPO}:20251015`,
          Labels: labels,
          HostConfig: { NetworkMode: "none" },
        });
        created.push(c.id);
        await c.start();
        return c;
      };
      // A unique label keeps this test from stopping other tests' sglbench containers on the shared engine.
      const mark = `sglbench-test-run=${process.pid}-${Date.now()}`;
      const [key = "", value = ""] = mark.split("=");
      const ours = await run({ sglbench: "1", [key]: value });
      const theirs = await run({ owner: "someone-else", [key]: value });

      const svc = realNightlyServices({
        executor: "docker",
        mountDir: "/mnt/raid/",
        workDir: "/sgl-workspace",
        gpu: false,
        stopTimeoutS: 1,
        alsoLabel: mark,
        env: {},
        log: () => undefined,
      });
      const stopped = await svc.stopOwnContainers();
      expect(stopped).toHaveLength(1);
      expect((await ours.inspect()).State.Running).toBe(false);
      expect((await theirs.inspect()).State.Running).toBe(true);

      expect(await listLocalTags(docker, REPO)).toEqual(["20251015"]);
    },
    120_000,
  );
});
