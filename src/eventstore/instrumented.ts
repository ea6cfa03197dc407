/** Wraps a store so every append is timed into the metrics; everything else passes through. */
import type { EventStore } from "./port.js";

export function instrumentAppends(store: EventStore, observe: (seconds: number) => void): EventStore {
  return {
    engine: store.engine,
    async append(stream, events, expected) {
      const started = process.hrtime.bigint();
      try {
        return await store.append(stream, events, expected);
      } finally {
        observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    async appendFacts(appends) {
      const started = process.hrtime.bigint();
      try {
        return await store.appendFacts(appends);
      } finally {
        observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    readStream: (stream, from) => store.readStream(stream, from),
    readAll: (options) => store.readAll(options),
    headPosition: () => store.headPosition(),
    subscribeToAll: (options) => store.subscribeToAll(options),
    close: () => store.close(),
  };
}
