/** Log prefixes as SGLang prints them: `[YYYY-MM-DD HH:MM:SS] ` or `[YYYY-MM-DD HH:MM:SS TP0] `. */
import process from "node:process";
import { setTimeout } from "node:timers";

/** @param {Date} [date] */
export function timestamp(date = new Date()) {
  const pad = (value) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** @param {string | undefined} rank e.g. "TP0" */
export function prefix(rank) {
  return rank ? `[${timestamp()} ${rank}] ` : `[${timestamp()}] `;
}

/** Print one log line (SGLang logs to stderr via logging; uvicorn too). */
export function logLine(message, rank) {
  process.stderr.write(`${prefix(rank)}${message}\n`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
