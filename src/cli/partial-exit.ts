/** The exit code of `process`, `plot` and `dashboard` once their output is written: 0, or 3 when tonight's part is missing. */
import { skipsOfNewestNight } from "../core/trends/index.js";
import { EXIT, type CliIO } from "./io.js";

/**
 * 3 when a skipped file belongs to the newest night (or to no night: the command's own output),
 * else 0; the skipped files of older nights were listed already and only get a count here.
 */
export function partialExit(
  skipped: readonly { file: string }[],
  nights: Iterable<string | undefined>,
  io: CliIO,
): number {
  const current = skipsOfNewestNight(skipped, nights);
  const old = skipped.length - current.length;
  if (old > 0) io.stderr(`${old} of the skipped above are from older nights: they do not make this run partial\n`);
  return current.length > 0 ? EXIT.partial : EXIT.ok;
}
