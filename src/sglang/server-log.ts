/** Incremental scanner for `launch_server` logs: KV-cache size, max_total_num_tokens, ready line, fatal errors. */
import { LAUNCH_SETTINGS, type Diagnostic, type KvCache } from "../core/results/index.js";

export interface ServerLogScan {
  kv_cache?: KvCache;
  ready: boolean;
  /** The first fatal error: its exception line when a traceback ends in one (OOM, RuntimeError …). */
  fatal?: { line: number; text: string; oom: boolean };
  /** What the `server_args=ServerArgs(…)` line says about the model and serving variant, when printed. */
  server_args?: ServerArgsFacts;
  diagnostics: Diagnostic[];
}

/** The model and serving switches of a launch, from its `ServerArgs(…)` line. */
export interface ServerArgsFacts {
  model_path?: string;
  served_model_name?: string;
  enable_dp_attention?: boolean;
  enable_torch_compile?: boolean;
  /** The numeric launch settings that size memory and batching (LAUNCH_SETTINGS), as printed. */
  settings?: Record<string, number>;
}

/** `model_path='/data/grok-2', …, enable_dp_attention=True, …` → the facts above; undefined when none is there. */
export function parseServerArgs(line: string): ServerArgsFacts | undefined {
  const text = (key: string) => new RegExp(`\\b${key}=['"]([^'"]+)['"]`).exec(line)?.[1];
  const flag = (key: string) => {
    const v = new RegExp(`\\b${key}=(True|False)\\b`).exec(line)?.[1];
    return v === undefined ? undefined : v === "True";
  };
  const facts: ServerArgsFacts = {};
  const path = text("model_path");
  const served = text("served_model_name");
  const dp = flag("enable_dp_attention");
  const compile = flag("enable_torch_compile");
  if (path) facts.model_path = path;
  if (served) facts.served_model_name = served;
  if (dp !== undefined) facts.enable_dp_attention = dp;
  if (compile !== undefined) facts.enable_torch_compile = compile;
  const settings: Record<string, number> = {};
  for (const key of LAUNCH_SETTINGS) {
    const v = new RegExp(`\\b${key}=([\\d.]+)\\b`).exec(line)?.[1];
    if (v !== undefined && Number.isFinite(Number(v))) settings[key] = Number(v);
  }
  if (Object.keys(settings).length > 0) facts.settings = settings;
  return Object.keys(facts).length > 0 ? facts : undefined;
}

const KV_MHA = /#tokens:\s*(\d+),\s*K size:\s*([\d.]+)\s*GB,\s*V size:\s*([\d.]+)\s*GB/;
const KV_MLA = /#tokens:\s*(\d+),\s*KV size:\s*([\d.]+)\s*GB/;
const MAX_TOTAL = /max_total_num_tokens=(\d+)/;
const FATAL = /Traceback \(most recent call last\)|OutOfMemoryError|out of memory|RuntimeError:|Fatal Python error/i;

