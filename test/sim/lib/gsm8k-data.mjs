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
 * Server side: answer a GSM8K-style prompt, right with probability `profile.gsm8kAccuracy`,
 * without any number with probability 0.002. Returns null for prompts that are not GSM8K.
 * @returns {{ tokens: string[], stopped: boolean } | null}
 */
export function answerGsm8k(prompt, profile, rng) {
  if (!/Question: [^]*\nAnswer:\s*$/.test(prompt)) return null;
  const last = prompt.slice(prompt.lastIndexOf("Question:"));
  const numbers = (last.match(/\d+/g) ?? []).map(Number);
  const truth = numbers.reduce((sum, value) => sum + value, 0);
  const roll = rng.next();
  let final;
  if (roll < 0.002) final = "I am not sure how to solve this.";
  else if (roll < 0.002 + profile.gsm8kAccuracy)
    final = `So the total is ${numbers.join(" + ")} = ${truth}. The answer is ${truth}.`;
  else
    final = `So the total is ${truth + 1 + Math.floor(rng.next() * 9)}. The answer is ${truth + 1 + Math.floor(rng.next() * 9)}.`;
  const reasoning = "Let us add the two amounts step by step to find the total".split(" ");
  const words = [];
  const target = Math.max(8, Math.round(profile.gsm8kTokens * (0.8 + 0.4 * rng.next())));
  const finalWords = final.split(" ");
  while (words.length + finalWords.length < target) words.push(reasoning[words.length % reasoning.length]);
  return { tokens: [...words, ...finalWords].map((word) => ` ${word}`), stopped: true };
}
