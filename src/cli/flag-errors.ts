/**
 * One-line messages for the flag errors of Node's parseArgs, whose own messages are long, quote
 * the flag oddly and never suggest the flag that was meant.
 */
import { errorMessage, nearest } from "../core/util/index.js";
import { replacementOf } from "./original-flags.js";

/** `unknown option --dayz (did you mean --days?)`, `option --days needs a value`, … */
export function flagErrorMessage(error: unknown, known: readonly string[]): string {
  const message = errorMessage(error);
  const code = (error as { code?: unknown } | null)?.code;
  // Node quotes the flag as '--days', '--days <value>' or '-d, --days <value>'.
  const flag = /'(?:-\w, )?(--?[^'\s]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    const replaced = replacementOf(flag);
    if (replaced) return `${flag} is the original toolkit's flag: ${replaced}`;
    const guess = flag.startsWith("--") ? nearest(flag.slice(2), known) : undefined;
    return `unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    if (message.includes("does not take an argument")) return `option ${flag} takes no value`;
    // `--csv1 --csv2 b`: the value looks like a flag.
    if (message.includes("ambiguous"))
      return `option ${flag} needs a value (one starting with "-" is written ${flag}=-…)`;
    return `option ${flag} needs a value`;
  }
  return message.split("\n")[0] ?? message;
}
