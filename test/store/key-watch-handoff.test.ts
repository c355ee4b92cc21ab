/**
 * Managed Redis (Redis Cloud, Redis Enterprise, Azure Managed Redis) can move a connection to
 * another endpoint in place: a `MOVING` push, after which node-redis opens a new socket and swaps
 * it in without any connection event. For the near cache's watch that would be silent: the new
 * socket gets node-redis's own plain tracking, not ours in broadcast mode, and the PINGs that
 * confirm the watch would go on succeeding while no change notice ever came again.
 *
 * Open-source redis-server cannot send `MOVING`, so a scripted RESP3 server plays the managed one:
 * it accepts the handshake (maintenance notifications included), answers PING and tracking
 * commands, and sends one `MOVING` push to its own address.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { KeyWatch } from '../../src/store/redis/key-watch.js';
import { until } from '../support/until.js';

interface Connection {
  socket: net.Socket;
  commands: string[][];
}

/** Parses complete RESP arrays of bulk strings off the front of `buffer`. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  while (buffer[at] === '*') {
    const header = buffer.indexOf('\r\n', at);
    if (header < 0) break;
    const count = Number(buffer.slice(at + 1, header));
    let next = header + 2;
    const args: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const lengthEnd = buffer.indexOf('\r\n', next);
      if (lengthEnd < 0) return { commands, rest: buffer.slice(at) };
      const length = Number(buffer.slice(next + 1, lengthEnd));
      if (buffer.length < lengthEnd + 2 + length + 2) return { commands, rest: buffer.slice(at) };
      args.push(buffer.slice(lengthEnd + 2, lengthEnd + 2 + length));
      next = lengthEnd + 2 + length + 2;
    }
    commands.push(args);
    at = next;
  }
  return { commands, rest: buffer.slice(at) };
}

let server: net.Server | undefined;
let watch: KeyWatch | undefined;
afterEach(async () => {
  await watch?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

it('does not let a MOVING handoff swap in a connection that hears no changes', async () => {
  const connections: Connection[] = [];
  server = net.createServer((socket) => {
    const connection: Connection = { socket, commands: [] };
    connections.push(connection);
    let buffer = '';
    socket.on('data', (chunk) => {
      const parsed = parseCommands(buffer + chunk.toString());
      buffer = parsed.rest;
      for (const command of parsed.commands) {
        connection.commands.push(command);
        const name = (command[0] ?? '').toUpperCase();
        if (name === 'HELLO') socket.write('%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n');
        else if (name === 'PING') socket.write('+PONG\r\n');
        else socket.write('+OK\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let live = false;
  watch = new KeyWatch(
    { url: `redis://127.0.0.1:${port}`, prefixes: ['{t}:data:'], connectTimeoutMs: 1_000, reconnectStrategy: () => 100, pingIntervalMs: 50 },
    { changed: () => undefined, live: (isLive) => (live = isLive), confirmed: () => undefined },
  );
  watch.start();
  expect(await watch.firstOutcome).toBe(true);
  const first = connections[0] as Connection;
  const isBroadcast = (command: string[]) => command.slice(0, 4).join(' ').toUpperCase() === 'CLIENT TRACKING ON BCAST';
  expect(first.commands.some(isBroadcast)).toBe(true);

  // The managed server announces that this connection moves to (here) the same address.
  const pingsBefore = connections.map((connection) => connection.commands.filter((command) => command[0] === 'PING').length);
  first.socket.write(`>4\r\n+MOVING\r\n:1\r\n:1\r\n+127.0.0.1:${port}\r\n`);
  await until(() => connections.some((connection, index) => connection.commands.filter((command) => command[0] === 'PING').length > (pingsBefore[index] ?? 0) + 5), 'the watch to go on confirming');

  // Whatever connection the watch now confirms on must be one that tracks in broadcast mode,
  // or the watch must have stopped calling itself live.
  for (const [index, connection] of connections.entries()) {
    const newPings = connection.commands.filter((command) => command[0] === 'PING').length - (pingsBefore[index] ?? 0);
    if (newPings > 0 && live) expect(connection.commands.some(isBroadcast), `connection ${index + 1}: ${JSON.stringify(connection.commands.map((command) => command.join(' ')))}`).toBe(true);
  }
});
