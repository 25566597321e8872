import { describe, expect, it, beforeEach, afterEach, afterAll } from "@jest/globals";
import { mkdtemp, readFile, rm, writeFile, utimes } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { acquireLock, LockHeldError, nightlyLockFile, pidAlive } from "../../src/runner/lock.js";
import { listHubTags, listLocalTags } from "../../src/runner/registry-tags.js";
import { pickNightlyTag } from "../../src/core/catalogue/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-lock-"));
});
// nock patches Node's shared http module; restore it so later test files in this jest worker
// (dockerode over a unix socket) are not routed to 127.0.0.1:80.
afterAll(() => nock.restore());
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("lock", () => {
  it("holds the lock with our PID, refuses a second holder, and releases", async () => {
    const file = nightlyLockFile(dir, "DeepSeek-V3-0324");
    expect(file).toBe(join(dir, "sglbench_nightly_DeepSeek-V3-0324.lock"));
    const lock = await acquireLock(file, { purpose: "nightly all" });
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      purpose: "nightly all",
    });
    await expect(acquireLock(file)).rejects.toThrow(LockHeldError);
    await expect(acquireLock(file)).rejects.toThrow(`held by PID ${process.pid}`);
    await lock.release();
    const again = await acquireLock(file);
    await again.release();
    await expect(readFile(file)).rejects.toThrow();
  });

  it("takes over a lock whose PID is dead and says whose it was", async () => {
    const file = join(dir, "x.lock");
    const stale = { pid: 999999, host: hostname(), started_at: "2025-01-01T00:00:00Z", purpose: "old" };
    await writeFile(file, JSON.stringify(stale));
    const lock = await acquireLock(file, { isAlive: (pid) => pid !== 999999 });
    expect(lock.replaced).toEqual(stale);
    expect(JSON.parse(await readFile(file, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("never takes a lock from another host, and an unreadable lock only when old", async () => {
    const file = join(dir, "y.lock");
    await writeFile(file, JSON.stringify({ pid: 1, host: "other-node", started_at: "t", purpose: "p" }));
    await expect(acquireLock(file, { isAlive: () => false })).rejects.toThrow(/on other-node/);
    await writeFile(file, "garbage");
    await expect(acquireLock(file)).rejects.toThrow(/not a sglbench lock/);
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(file, old, old);
    const lock = await acquireLock(file);
    await lock.release();
  });

  it("pidAlive tells live from dead", () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 12345)).toBe(false);
  });
});

describe("registry tags", () => {
  it("follows Docker Hub's next links and feeds the nightly pick", async () => {
    nock.disableNetConnect();
    const hub = nock("https://hub.docker.com")
      .get("/v2/repositories/rocm/sgl-dev/tags/")
      .query({ page_size: "100", ordering: "last_updated" })
      .reply(200, {
        next: "https://hub.docker.com/v2/repositories/rocm/sgl-dev/tags/?page=2&page_size=100&ordering=last_updated",
        results: [{ name: "v0.5.3.post1-rocm630-mi30x-20251013-srt" }, { name: "v0.5.3.post1-rocm700-mi35x-20251013" }],
      })
      .get("/v2/repositories/rocm/sgl-dev/tags/")
      .query({ page: "2", page_size: "100", ordering: "last_updated" })
      .reply(200, { next: null, results: [{ name: "v0.5.3.post1-rocm630-mi30x-20251012" }] });
    const tags = await listHubTags("rocm/sgl-dev");
    expect(tags).toEqual([
      "v0.5.3.post1-rocm630-mi30x-20251013-srt",
      "v0.5.3.post1-rocm700-mi35x-20251013",
      "v0.5.3.post1-rocm630-mi30x-20251012",
    ]);
    expect(hub.isDone()).toBe(true);
    // 2025-10-13 20:00 Pacific: today's mi30x image is only -srt, so yesterday's is taken.
    const pick = pickNightlyTag(tags, { hardware: "mi30x", now: new Date("2025-10-14T03:00:00Z") });
    expect(pick).toEqual({ tag: "v0.5.3.post1-rocm630-mi30x-20251012", date: "20251012", fallback: true });
  });

  it("stops paging when enough is found, and reports HTTP errors with the URL", async () => {
    nock.disableNetConnect();
    nock("https://hub.docker.com")
      .get("/v2/repositories/rocm/sgl-dev/tags/")
      .query(true)
      .reply(200, {
        next: "https://hub.docker.com/v2/repositories/rocm/sgl-dev/tags/?page=2",
        results: [{ name: "a" }],
      });
    expect(await listHubTags("rocm/sgl-dev", { enough: (t) => t.includes("a") })).toEqual(["a"]);
    nock("https://hub.docker.com").get("/v2/repositories/rocm/nope/tags/").query(true).reply(404, "not found");
    await expect(listHubTags("rocm/nope")).rejects.toThrow(/rocm\/nope\/tags\/.* answered 404/);
    nock("https://hub.docker.com").get("/v2/repositories/rocm/bad/tags/").query(true).reply(200, { oops: 1 });
    await expect(listHubTags("rocm/bad")).rejects.toThrow(/unexpected page/);
  });

  it("lists the tags of local images of one repository only", async () => {
    const docker = {
      listImages: async () => [
        { RepoTags: ["rocm/sgl-dev:20250624", "rocm/sgl-dev:v0.5.3-rocm630-mi30x-20251013"] },
        { RepoTags: ["busybox:latest"] },
        { RepoTags: null },
      ],
    };
    expect(await listLocalTags(docker, "rocm/sgl-dev")).toEqual(["v0.5.3-rocm630-mi30x-20251013", "20250624"]);
  });
});
