/** `--days`, `--today` and `--change-days`, read the same way by `plot` and `dashboard`. */
import { pacificDate } from "../core/catalogue/index.js";

export interface HistoryWindow {
  days?: number;
  today?: string;
  changeNights?: number;
}

/** The window the flags ask for, or the usage exit code (through `usage`) for a bad value. */
export function historyWindow(
  v: { days?: string | undefined; today?: string | undefined; "change-days"?: string | undefined },
  usage: (message: string) => number,
): HistoryWindow | number {
  const days = v.days === undefined ? undefined : Number(v.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) return usage("--days must be a positive integer");
  const changeNights = v["change-days"] === undefined ? undefined : Number(v["change-days"]);
  if (changeNights !== undefined && !(Number.isInteger(changeNights) && changeNights >= 0))
    return usage("--change-days must be an integer >= 0");
  if (v.today !== undefined && !/^\d{8}$/.test(v.today)) return usage(`--today must be YYYYMMDD, not "${v.today}"`);
  return {
    ...(days !== undefined ? { days, today: v.today ?? pacificDate(new Date()) } : {}),
    ...(changeNights !== undefined ? { changeNights } : {}),
  };
}
