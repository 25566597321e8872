/** Names the nightly system gives to run folders and log files. */

export interface RunFolderName {
  tag: string;
  model: string;
  variant: string;
  kind: "online" | "offline";
  mode?: string;
}

const FOLDER = /^([^_]+)_(.+)_([^_]+)_(online|offline)(?:_(.+))?$/;

/** `<TAG>_<MODEL>_<VARIANT>_<online|offline>[_mode]` → parts; undefined for other names. */
export function parseRunFolderName(name: string): RunFolderName | undefined {
  const m = FOLDER.exec(name);
  if (!m) return undefined;
  const [, tag, model, variant, kind, mode] = m;
  if (!tag || !model || !variant || !kind) return undefined;
  return { tag, model, variant, kind: kind as "online" | "offline", ...(mode ? { mode } : {}) };
}

export interface ClientLogName {
  request_rate?: number;
  concurrency?: number;
  run: number;
  backend?: string;
}

/**
 * `sglang_client_log_<MODEL>_<backend>_<rate>_run<i>_<ts>.log` (Grok: request rate) or
 * `sglang_serving_benchmark_concurrency_<C>_run<i>_<ts>.log` (DeepSeek: concurrency).
 */
export function parseClientLogName(name: string): ClientLogName | undefined {
  const conc = /concurrency_(\d+)_run(\d+)/.exec(name);
  if (conc) return { concurrency: Number(conc[1]), run: Number(conc[2]) };
  const rate = /^sglang_client_log_.*?(?:_([A-Za-z][\w-]*))?_(\d+(?:\.\d+)?)_run(\d+)/.exec(name);
  if (rate) return { request_rate: Number(rate[2]), run: Number(rate[3]), ...(rate[1] ? { backend: rate[1] } : {}) };
  return undefined;
}

/** `tp<TP>_bs<BS>[_il<IL>].log` → point coordinates. */
export function parseOneBatchLogName(name: string): { tp: number; batch_size: number; input_len?: number } | undefined {
  const m = /^tp(\d+)_bs(\d+)(?:_il(\d+))?\.log$/.exec(name);
  if (!m) return undefined;
  return { tp: Number(m[1]), batch_size: Number(m[2]), ...(m[3] ? { input_len: Number(m[3]) } : {}) };
}

/**
 * The seed names its CSVs after the run folder: `<TAG>_<MODEL>_<VARIANT>_serving.csv` (DeepSeek
 * online), `…_online.csv` (Grok online), `…_offline[_mode].csv`. The parts of the folder name they
 * repeat; undefined for other names.
 */
export function parseSeedCsvName(name: string): RunFolderName | undefined {
  const stem = name.replace(/\.csv$/, "").replace(/_serving(?=_|$)/, "_online");
  return parseRunFolderName(stem);
}

/** The model segment of a client log name: `sglang_client_log_GROK2_aiter_4_run1_….log` → `GROK2`. */
export function clientLogModel(name: string): string | undefined {
  return /^sglang_client_log_([^_]+)_/.exec(name)?.[1];
}
