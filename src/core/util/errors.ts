/** The message of anything thrown (an `Error`'s message, else its string form). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message, followed by its cause's where the error wraps one: `… (cause: …)`. */
export function errorMessageWithCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return errorMessage(error) + cause;
}
