/**
 * Microsoft Teams incoming-webhook payload (Workflows / Power Automate "post to a channel when a
 * webhook request is received", and the classic Office 365 connector): a message with one Adaptive
 * Card attachment.
 */
import type { Message } from "./message.js";

export function teamsPayload(m: Message): object {
  const body: object[] = [
    {
      type: "TextBlock",
      size: "Large",
      weight: "Bolder",
      wrap: true,
      text: m.title,
      color: m.status === "ok" ? "Good" : "Attention",
    },
    { type: "TextBlock", wrap: true, isSubtle: true, text: m.summary },
  ];
  for (const s of m.sections) {
    body.push({ type: "TextBlock", weight: "Bolder", wrap: true, spacing: "Medium", text: s.title });
    body.push({ type: "TextBlock", wrap: true, text: s.lines.map((l) => `- ${l}`).join("\n") });
  }
  if (m.image) body.push({ type: "Image", url: m.image, altText: "Trend chart", size: "Stretch" });
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body,
          actions: m.links.map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url })),
        },
      },
    ],
  };
}
