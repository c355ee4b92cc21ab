/**
 * An error as an operator at a terminal needs it: its message, then those of its causes. Our
 * errors keep a driver's text out of their message, since HTTP clients see it, and in `cause`;
 * on the command line that text is the answer ("WRONGPASS", "ECONNREFUSED"). Never used for a
 * response.
 */
export function withCauses(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const message = current instanceof Error ? current.message : String(current);
    // A wrapper that already quotes its cause's text (or a cause repeating it) adds nothing.
    if (message !== '' && !parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
