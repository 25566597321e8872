/** The `YYYYMMDD_HHMMSS` stamps of folder and log names (the seed's `date +%Y%m%d_%H%M%S`). */

/**
 * `YYYYMMDD_HHMMSS` of `date`: in local time as the seed's names, or in UTC where runners in
 * different zones must agree (compare-pr's folders).
 */
export function timestamp(date: Date, zone: "local" | "utc" = "local"): string {
  // Shifted by the zone's offset at that instant, the ISO string's UTC fields read as local time.
  const shifted = zone === "utc" ? date : new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  const iso = shifted.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, "")}_${iso.slice(11, 19).replace(/:/g, "")}`;
}
