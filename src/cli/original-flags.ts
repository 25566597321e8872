/**
 * Flags of the original toolkit's scripts that sglbench does not take, each with what replaces it.
 * An unknown option found here gets that answer instead of "unknown option", so a user coming from
 * the scripts learns the new spelling (docs/original-flags.md has the whole table).
 */
export const REPLACED_FLAGS: Readonly<Record<string, string>> = {
  "--nightly-command":
    "the original passed the nightly's command line down for its logs; sglbench --dry-run shows every command a run makes; drop the flag",
  "--rocm-version":
    "sglbench reads the ROCm version from the image tag (…-rocm700-…); drop the flag, or name an image with the ROCm you want",
  "--github-dockerfile-url":
    "replaced by --dockerfile-path: the build uses the Dockerfile inside the checkout at the built commit, never one downloaded from a URL",
  "--teams-webhook": "replaced by --teams-webhook-url (or $SGLBENCH_TEAMS_WEBHOOK_URL)",
  "--plot-dir": "replaced by --out (plot) or --dashboard-out (nightly)",
  "--base-path": "replaced by --data-dir",
  "--base-prefix": "sglbench names summaries from the series itself; drop the flag",
  "--csv-mode-filter": "replaced by --mode-filter",
  "--log-dir": "replaced by --output-dir (the run folder keeps every log)",
  "--platform": "replaced by --hardware",
  "--summary-csv":
    "replaced by --data-dir: sglbench charts the run folders themselves (sglbench process still writes the summary CSVs)",
  "--output-prefix": "replaced by --out: charts are named by their series (<out>/<hardware>/<model>/<suite>/<chart>)",
};

/** The replacement of an original flag (`--rocm-version=700` → its message), or undefined. */
export function replacementOf(flag: string): string | undefined {
  return REPLACED_FLAGS[flag.split("=", 1)[0] ?? flag];
}
