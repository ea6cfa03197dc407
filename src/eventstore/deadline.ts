import { EventStoreUnavailable } from "./port.js";

/**
 * Settles like `work`, or rejects with EventStoreUnavailable after `ms`: a client can wait forever on a
 * server that accepts the connection and never answers. `onTimeout` may cancel the abandoned work.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  work: Promise<T>,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new EventStoreUnavailable(`${what}: no answer within ${ms} ms`));
    }, ms);
  });
  // The abandoned call may still fail later; that failure is already answered by the deadline.
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
