/**
 * At most `max` characters of a message, cut at a word and marked with an ellipsis (never mid-word,
 * never on a dangling `;`): a cause in a report cell or headline must still read as words.
 */
export function clipAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max / 2)).replace(/[;,:]$/, "")}…`;
}
