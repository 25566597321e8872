import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { run } from "../../src/cli/commands/dashboard.js";
import { buildDashboard, readNightlyReports } from "../../src/plots/dashboard.js";
import { esc, scriptJson } from "../../src/plots/dashboard-html.js";
import { startServer } from "../../src/plots/serve.js";
import { captureIO } from "../helpers/capture-io.js";
import { offlineHistory, writeHistory } from "../helpers/plots-history.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const REAL = join(import.meta.dirname, "..", "fixtures", "real");
const CHROMIUM = "/usr/bin/chromium";

/** Every href of a page. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replaceAll("&#38;", "&"));
}

describe("dashboard HTML helpers", () => {
  it("escapes text and keeps embedded JSON from closing its script tag", () => {
    expect(esc(`<a href="x">&'`)).toBe("&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
    const json = scriptJson({ t: "</script><script>alert(1)</script>" });
    expect(json).not.toContain("</script");
    expect(JSON.parse(json)).toEqual({ t: "</script><script>alert(1)</script>" });
  });
});

describe("buildDashboard on the real fixtures", () => {
  let tmp: string;
  let site: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-dash-"));
    site = join(tmp, "site");
    await buildDashboard({ dataDir: REAL, outDir: site, images: ["svg"], now: new Date("2025-10-17T12:00:00Z") });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("writes an index linking one page per hardware × model, and the offline assets", async () => {
    const index = await readFile(join(site, "index.html"), "utf8");
    expect(index).toContain("generated 2025-10-17 12:00 UTC");
    const pages = hrefs(index).filter((h) => h.endsWith("index.html"));
    expect(pages).toEqual([
      "mi30x/DeepSeek-V3-0324_FP8/index.html",
      "mi30x/GROK1_MOE-I4F8/index.html",
      "mi30x/GROK2_FP8/index.html",
    ]);
    for (const p of pages) expect(existsSync(join(site, p))).toBe(true);
    for (const a of ["vega.min.js", "vega-lite.min.js", "embed.js", "style.css"])
      expect((await stat(join(site, "assets", a))).size).toBeGreaterThan(100);
    // No CDN anywhere.
    expect(index).not.toMatch(/https?:\/\//);
    expect(index).toContain("2 file(s) could not be read");
  });

  it("lists each run with links that resolve to its folder and logs", async () => {
    const pageFile = join(site, "mi30x", "DeepSeek-V3-0324_FP8", "index.html");
    const page = await readFile(pageFile, "utf8");
    expect(page.match(/class="vl-spec"/g)).toHaveLength(6); // e2e, ttft, itl, combined, kv, gsm8k
    // The overview image leads the page.
    expect(page).toMatch(
      /<figure class="overview"><a href="..\/..\/charts\/mi30x\/DeepSeek-V3-0324_FP8\/deepseek-online\/overview.(png|svg)">/,
    );
    const links = hrefs(page).filter((h) => h.includes("online_benchmark_log"));
    const folders = links.filter((h) => h.endsWith("_online/"));
    expect(folders).toHaveLength(4);
    for (const h of links) expect(existsSync(resolve(dirname(pageFile), decodeURIComponent(h)))).toBe(true);
    expect(links.some((h) => h.endsWith("sglang_server.log"))).toBe(true);
    const svgLinks = hrefs(page).filter((h) => h.endsWith(".svg"));
    expect(svgLinks).toHaveLength(7); // the overview, then e2e, ttft, itl, combined, kv, gsm8k
    for (const h of svgLinks) expect(existsSync(resolve(dirname(pageFile), h))).toBe(true);
    // GROK1 came from the seed's console logs: the run links to its log.
    const grok1 = await readFile(join(site, "mi30x", "GROK1_MOE-I4F8", "index.html"), "utf8");
    expect(hrefs(grok1).filter((h) => h.endsWith("grok_nightly.log"))).toHaveLength(4);
  });

  it("uses --runs-url style links when asked", async () => {
    const out = join(tmp, "site-url");
    await buildDashboard({ dataDir: REAL, outDir: out, images: [], runsUrl: "/data", model: "GROK2" });
    const page = await readFile(join(out, "mi30x", "GROK2_FP8", "index.html"), "utf8");
    expect(hrefs(page)).toContain("/data/online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online/");
    expect(existsSync(join(out, "charts"))).toBe(false);
  });
});

describe("dashboard of a history with a regression and nightly reports", () => {
  let tmp: string;
  let data: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-dash-hist-"));
    data = join(tmp, "data");
    await writeHistory(data, offlineHistory(40, 30));
    await mkdir(join(data, "nightly_reports"), { recursive: true });
    const report = (date: string, exitCode: number): string =>
      JSON.stringify({
        date,
        mode: "offline",
        model: "grok1",
        image: `rocm/sgl-dev:v0.5.3-rocm630-mi30x-${date}`,
        exitCode,
        suites: [{ suite: "grok-offline-normal", folder: "x", exitCode, points: 9, failures: exitCode ? 1 : 0 }],
        regressions: [{}],
        notes: exitCode ? ["charts/dashboard failed: x"] : [],
      });
    await writeFile(join(data, "nightly_reports", "20250208_grok1_offline.json"), report("20250208", 0));
    await writeFile(join(data, "nightly_reports", "20250209_grok1_offline.json"), report("20250209", 3));
    await writeFile(join(data, "nightly_reports", "20250210_grok1_offline.json"), "{ truncated");
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("keeps the latest report per model × mode and names the unreadable one", async () => {
    const r = await readNightlyReports(data);
    expect(r.rows.map((x) => [x.date, x.exitCode, x.regressions])).toEqual([["20250209", 3, 1]]);
    expect(r.skipped).toEqual([expect.objectContaining({ file: "nightly_reports/20250210_grok1_offline.json" })]);
  });

  it("shows the open regression, the latest nightly and exits 3 for the skipped report", async () => {
    const io = captureIO(tmp);
    const code = await run(["--data-dir", data, "--images", "none"], io);
    expect(code).toBe(3);
    expect(io.err.join("")).toContain("skipped nightly_reports/20250210_grok1_offline.json");
    const index = await readFile(join(data, "dashboard", "index.html"), "utf8");
    const open = index.slice(index.indexOf('id="open-changes"'));
    expect(open).toContain("20250131");
    // One row per hardware × model × suite × night: hardware, both series, the largest change, its cause and commits.
    expect(open).toContain("<td>MI300X (mi30x)</td>");
    expect(open).toContain("TP8 BS32 IL1024 OL128");
    expect(open).toMatch(/<td class="num">2<\/td><td class="num regression">2<\/td>/);
    expect(open).toMatch(/\+(9\.[5-9]|10\.\d) % slower/);
    expect(open).toContain("commits/main/?since=2025-01-30&#38;until=2025-01-31");
    expect(index).toContain("2 open regressions"); // latency and throughput of BS=32
    expect(index).toContain('<td class="partial">partial</td>');
    const page = await readFile(join(data, "dashboard", "mi30x", "GROK1_MOE-I4F8", "index.html"), "utf8");
    expect(page).toMatch(
      /<td>BS=32<\/td><td class="num">[\d.]+ <span class="muted">\(([+-][\d.]+ % (slower|faster)|0\.0 %) vs prev\. 7\)<\/span><br><span class="regression">regression since 20250131 \(\+(9\.[5-9]|10\.\d) % slower\)<\/span><\/td>/,
    );
    expect(page).toMatch(
      /<td>BS=16<\/td><td class="num">[\d.]+ <span class="muted">\(([+-][\d.]+ % (slower|faster)|0\.0 %) vs prev\. 7\)<\/span><\/td>/,
    );
    expect(page).toContain("grok-offline-normal");
  });

  it("fails clearly on bad usage and an empty folder", async () => {
    let io = captureIO(tmp);
    expect(await run(["--images", "gif"], io)).toBe(2);
    io = captureIO(tmp);
    expect(await run(["--nope"], io)).toBe(2);
    expect(io.err.join("")).toContain("Usage: sglbench dashboard");
    io = captureIO(tmp);
    expect(await run(["--help"], io)).toBe(0);
    const empty = join(tmp, "empty");
    await mkdir(empty);
    io = captureIO(tmp);
    expect(await run(["--data-dir", empty, "--out", join(tmp, "e-site")], io)).toBe(1);
    expect(io.err.join("")).toContain("no dated runs");
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser test skipped: ${CHROMIUM} not installed (apt-get install chromium)`);

(hasChromium ? describe : describe.skip)("dashboard in headless Chromium", () => {
  let tmp: string;
  let data: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-dash-browser-"));
    data = join(tmp, "data");
    await writeHistory(data, offlineHistory(40, 30));
    // A sanity sweep's report: its pass/fail table must fit the phone too.
    await mkdir(join(data, "nightly_reports"), { recursive: true });
    await copyFile(
      join(import.meta.dirname, "..", "fixtures", "sanity-reports", "nightly_reports", "20251014_sanity_sanity.json"),
      join(data, "nightly_reports", "20251014_sanity_sanity.json"),
    );
    await buildDashboard({ dataDir: data, outDir: join(data, "dashboard"), images: [] });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("renders every chart from file:// without any network request, and serves run folders", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    const server = await startServer({ root: data, port: 0 });
    try {
      // A Pacific browser: dates must not slip to the previous day (they are UTC midnights).
      const page = await (await browser.newContext({ timezoneId: "America/Los_Angeles" })).newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${join(data, "dashboard", "mi30x", "GROK1_MOE-I4F8", "index.html")}`);
      await page.waitForSelector("body[data-charts]", { timeout: 30_000 });
      expect(errors).toEqual([]);
      expect(await page.getAttribute("body", "data-charts")).toBe("3");
      expect(await page.getAttribute("body", "data-charts-failed")).toBe("0");
      expect(await page.locator('.vega[data-rendered="ok"] svg').count()).toBe(3);
      // 9 batch-size panels in the latency chart, each with a drawn line.
      expect(await page.locator("#grok-offline-normal-latency svg .mark-line path").count()).toBe(9);
      const text = await page.locator("#grok-offline-normal-latency svg").textContent();
      expect(text).toMatch(/\+(9\.[5-9]|10\.\d) % slower regression/);
      expect(requests.every((u) => u.startsWith("file://"))).toBe(true);
      // Hovering the last night of the last panel shows its date, image and repeats.
      const dots = page.locator("#grok-offline-normal-latency svg .mark-symbol path");
      await dots.nth((await dots.count()) - 1).hover({ force: true });
      await page.waitForSelector("#grok-offline-normal-latency[title]");
      const tip = await page.locator("#grok-offline-normal-latency").getAttribute("title");
      expect(tip).toContain("date: 2025-02-09");
      expect(tip).toContain("image: v0.5.3-rocm630-mi30x-20250209");
      expect(tip).toContain("repeats: 2");

      // Served: the page and the run folder it links to.
      await page.goto(`${server.url}dashboard/mi30x/GROK1_MOE-I4F8/index.html`);
      await page.waitForSelector("body[data-charts]", { timeout: 30_000 });
      expect(await page.getAttribute("body", "data-charts-failed")).toBe("0");
      const href = await page.locator("#runs a").first().getAttribute("href");
      const listing = await page.goto(new URL(href ?? "", page.url()).toString());
      expect(listing?.status()).toBe(200);
      expect(await page.content()).toContain("results.json");

      // On a 390 px phone the pages are no wider than the screen: wide tables and charts scroll inside.
      const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
      expect(await readFile(join(data, "dashboard", "index.html"), "utf8")).toContain('id="sanity-mi30x"');
      for (const path of ["index.html", "mi30x/GROK1_MOE-I4F8/index.html"]) {
        await phone.goto(`file://${join(data, "dashboard", path)}`);
        await phone.waitForLoadState("load");
        expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      }
    } finally {
      await server.close();
      await browser.close();
    }
  }, 60_000);
});
