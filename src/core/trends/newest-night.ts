/**
 * Exit 3 means *this* run's work was partial. A history holds every night since the start, and some
 * old night always failed somewhere: its skipped files are still listed, but they must not turn
 * tonight's `process`, `plot` or `dashboard` into a failed job step.
 */
import { dateInName } from "./summaries.js";

/** `YYYYMMDD` of a path: that of its segment nearest the file (run folder, `cron_log/<hw>/<date>`), if any. */
export function pathDate(path: string): string | undefined {
  const segments = path.split(/[\\/]/);
  for (let i = segments.length - 1; i >= 0; i--) {
    const date = dateInName(segments[i] ?? "");
    if (date) return date;
  }
  return undefined;
}

/** The latest of the dates given (`YYYYMMDD` sorts as text). */
export function newestNight(dates: Iterable<string | undefined>): string | undefined {
  let newest: string | undefined;
  for (const d of dates) if (d && (!newest || d > newest)) newest = d;
  return newest;
}

/**
 * The skipped entries that make this run partial: those of the newest night seen (in `nights` or
 * among the skipped themselves, so a newest run that failed outright still counts) and those with
 * no date, which are not an old night's (e.g. a file the command itself could not remove).
 */
export function skipsOfNewestNight<T extends { file: string }>(
  skipped: readonly T[],
  nights: Iterable<string | undefined>,
): T[] {
  const newest = newestNight([...nights, ...skipped.map((s) => pathDate(s.file))]);
  return skipped.filter((s) => {
    const date = pathDate(s.file);
    return date === undefined || date === newest;
  });
}
