/**
 * An MCP request as the endpoint needs it: its method, headers, body and peer address (for the
 * audit log's client address, see http/client-address.ts), and the web Request for
 * the SDK's paths. On Node the headers and body are read straight from the IncomingMessage, so
 * the fast lane never builds a web Request or pulls the body through web streams; elsewhere
 * (serverless runtimes) the web Request is used. Either way the body is bounded while it is read.
 */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { tooLarge: true } | { tooLarge: false; text: string };

export interface McpIncoming {
  method: string;
  /** A header by lower-case name. */
  header(name: string): string | undefined;
  /** The socket's peer address; a web Request (serverless) has none. */
  peerAddress: string | undefined;
  readBody(limitBytes: number): Promise<BodyRead>;
  /** The web Request, for the SDK; its body has been read already and is passed as parsed. */
  request(): Request;
}

async function readNodeBody(incoming: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (declared > limitBytes) {
    incoming.resume();
    return { tooLarge: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      incoming.resume();
      return { tooLarge: true };
    }
    chunks.push(chunk);
  }
  return { tooLarge: false, text: Buffer.concat(chunks, size).toString('utf8') };
}

export function fromNode(incoming: IncomingMessage, request: () => Request): McpIncoming {
  return {
    method: incoming.method ?? 'GET',
    header(name) {
      const value = incoming.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    peerAddress: incoming.socket?.remoteAddress,
    readBody: (limitBytes) => readNodeBody(incoming, limitBytes),
    request,
  };
}

async function readWebBody(request: Request, limitBytes: number): Promise<BodyRead> {
  if (Number(request.headers.get('content-length') ?? Number.NaN) > limitBytes || !request.body) {
    return request.body ? { tooLarge: true } : { tooLarge: false, text: '' };
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return { tooLarge: false, text: Buffer.concat(chunks, size).toString('utf8') };
}

export function fromWebRequest(request: Request): McpIncoming {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    peerAddress: undefined,
    readBody: (limitBytes) => readWebBody(request, limitBytes),
    request: () => request,
  };
}
