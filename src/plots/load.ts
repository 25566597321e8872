/** Loads the nightly history of a data folder and turns it into chart data. */
import type { SeriesChange } from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";
import { loadHistory, type HistoryOptions, type Skipped } from "../store/history.js";
import { buildChartData, chartSuite, type SuiteChartData } from "./chart-data.js";
import { keepYoungGenerationSmall } from "./collect.js";

/** Which part of the history to chart. */
export interface ChartSelection extends HistoryOptions {
  /** Keep only suites whose id (`deepseek-online`, or with its configuration `deepseek-online-dp_attention`) is listed. */
  suites?: readonly string[];
  /** Keep only these hardware types. */
  hardware?: readonly string[];
  /** Metrics charted (default the nightly ones). */
  metrics?: readonly string[];
  /** Precomputed change points (the nightly passes its own). */
  changes?: readonly SeriesChange[];
  /** Change points are searched in the last N nights of each series (default 120; 0 = all). */
  changeNights?: number;
}

/** The runs of a data folder (console logs included), filtered, plus their chart data. */
export async function loadChartData(
  dataDir: string,
  sel: ChartSelection = {},
): Promise<{ runs: RunResults[]; data: SuiteChartData[]; skipped: Skipped[] }> {
  const { suites, hardware, metrics, changes, changeNights, ...history } = sel;
  // Everything that charts loads first: the process's peak memory is set from here on.
  keepYoungGenerationSmall();
  const loaded = await loadHistory(dataDir, history);
  // Console logs are not filtered by folder: apply the model filter to the records too.
  const runs = loaded.runs.filter(
    (r) =>
      (!sel.model || r.model.name === sel.model) &&
      (!suites || suites.includes(r.suite) || suites.includes(chartSuite(r))) &&
      (!hardware || hardware.includes(r.hardware ?? "unknown")),
  );
  const data = buildChartData(runs, {
    ...(metrics ? { metrics } : {}),
    ...(changes ? { changes } : {}),
    ...(changeNights !== undefined ? { changeNights } : {}),
  });
  return { runs, data, skipped: loaded.skipped };
}
