import { describe, expect, it } from "@jest/globals";
import { REDACTED, redactSecrets } from "../../src/store/redact.js";

describe("redactSecrets", () => {
  it.each([
    [
      "Teams webhook flag",
      "bash perf_nightly.sh --teams-webhook-url=https://prod-12.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sig=AbC123",
      "abc/triggers",
    ],
    [
      "Power Automate URL alone",
      "POST https://prod-12.westus.logic.azure.com:443/workflows/abc/invoke?api-version=1&sig=XyZ987 done",
      "XyZ987",
    ],
    ["Slack webhook", "curl https://hooks.slack.com/services/T000/B000/XXXXXXXX", "T000/B000"],
    [
      "Teams office webhook",
      "url=https://contoso.webhook.office.com/webhookb2/1234@5678/IncomingWebhook/abcd/ef",
      "IncomingWebhook",
    ],
    ["URL with token query", "fetch https://example.com/api?token=s3cr3tvalue&x=1", "s3cr3tvalue"],
    ["URL with key query", "https://example.com/x?key=AIzaSecret", "AIzaSecret"],
    ["ghp token", "token is ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "ghp_ABCDEF"],
    ["ghs token", "x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123 @github.com", "ghs_abcdef"],
    ["gho token", "gho_abcdefghijklmnopqrstuvwxyz0123", "gho_abcdef"],
    ["fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABC"],
    ["token header", "Authorization: token abcdefghij0123", "abcdefghij0123"],
    ["Bearer header", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGci"],
    ["HF_TOKEN env", "docker run -e HF_TOKEN=hf_abcdefghijkl image", "hf_abcdefghijkl"],
    ["APP_SECRET env", "WEBHOOK_SECRET='very secret value'", "very secret"],
    ["private key var", "APP_PRIVATE_KEY=-----BEGIN", "-----BEGIN"],
  ])("%s", (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it("keeps the flag and variable names so the log stays readable", () => {
    expect(redactSecrets("--teams-webhook-url=https://x.logic.azure.com/a?sig=1")).toBe(
      `--teams-webhook-url=${REDACTED}`,
    );
    expect(redactSecrets("HF_TOKEN=abc123 python3")).toBe(`HF_TOKEN=${REDACTED} python3`);
  });

  it("a Hugging Face token by its shape, and secret names with a numeric suffix or AUTH", () => {
    expect(redactSecrets("MY_VAR=hf_abcdefghijk")).toBe(`MY_VAR=${REDACTED}`);
    expect(redactSecrets("HF_TOKEN_2=abc123 HF_AUTH=xyz987")).toBe(`HF_TOKEN_2=${REDACTED} HF_AUTH=${REDACTED}`);
    expect(redactSecrets("TOKENIZER_PATH=/data/tok")).toBe("TOKENIZER_PATH=/data/tok");
  });

  it("leaves ordinary text and URLs alone", () => {
    const text = [
      "Prefill. latency: 0.03258 s, throughput:  31431.59 token/s",
      "pulling https://hub.docker.com/r/rocm/sgl-dev/tags?page=1",
      "SGLANG_USE_AITER=1 SGLANG_INT4_WEIGHT=1 python3 -m sglang.bench_one_batch",
      "max_total_num_tokens=123456, Total input tokens: 1000",
      "Output token throughput (tok/s):          1234.56",
      "token throughput is high, KEYBOARD layout",
      "DEFAULT_TOKENIZER_NAME=Xenova/grok-1-tokenizer",
    ].join("\n");
    expect(redactSecrets(text)).toBe(text);
  });
});
