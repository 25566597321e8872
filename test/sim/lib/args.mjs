import process from "node:process";

/**
 * A small argparse look-alike: long flags with `=` or separate values, unique-prefix matching
 * (argparse's allow_abbrev, which the AMD CI relies on), several values per flag, and unknown
 * flags ignored (the real tools accept every launch_server flag; we only read a few).
 */

/**
 * @typedef {{ flags: string[], dest: string, type?: "str"|"int"|"float"|"bool"|"rate", nargs?: "+", default?: unknown }} OptionSpec
 */

/**
 * Parse argv against option specs.
 * @param {string[]} argv
 * @param {OptionSpec[]} specs
 * @returns {{ values: Record<string, unknown>, unknown: string[], positionals: string[] }}
 */
export function parseArgs(argv, specs) {
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const spec of specs) values[spec.dest] = spec.default === undefined ? null : spec.default;
  const allFlags = specs.flatMap((spec) => spec.flags.map((flag) => ({ flag, spec })));
  const unknown = [];
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (!token.startsWith("--")) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const name = eq >= 0 ? token.slice(0, eq) : token;
    const inline = eq >= 0 ? token.slice(eq + 1) : undefined;
    const spec = findSpec(allFlags, name);
    if (!spec) {
      unknown.push(name);
      // Skip the unknown flag's values so they are not mistaken for positionals.
      while (inline === undefined && i + 1 < argv.length && !String(argv[i + 1]).startsWith("--")) i++;
      continue;
    }
    if (spec.type === "bool") {
      values[spec.dest] = true;
      continue;
    }
    const raw = [];
    if (inline !== undefined) raw.push(inline);
    else {
      while (i + 1 < argv.length && !String(argv[i + 1]).startsWith("--")) {
        raw.push(String(argv[++i]));
        if (spec.nargs !== "+") break;
      }
    }
    if (raw.length === 0)
      throw new Error(`argument ${name}: expected ${spec.nargs === "+" ? "at least one argument" : "one argument"}`);
    const converted = raw.map((value) => convert(value, spec, name));
    values[spec.dest] = spec.nargs === "+" ? converted : converted[0];
  }
  return { values, unknown, positionals };
}

function findSpec(allFlags, name) {
  const exact = allFlags.find((entry) => entry.flag === name);
  if (exact) return exact.spec;
  const prefixed = allFlags.filter((entry) => entry.flag.startsWith(name));
  const specs = new Set(prefixed.map((entry) => entry.spec));
  return specs.size === 1 ? prefixed[0]?.spec : undefined;
}

function convert(value, spec, name) {
  switch (spec.type) {
    case "int": {
      if (!/^-?\d+$/.test(value)) throw new Error(`argument ${name}: invalid int value: '${value}'`);
      return Number(value);
    }
    case "float":
    case "rate": {
      const number = value === "inf" ? Infinity : Number(value);
      if (Number.isNaN(number)) throw new Error(`argument ${name}: invalid float value: '${value}'`);
      return number;
    }
    default:
      return value;
  }
}

/**
 * argparse-style `-h/--help`: when asked, print usage built from the specs and return true.
 * @param {string[]} argv
 * @param {string} prog
 * @param {OptionSpec[]} specs
 */
export function printHelpIfAsked(argv, prog, specs) {
  if (!argv.includes("-h") && !argv.includes("--help")) return false;
  const lines = [
    `usage: ${prog} [-h] [options]`,
    "",
    "(simulated SGLang: see test/sim/README.md)",
    "",
    "options:",
    "  -h, --help            show this help message and exit",
  ];
  for (const spec of specs) {
    const metavar =
      spec.type === "bool"
        ? ""
        : ` ${spec.dest.toUpperCase()}${spec.nargs === "+" ? ` [${spec.dest.toUpperCase()} ...]` : ""}`;
    lines.push(`  ${spec.flags.join(", ")}${metavar}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return true;
}
