import { ingestPaths } from "../src/store/ingest.js";
import { priorHardware } from "../src/core/verdict/index.js";
import { dedupeRuns } from "./prior-learn.js";
const { runs: all } = await ingestPaths(["/work/shared/fixtures/real"]);
const runs = dedupeRuns(all).filter((r) => r.points.length > 0 && priorHardware(r.hardware) && r.model.name.startsWith("DeepSeek") && !r.mode && ["20251021","20251022","20251023","20251024"].includes(r.date ?? ""));
for (const r of runs) { const p = r.points.find((p) => p.point.concurrency === 16); console.log(r.date, r.source ?? "", JSON.stringify(p?.repeats.map((x) => [x.index, x.warmup, x.metrics.median_ttft_ms, x.metrics.output_throughput]))); }
