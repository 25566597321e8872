/**
 * Files a command skipped, as lines for stderr. A history folder of real nightlies holds many crashed
 * nights (150 of 400 console logs in two months), so skips of one kind beyond a few are told in one
 * line with examples instead of a screenful; `sglbench ingest` still lists every file.
 */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** The reason without its detail: `no benchmark results in console log (ERROR: …)` → `no benchmark results in console log`. */
const reasonKind = (reason: string): string => reason.replace(/\s*\(.*\)\s*$/s, "");

export function skippedLines(skipped: readonly SkippedFile[], prefix = "skipped", listUpTo = 3): string[] {
  const groups = new Map<string, SkippedFile[]>();
  for (const s of skipped) groups.set(reasonKind(s.reason), [...(groups.get(reasonKind(s.reason)) ?? []), s]);
  const lines: string[] = [];
  for (const [kind, files] of groups) {
    if (files.length <= listUpTo + 1) {
      lines.push(...files.map((s) => `${prefix} ${s.file}: ${s.reason}`));
      continue;
    }
    const examples = files.slice(0, listUpTo).map((s) => s.file);
    lines.push(
      `${prefix} ${files.length} files: ${kind} — e.g. ${examples.join(", ")}, …; \`sglbench ingest\` on the folder lists each with its reason`,
    );
  }
  return lines;
}
