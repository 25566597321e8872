/**
 * `--fail-on`: lets a script gate on a comparison. By default `compare` and `compare-pr` exit 0
 * whatever the verdicts (a regression is a finding, not an error); with `--fail-on` it is exit 1.
 */

export const FAIL_ON = ["regressed", "any"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export function isFailOn(value: string): value is FailOn {
  return (FAIL_ON as readonly string[]).includes(value);
}

/**
 * Why the gate trips, or undefined: `regressed` on any 🔴 cell (the overall verdict is then
 * "regressed"); `any` also on a ❌ cell or a run that failed (`runsFailed`).
 */
export function failOnReason(
  failOn: FailOn | undefined,
  counts: { regressed: number; failed: number },
  runsFailed = false,
): string | undefined {
  if (!failOn) return undefined;
  if (counts.regressed > 0) return `${counts.regressed} regressed`;
  if (failOn === "any" && counts.failed > 0) return `${counts.failed} failed`;
  if (failOn === "any" && runsFailed) return "some runs failed";
  return undefined;
}
