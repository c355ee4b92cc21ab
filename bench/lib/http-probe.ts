/**
 * A minimal GET for readiness polling and cold-start timing: a fresh connection each time (no
 * agent, so no pooled socket hides a server that is not listening yet), status code only.
 */
import http from 'node:http';

/** The status code, or 0 when nothing answered. */
export function getStatus(url: string, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', () => resolve(0));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(0));
  });
}

/** GET with a JSON answer, for the setup steps that read pages before a load run. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as T;
}
