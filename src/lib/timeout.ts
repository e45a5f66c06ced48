/**
 * Settles like `p`, or rejects with `timeoutError()` after `ms` (the timer never keeps the
 * process alive). `p` itself is not cancelled: use it for work that may hang for good, such as
 * a sensor read or a library call whose callback was lost.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
