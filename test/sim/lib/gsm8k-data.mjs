/**
 * Synthetic GSM8K: questions with a known integer answer, and the server side that answers them
 * with the image's accuracy (SGLSIM_GSM8K_ACCURACY, read by launch_server).
 */

const ITEMS = ["apples", "pencils", "stickers", "marbles", "books", "cookies"];

/** The i-th synthetic question and its label. */
export function makeQuestion(index) {
  const a = 3 + ((index * 37) % 91);
  const b = 2 + ((index * 53) % 77);
  const item = ITEMS[index % ITEMS.length];
  return {
    question: `A shop sold ${a} ${item} in the morning and ${b} ${item} in the afternoon. How many ${item} did it sell in total?`,
    label: a + b,
  };
}

/** Few-shot prompt like bench_sglang.py: k solved examples, then the question and "Answer:". */
export function fewShotPrompt(index, shots) {
  const examples = [];
  for (let k = 0; k < shots; k++) {
    const example = makeQuestion(10_000 + k);
    examples.push(
      `Question: ${example.question}\nAnswer: They sold ${example.label} in total. The answer is ${example.label}.\n\n`,
    );
  }
  return `${examples.join("")}Question: ${makeQuestion(index).question}\nAnswer:`;
}

/** bench_sglang.py's get_answer_value: the last number in the text, or INVALID. */
export const INVALID = -9999999;
export function answerValue(text) {
  const numbers = String(text).replace(/,/g, "").match(/\d+/g);
  return numbers && numbers.length > 0 ? Number(numbers[numbers.length - 1]) : INVALID;
}

/**
 * Evenly spaced outcomes: the k-th of a sequence is a "hit" when ⌊(k+1)·rate + ½⌋ > ⌊k·rate + ½⌋,
 * so any first n items hold round(n·rate) hits. Real GSM8K at temperature 0 answers the same
 * questions the same way each run; this keeps small runs (20 questions) at the image's accuracy.
 */
export function spacedHit(k, rate) {
  const r = Math.min(1, Math.max(0, rate));
  return Math.floor((k + 1) * r + 0.5) > Math.floor(k * r + 0.5);
}

/** Share of wrong answers that contain no number at all (real logs: Invalid ≈ 0.000-0.002). */
export const INVALID_RATE = 0.002;

/**
 * A GSM8K run's outcome sequence: counters shared by the server (real requests) and the client
 * (extrapolated questions). `accuracy` is this run's accuracy (image accuracy + run noise).
 */
export function createGsm8kTally(accuracy) {
  return { accuracy, answered: 0, wrong: 0 };
}

/** Next outcome of the tally: "correct", "wrong" or "invalid". */
export function nextOutcome(tally) {
  const k = tally.answered++;
  if (spacedHit(k, tally.accuracy)) return "correct";
  const j = tally.wrong++;
  return spacedHit(j, INVALID_RATE / Math.max(1e-9, 1 - tally.accuracy)) ? "invalid" : "wrong";
}

/**
 * Server side: answer a GSM8K-style prompt with the next outcome of the run's tally.
 * Returns null for prompts that are not GSM8K.
 * @returns {{ tokens: string[], stopped: boolean } | null}
 */
export function answerGsm8k(prompt, profile, rng, tally) {
  if (!/Question: [^]*\nAnswer:\s*$/.test(prompt)) return null;
  const last = prompt.slice(prompt.lastIndexOf("Question:"));
  const numbers = (last.match(/\d+/g) ?? []).map(Number);
  const truth = numbers.reduce((sum, value) => sum + value, 0);
  const outcome = nextOutcome(tally);
  let final;
  if (outcome === "invalid") final = "I am not sure how to solve this.";
  else if (outcome === "correct") final = `So the total is ${numbers.join(" + ")} = ${truth}. The answer is ${truth}.`;
  else
    final = `So the total is ${truth + 1 + Math.floor(rng.next() * 9)}. The answer is ${truth + 1 + Math.floor(rng.next() * 9)}.`;
  const reasoning = "Let us add the two amounts step by step to find the total".split(" ");
  const words = [];
  const target = Math.max(8, Math.round(profile.gsm8kTokens * (0.8 + 0.4 * rng.next())));
  const finalWords = final.split(" ");
  while (words.length + finalWords.length < target) words.push(reasoning[words.length % reasoning.length]);
  return { tokens: [...words, ...finalWords].map((word) => ` ${word}`), stopped: true };
}
