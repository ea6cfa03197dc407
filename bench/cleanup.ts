/**
 * Everything the benchmark creates (scratch databases, key directories, tokens) registers how to remove
 * it here, so that it goes away on a normal end, on an error, and on Ctrl-C.
 */
const cleanups = new Set<() => Promise<void>>();

/** Registers a cleanup; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(fn: () => Promise<void> | void): () => Promise<void> {
  let ran = false;
  const run = async () => {
    cleanups.delete(run);
    if (ran) return;
    ran = true;
    await fn();
  };
  cleanups.add(run);
  return run;
}

/** Runs every cleanup still registered, newest first; failures are reported, not thrown. */
export async function cleanUpEverything(): Promise<void> {
  for (const run of [...cleanups].reverse()) {
    await run().catch((error: unknown) => console.error(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${signal}: cleaning up (again to force quit)\n`);
    void cleanUpEverything().finally(() => process.exit(130));
  });
}