/** Feed lines one at a time so a 1 GB log never sits in memory; `done()` returns the result. */
export function createServerLogScanner(file = "<input>") {
  const out: ServerLogScan = { ready: false, diagnostics: [] };
  let lineNo = 0;
  // After "Traceback (most recent call last):", the cause is the exception line that ends it.
  let awaitingException = false;
  return {
    push(line: string): void {
      lineNo++;
      // The ServerArgs line runs to ~9 kB: read before the length cut below.
      if (!out.server_args && line.includes("ServerArgs(")) {
        const facts = parseServerArgs(line);
        if (facts) out.server_args = facts;
      }
      if (line.length > 4000) return; // tqdm redraws: never a result line
      if (!out.kv_cache?.num_tokens) {
        const mha = KV_MHA.exec(line);
        if (mha) {
          const k = Number(mha[2]);
          const v = Number(mha[3]);
          out.kv_cache = {
            ...out.kv_cache,
            num_tokens: Number(mha[1]),
            k_size_gb: k,
            v_size_gb: v,
            size_gb: Math.round((k + v) * 100) / 100,
            source: file,
          };
        } else {
          const mla = KV_MLA.exec(line);
          if (mla)
            out.kv_cache = { ...out.kv_cache, num_tokens: Number(mla[1]), size_gb: Number(mla[2]), source: file };
        }
      }
      const max = MAX_TOTAL.exec(line);
      if (max && out.kv_cache?.max_total_num_tokens === undefined)
        out.kv_cache = { ...out.kv_cache, max_total_num_tokens: Number(max[1]), source: file };
      if (line.includes("The server is fired up and ready to roll")) out.ready = true;
      if (!out.fatal && FATAL.test(line)) {
        out.fatal = { line: lineNo, text: line.trim().slice(0, 300), oom: /out of memory|OutOfMemory/i.test(line) };
        awaitingException = /Traceback \(most recent call last\)/.test(line);
      } else if (awaitingException) {
        const text = line.trim().replace(LOG_PREFIX, "").trim();
        if (text && !/^File "/.test(text) && EXCEPTION_LINE.test(text)) {
          out.fatal = { line: lineNo, text: text.slice(0, 300), oom: /out of memory|OutOfMemory/i.test(text) };
          awaitingException = false;
        }
      }
    },
    done(): ServerLogScan {
      return out;
    },
  };
}

/** Convenience for whole texts (tests, small logs). */
export function parseServerLog(text: string, file = "<input>"): ServerLogScan {
  const s = createServerLogScanner(file);
  for (const line of text.split(/\r\n|\r|\n/)) s.push(line);
  return s.done();
}

/**
 * Lines that name why a process died: a Python exception line (`RuntimeError: HIP error: …`,
 * `torch.OutOfMemoryError: …`, `OSError: [Errno 98] Address already in use`,
 * `http.client.RemoteDisconnected: …`), a HIP/CUDA error or an out-of-memory message.
 */
const EXCEPTION_LINE =
  /^(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Interrupt|Disconnected)(?::|$)|HIP error|CUDA error|out of memory|Address already in use|Not enough memory|Fatal Python error|Segmentation fault|core dumped/i;
/** Log prefixes before the message (`[2025-11-26 09:35:04 TP0] `, `ERROR:    `). */
const LOG_PREFIX = /^(?:\[[^\]]*\]\s*)+|^(?:ERROR|CRITICAL|WARNING|INFO):\s+/;

/**
 * Exception lines that say a client lost its server: refused, reset or dropped connections
 * (`http.client.RemoteDisconnected`, `ConnectionRefusedError`, `requests.exceptions.ConnectionError`).
 */
export const CONNECTION_LOST =
  /RemoteDisconnected|Connection refused|ConnectionRefused|ConnectionReset|Connection reset|ConnectionError|Connection aborted|closed connection/i;

/**
 * The last line of a log that names an exception or a fatal error, without its log prefix
 * (trimmed to 300 characters); undefined when none does. Python prints the exception last, so
 * the last such line is the cause, not the first frame of the traceback. With `prefer`, the last
 * exception line matching it wins when there is one (a lost connection rather than the `KeyError`
 * it led to).
 */
export function lastExceptionLine(lines: readonly string[], prefer?: RegExp): string | undefined {
  let last: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const text = (lines[i] ?? "").trim().replace(LOG_PREFIX, "").trim();
    if (text.length === 0 || text.length > 4000) continue;
    if (/^Traceback \(most recent call last\)/.test(text) || /^File "/.test(text)) continue;
    if (!EXCEPTION_LINE.test(text)) continue;
    if (!prefer || prefer.test(text)) return text.slice(0, 300);
    last ??= text.slice(0, 300);
  }
  return last;
}

/** `"POST /generate HTTP/1.1" 500` access-log lines: requests the server answered with a 5xx error. */
const SERVER_ERROR_ACCESS = /"(?:POST|GET) [^"]*" 5\d\d\b/;

/** How many requests a chunk of server log shows answered with a 5xx status. */
export function countServerErrors(lines: readonly string[]): number {
  return lines.reduce((n, line) => n + (SERVER_ERROR_ACCESS.test(line) ? 1 : 0), 0);
}
