/** Slack incoming-webhook payload: Block Kit blocks, with `text` as the notification fallback. */
import type { Message } from "./message.js";

/** Slack mrkdwn treats &, < and > as control characters. */
const escape = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackPayload(m: Message): object {
  const blocks: object[] = [
    {
      type: "header",
      text: { type: "plain_text", text: `${m.status === "ok" ? "✅" : "🔴"} ${m.title}`.slice(0, 150) },
    },
    { type: "context", elements: [{ type: "mrkdwn", text: escape(m.summary) }] },
  ];
  for (const s of m.sections) {
    const text = `*${escape(s.title)}*\n${s.lines.map((l) => `• ${escape(l)}`).join("\n")}`;
    blocks.push({ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } });
  }
  if (m.image) blocks.push({ type: "image", image_url: m.image, alt_text: "Trend chart" });
  if (m.links.length > 0) {
    blocks.push({
      type: "actions",
      elements: m.links.map((l) => ({ type: "button", text: { type: "plain_text", text: l.title }, url: l.url })),
    });
  }
  return { text: `${m.title} — ${m.summary}`, blocks };
}
