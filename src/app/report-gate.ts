/**
 * The check-run conclusion for a finished run's report artifact (pure).
 *
 * Fails closed: an artifact that cannot back a verdict (refused, report.md or results.json
 * missing or invalid), or results where nothing was judged, concludes `failure` whatever the gate
 * policy — GitHub counts `neutral` as passing a required check, so "no data" must not be neutral.
 * Only valid, judged results go through the configured policy ({@link gateConclusion}).
 */
import { gateConclusion, type GatePolicy } from "../core/request/index.js";
import type { ReportArtifact } from "../github/report-artifact.js";

export interface ArtifactVerdict {
  conclusion: "success" | "failure" | "neutral";
  /** Why the check fails closed (for the check title and summary), when it does. */
  reason?: string;
}

/** Why the artifact cannot back a verdict, or `undefined` when its results can be gated. */
export function artifactProblem(artifact: ReportArtifact): string | undefined {
  if (artifact.problem) return artifact.problem;
  if (!artifact.results) return "results.json is missing";
  const s = artifact.results.summary;
  const judged = s.regressed + s.improved + s.unchanged + s.inconclusive;
  if (judged > 0) return undefined;
  return s.failed > 0 ? `every benchmark point failed (${s.failed} failed, none measured)` : "nothing was measured";
}

/** Conclusion of the check run for a downloaded report artifact under the repository's gate policy. */
export function artifactConclusion(artifact: ReportArtifact, policy: GatePolicy): ArtifactVerdict {
  const reason = artifactProblem(artifact);
  if (reason || !artifact.results) return { conclusion: "failure", reason: reason ?? "results.json is missing" };
  return { conclusion: gateConclusion(artifact.results.summary, policy) };
}
