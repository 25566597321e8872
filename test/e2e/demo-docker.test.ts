/**
 * `npm run demo` through a real Docker engine: two simulator images (the PR's decodes 5 % slower),
 * each step in a fresh labelled container, the verdict engine on the result, no container left.
 */
import { describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { captureIO } from "../helpers/capture-io.js";
import { run } from "../../src/cli/commands/demo.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const socket = (process.env.DOCKER_HOST ?? "unix:///tmp/sglbench-docker/docker.sock").replace(/^unix:\/\//, "");
const dockerIt = existsSync(socket) ? it : it.skip;

describe("sglbench demo --docker", () => {
  dockerIt(
    "flags the decode regression 🔴 from containers of the two simulator images and leaves no container behind",
    async () => {
      process.env.DOCKER_HOST ??= `unix://${socket}`;
      const out = mkdtempSync(join(tmpdir(), "sglbench-demo-docker-"));
      const io = captureIO(resolve("."));
      const code = await run(["--docker", "--output-dir", out], io);
      const text = io.out.join("");
      // The whole output on failure: it says which step failed and why.
      expect({ code, err: io.err.join(""), out: code === 0 ? "" : text }).toEqual({ code: 0, err: "", out: "" });
      expect(text).toContain("Ran in Docker containers.");
      // The summary closes the output once, after the flagged cells.
      expect(text.match(/^sglbench: PR #1 .*$/gm)).toHaveLength(1);
      expect(text.trimEnd()).toMatch(/Flagged[\s\S]*\nsglbench: PR #1 [^\n]*\nReport: \S+comparison_report\.md$/);
      expect(text).toMatch(/regressed — 🔴 \d+ regressed · /);
      expect(text).not.toContain("🟢");
      expect(text).toMatch(/🔴 Median ITL \(ms\): concurrency \d+ \(\+[\d.]+ % slower/);
      expect(text).not.toMatch(/^\s+🟢 /m);
      const { default: Docker } = await import("dockerode");
      const left = await new Docker({ socketPath: socket }).listContainers({
        all: true,
        filters: { label: ["sglbench=1"] },
      });
      expect(left.filter((c) => c.Image.startsWith("sglbench-sim:"))).toEqual([]);
    },
    600_000,
  );
});
