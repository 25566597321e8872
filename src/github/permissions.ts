/** Who may trigger benchmarks: the commenter's repository permission. */
import { apiError, type GitHubClient, type RepoRef } from "./octokit.js";

/** Repository permission levels, lowest first. */
export const PERMISSION_LEVELS = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

function asLevel(value: string | null | undefined): PermissionLevel | null {
  return (PERMISSION_LEVELS as readonly string[]).includes(value ?? "") ? (value as PermissionLevel) : null;
}

/**
 * A user's permission on a repository. `role_name` is preferred because `permission` folds
 * maintain→write and triage→read. A 404 (not a collaborator) is `none`.
 */
export async function getPermission(octokit: GitHubClient, ref: RepoRef, username: string): Promise<PermissionLevel> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...ref, username });
    return asLevel(data.role_name) ?? asLevel(data.permission) ?? "none";
  } catch (error: unknown) {
    if ((error as { status?: number }).status === 404) return "none";
    throw apiError(`reading ${username}'s permission on ${ref.owner}/${ref.repo}`, error);
  }
}

/** Whether `level` is at least `minimum`. */
export function permissionAtLeast(level: PermissionLevel, minimum: PermissionLevel): boolean {
  return PERMISSION_LEVELS.indexOf(level) >= PERMISSION_LEVELS.indexOf(minimum);
}
