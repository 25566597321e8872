/** Incremental scanner for `launch_server` logs: KV-cache size, max_total_num_tokens, ready line, fatal errors. */
import type { Diagnostic, KvCache } from "../core/results/index.js";

export interface ServerLogScan {
  kv_cache?: KvCache;
  ready: boolean;
  /** First fatal error line seen (OOM, Traceback, RuntimeError …). */
  fatal?: { line: number; text: string; oom: boolean };
  diagnostics: Diagnostic[];
}

const KV_MHA = /#tokens:\s*(\d+),\s*K size:\s*([\d.]+)\s*GB,\s*V size:\s*([\d.]+)\s*GB/;
const KV_MLA = /#tokens:\s*(\d+),\s*KV size:\s*([\d.]+)\s*GB/;
const MAX_TOTAL = /max_total_num_tokens=(\d+)/;
const FATAL = /Traceback \(most recent call last\)|OutOfMemoryError|out of memory|RuntimeError:|Fatal Python error/i;

/** Feed lines one at a time so a 1 GB log never sits in memory; `done()` returns the result. */
export function createServerLogScanner(file = "<input>") {
  const out: ServerLogScan = { ready: false, diagnostics: [] };
  let lineNo = 0;
  return {
    push(line: string): void {
      lineNo++;
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
      if (!out.fatal && FATAL.test(line))
        out.fatal = { line: lineNo, text: line.trim().slice(0, 300), oom: /out of memory|OutOfMemory/i.test(line) };
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
