/**
 * One direction convention for every surface (PR report, `compare`, `changes`, nightly issues,
 * dashboard): a change is said in words — slower / faster for times, higher / lower for the rest —
 * and where a number is signed, + means the value went up (a latency rise is "+5.1 % slower").
 * Before this, the PR report flipped the sign so that + meant "PR better", and the nightly surfaces
 * did not: the same rise read −5.1 % in one place and +5.1 % in another.
 */
import { metricInfo } from "../catalogue/index.js";

/** Which way a value moved, in the words a reader uses; JSON carries it next to the raw change. */
export type ChangeDirection = "slower" | "faster" | "higher" | "lower" | "unchanged";

/** Times read as slower/faster; everything else as higher/lower. */
export function isTimeMetric(metric: string): boolean {
  const unit = metricInfo(metric).unit;
  return unit === "s" || unit === "ms" || /latency|ttft|itl|tpot|duration/i.test(metric);
}

/** The direction of a raw change (+ = the value went up); "unchanged" when it rounds to 0.0 %. */
export function changeDirection(metric: string, changePct: number): ChangeDirection {
  if (!Number.isFinite(changePct) || Math.abs(changePct) < 0.05) return "unchanged";
  if (isTimeMetric(metric)) return changePct > 0 ? "slower" : "faster";
  return changePct > 0 ? "higher" : "lower";
}

/** What the direction applies to, so "higher" is never bare: "higher throughput", "lower accuracy". */
function subject(metric: string): string {
  if (/throughput/i.test(metric)) return " throughput";
  if (metric === "gsm8k_accuracy") return " accuracy";
  if (metric.startsWith("kv_cache")) return " KV-cache capacity";
  return "";
}

/** Signed with + for a rise: `+5.1 %`. */
export function signedPct(changePct: number, digits = 1): string {
  // A change that rounds to zero has no sign: "-0.0 %" would claim a direction it does not have.
  if (Number(Math.abs(changePct).toFixed(digits)) === 0) return `${(0).toFixed(digits)} %`;
  return `${changePct >= 0 ? "+" : "-"}${Math.abs(changePct).toFixed(digits)} %`;
}

/** `5.1 % slower`, `3.0 % lower throughput`, `unchanged`: the magnitude and the words. */
export function changeWords(metric: string, changePct: number): string {
  const d = changeDirection(metric, changePct);
  if (d === "unchanged") return "unchanged";
  // Past doubling a factor reads better than thousands of percent: "58× slower", not "5638.4 % slower".
  const size =
    changePct >= 100 ? `${Number((1 + changePct / 100).toPrecision(2))}×` : `${Math.abs(changePct).toFixed(1)} %`;
  return `${size} ${d}${d === "higher" || d === "lower" ? subject(metric) : ""}`;
}

/** `+5.1 % slower`: the signed number and the words, the form every table uses. */
export function changePhrase(metric: string, changePct: number, digits = 1): string {
  const d = changeDirection(metric, changePct);
  return d === "unchanged" ? signedPct(changePct, digits) : `${signedPct(changePct, digits)} ${d}`;
}

/** An interval in the same sign: `[+2.4, +7.9]`. */
export function intervalText(interval: readonly [number, number]): string {
  const [a, b] = [Math.min(...interval), Math.max(...interval)];
  // Past ×11 the digits say nothing a reader can use (a t with df near 1 reaches +10¹² %).
  const s = (x: number): string => (x > 999 ? ">+999" : `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)}`);
  return `[${s(a)}, ${s(b)}]`;
}
