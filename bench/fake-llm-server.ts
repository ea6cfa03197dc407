/** The tests' fake provider as a process of its own (for bench/shroud.ts): prints its URL, runs until killed. */
import { startFakeLlm } from "../test/support/fake-llm.js";

const fake = await startFakeLlm();
// Benchmarks answer a fixed text: echoing would make the answer grow with the prompt and skew sizes.
fake.reply = () => "A short answer of about the size a model gives to a short question, twenty words or so, no more.";
// Nothing is kept per request: a long benchmark must not grow the process.
fake.received.push = () => 0;
process.stdout.write(`${fake.url}\n`);
process.once("SIGTERM", () => void fake.close().then(() => process.exit(0)));
