import { HandlerTimeoutError } from './errors.js';

/**
 * Runs one handler call with its own abort signal (aborted when the subscription stops, or when the call runs
 * past `timeoutMs`). A call past its time is abandoned: this rejects with {@link HandlerTimeoutError} at once, so
 * the caller counts a failed attempt and frees its slot, whatever the handler still does; its late result is
 * ignored.
 */
export async function withHandlerTimeout(
  subscription: string,
  timeoutMs: number,
  stopped: AbortSignal,
  call: (signal: AbortSignal) => Promise<void> | void,
): Promise<void> {
  const attempt = new AbortController();
  const onStop = () => attempt.abort(stopped.reason);
  stopped.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(subscription, timeoutMs);
      attempt.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const running = Promise.resolve().then(() => call(attempt.signal));
    running.catch(() => {}); // a call abandoned after its timeout may still reject: nobody waits for it
    await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
    stopped.removeEventListener('abort', onStop);
  }
}
