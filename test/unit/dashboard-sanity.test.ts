/** The dashboard's sanity table: newest GSM8K sweep per hardware, failures first, escaped. */
import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { indexHtml, sanityHtml } from "../../src/plots/dashboard-html.js";
import { readSanityNights } from "../../src/plots/sanity-table.js";

const DATA = join(process.cwd(), "test/fixtures/sanity-reports");

describe("sanity reports", () => {
  it("keeps the newest sanity night per hardware (own field, else the image tag) and skips unreadable ones", async () => {
    const nights = await readSanityNights(DATA);
    expect(nights.map((n) => [n.hardware, n.date, n.file, n.rows.length])).toEqual([
      ["mi30x", "20251014", "nightly_reports/20251014_sanity_sanity.json", 4],
      ["mi35x", "20251012", "nightly_reports/20251012_sanity_sanity.json", 1],
    ]);
  });

  it("reads nothing from a data dir without reports", async () => {
    expect(await readSanityNights(join(DATA, "no-such-dir"))).toEqual([]);
  });
});

describe("sanity table HTML", () => {
  it("lists one row per model, failures first, with accuracy, floor and PASS/FAIL", async () => {
    const html = sanityHtml(await readSanityNights(DATA), (rel) => `../data/${rel}`);
    expect(html).toContain("<h2>Sanity (GSM8K sweep)</h2>");
    const mi30x = html.slice(html.indexOf('id="sanity-mi30x"'), html.indexOf("</table>"));
    const models = [...mi30x.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(models).toEqual(["&#60;script&#62;alert(1)&#60;/script&#62;", "QWEN-30B", "DEEPSEEK-V3", "GROK1-IN4"]);
    expect(html).not.toContain("<script>");
    expect(mi30x).toContain(
      '<tr><td>QWEN-30B</td><td class="regression">FAIL</td><td class="num">0.831</td><td class="num">0.840</td>' +
        '<td class="num">2</td><td title="rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251014">v0.5.3.post1-rocm630-mi30x-20251014</td></tr>',
    );
    // No accuracy (the server never answered): a dash, and a failure.
    expect(mi30x).toMatch(/<td class="regression">FAIL<\/td><td class="num">—<\/td><td class="num">0\.900<\/td>/);
    expect(mi30x).toContain(
      '<td>GROK1-IN4</td><td class="ok">PASS</td><td class="num">0.813</td><td class="num">0.800</td>',
    );
    expect(html).toContain('MI300X (mi30x) · night 20251014 · <span class="regression">2 of 4 failed</span>');
    expect(html).toContain('<a href="../data/nightly_reports/20251014_sanity_sanity.json">report</a>');
    expect(html).toContain('MI355X (mi35x) · night 20251012 · <span class="ok">all 1 passed</span>');
  });

  it("says so when no sweep has run, and sits on the index after the latest nightlies", () => {
    expect(sanityHtml([])).toContain("No sanity sweep");
    const index = indexHtml({
      generatedAt: "2025-10-14 08:00 UTC",
      dataDir: "data",
      pages: [],
      nightlies: [],
      sanity: [{ hardware: "mi30x", date: "20251014", file: "nightly_reports/x.json", rows: [] }],
      skipped: [],
    });
    expect(index.indexOf("Sanity (GSM8K sweep)")).toBeGreaterThan(index.indexOf("Latest nightlies"));
    expect(index.indexOf("Sanity (GSM8K sweep)")).toBeLessThan(index.indexOf("Change points"));
    expect(index).toContain("no model ran");
  });
});
