/** A local HTTP server that collects what is POSTed to it, standing in for an alert webhook. */
import { createServer, type Server } from 'node:http';

export interface Receiver {
  url: string;
  received: Record<string, any>[];
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Record<string, any>[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      try {
        received.push(JSON.parse(body) as Record<string, any>);
      } catch {
        received.push({ unparsable: body });
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, received, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
