/**
 * PR code runs in the compare-pr containers: the only host path they may write is the step's own output
 * folder. Checked on the dockerode create spec (HostConfig.Binds) the executor sends, without an engine;
 * test/e2e/runner-docker.test.ts checks the same on a real engine when one answers.
 */
import { describe, expect, it, jest } from "@jest/globals";
import type Docker from "dockerode";
import { assertOutsideHistory } from "../../src/pipeline/compare-pr-job.js";
import { sideMounts } from "../../src/pipeline/compare-pr-services.js";
import { containerSpec, DockerExecutor, readOnlyBinds, writableBinds } from "../../src/runner/docker-executor.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

/** Just enough of dockerode for DockerExecutor.start: the image exists, no container yet, create recorded. */
function recordingDocker() {
  const created: Docker.ContainerCreateOptions[] = [];
  const container = { start: async () => undefined, inspect: async () => ({}) };
  const docker = {
    getImage: () => ({ inspect: async () => ({}) }),
    getContainer: () => ({
      inspect: async () => {
        throw Object.assign(new Error("no such container"), { statusCode: 404 });
      },
    }),
    createContainer: async (spec: Docker.ContainerCreateOptions) => {
      created.push(spec);
      return container;
    },
  } as unknown as Docker;
  return { docker, created };
}

describe("compare-pr container mounts", () => {
  it("mounts /mnt/raid (models, history) read-only and only the step's output folder writable", async () => {
    const out = "/home/runner/work/comparison_results/pr42/pr/online-r1";
    const mounts = sideMounts(out, ["/mnt/raid/"]);
    const { docker, created } = recordingDocker();
    await DockerExecutor.start({ docker, image: "sglbench/sglang:pr-42-abc", name: "t", devices: [], ...mounts });
    const binds = created[0]!.HostConfig!.Binds!;
    expect(binds).toEqual(["/mnt/raid/:/mnt/raid/:ro", `${out}:${out}`]);
    expect(writableBinds(binds)).toEqual([`${out}:${out}`]);
    // The nightly history on the runner's disk is under /mnt/raid: readable at most, never writable.
    expect(writableBinds(binds).filter((b) => b.startsWith("/mnt/raid"))).toEqual([]);
  });

  it("a read-only path stays read-only whatever else is bound; binds without :ro count as writable", () => {
    expect(readOnlyBinds(["/models"])).toEqual(["/models:/models:ro"]);
    const spec = containerSpec({ docker: {} as Docker, image: "x", readOnlyPaths: ["/models"], binds: ["/o:/o"] }, "n");
    expect(spec.HostConfig?.Binds).toEqual(["/models:/models:ro", "/o:/o"]);
    expect(writableBinds(["/a:/a", "/b:/b:ro", "/c:/c:ro,z", "/d:/d:rw", "/e:/e:z"])).toEqual([
      "/a:/a",
      "/d:/d:rw",
      "/e:/e:z",
    ]);
  });

  it("without /mnt/raid on the runner nothing but the output folder is mounted", () => {
    expect(sideMounts("/o", [])).toEqual({ readOnlyPaths: [], binds: ["/o:/o"] });
  });

  it("refuses an output folder that is, holds or sits inside the history folder", () => {
    const history = "/mnt/raid/sglbench/history";
    for (const out of [history, `${history}/`, `${history}/pr42`, "/mnt/raid/sglbench", "/"])
      expect(() => assertOutsideHistory(out, history)).toThrow(/overlaps the history folder/);
    expect(() => assertOutsideHistory("/home/runner/work/comparison_results", history)).not.toThrow();
    expect(() => assertOutsideHistory("/mnt/raid/sglbench/history-pr", history)).not.toThrow();
  });
});
