/** Python look-alike formatting: repr of values, json.dumps with floats, str.format padding. */

/** Marks a number that Python holds as a float (so `1` prints as `1.0`). */
export class PyFloat {
  /** @param {number} value */
  constructor(value) {
    this.value = value;
  }
}

/** @param {number} value */
export const float = (value) => new PyFloat(value);

/** Python repr of a float: shortest round-trip, `.0` for integral values, `inf`/`nan`. */
export function floatRepr(value) {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  const text = String(value);
  return /[.e]/.test(text) ? text.replace(/e([+-])(\d)$/, "e$10$2") : `${text}.0`;
}

/** Python repr() of a JS value (strings single-quoted, null → None, booleans capitalised). */
export function repr(value) {
  if (value === null || value === undefined) return "None";
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : floatRepr(value);
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
  return String(value);
}

/** `Namespace(a=1, b='x')` as argparse prints it. */
export function namespace(fields) {
  return `Namespace(${Object.entries(fields)
    .map(([key, value]) => `${key}=${repr(value)}`)
    .join(", ")})`;
}

/** json.dumps with default separators; PyFloat prints as a float, Infinity/NaN bare like Python. */
export function dumps(value) {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) {
    if (value.value === Infinity) return "Infinity";
    if (value.value === -Infinity) return "-Infinity";
    if (Number.isNaN(value.value)) return "NaN";
    return floatRepr(value.value);
  }
  if (typeof value === "number") {
    if (value === Infinity) return "Infinity";
    if (Number.isNaN(value)) return "NaN";
    return Number.isInteger(value) ? String(value) : floatRepr(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(dumps).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}: ${dumps(item)}`)
    .join(", ")}}`;
}

/** `"{:<40} {:<10}".format(label, value)`: both left-aligned and padded (values keep trailing spaces). */
export function row(label, value) {
  return `${label.padEnd(40)} ${String(value).padEnd(10)}`;
}

/** Python `f"{x:.Nf}"`. */
export function fixed(value, digits) {
  if (value === Infinity) return "inf";
  if (Number.isNaN(value)) return "nan";
  return value.toFixed(digits);
}

/** Python `f"{x:W.Nf}"` (right-aligned to width W). */
export function fixedWidth(value, width, digits) {
  return fixed(value, digits).padStart(width);
}
