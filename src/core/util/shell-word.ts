/**
 * One shell word for a command a reader pastes (the report's reproduce lines): as is when it holds
 * only characters no shell treats specially, else in single quotes, so a path with a space, a
 * `<redacted>` value or a `;` in an environment value stays one argument and runs nothing.
 */
export function shellWord(value: string): string {
  return /^[\w./:=,@+%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
