/**
 * `SGLSIM_HANG`: a comma-separated list of tools that hang (sleep forever, output stops), like a real
 * tool stuck on a GPU or a dead peer: `launch` (launch_server, before it binds its port),
 * `serving` (bench_serving, after its argument line), `gsm8k` (the GSM8K client, before its first
 * request), `bench_one_batch` or `one_batch` (after `Load weight begin`). `what:V` hangs only at that
 * point: V is the request rate or concurrency for `serving`, a batch size for `one_batch`.
 * `SGLSIM_HANG_IGNORE_TERM=1`: the hung process ignores SIGTERM/SIGINT (only SIGKILL ends it).
 */
import process from "node:process";

const ALIASES = { bench_one_batch: "one_batch", launch_server: "launch", bench_serving: "serving" };

/**
 * True when `tool` should hang at `values` (any of them matching a `tool:V` entry; a bare `tool`
 * matches every point).
 * @param {string} tool launch | serving | gsm8k | one_batch
 * @param {Array<number|string|null|undefined>} values the point's values
 */
export function shouldHang(tool, values = [], env = process.env) {
  for (const entry of String(env.SGLSIM_HANG ?? "").split(",")) {
    const [rawName, at] = entry.trim().split(":");
    const name = ALIASES[rawName] ?? rawName;
    if (name !== tool) continue;
    if (at === undefined || at === "") return true;
    if (values.some((v) => v !== null && v !== undefined && Number(v) === Number(at))) return true;
  }
  return false;
}

/** Never returns; keeps the process alive (and deaf to SIGTERM when asked). */
export function hangForever(env = process.env) {
  if (env.SGLSIM_HANG_IGNORE_TERM === "1") {
    process.on("SIGTERM", () => undefined);
    process.on("SIGINT", () => undefined);
  }
  return new Promise(() => setInterval(() => undefined, 60_000));
}
