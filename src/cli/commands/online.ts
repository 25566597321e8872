import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("online", "Run an online suite (launch_server + GSM8K + bench_serving)");
