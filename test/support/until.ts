/** Polls `fn` until it returns something truthy, or fails after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
