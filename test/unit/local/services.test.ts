/** `npm start` starts the local services only when something does not answer, and says so. */

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServices } from '../../../scripts/local/services.js';

let server: Server;
let open: string;
let closed: string;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: listen, note it, close.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closed = `127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('ensureServices', () => {
  it('does nothing when everything answers', async () => {
    const said: string[] = [];
    let started = 0;

    const result = await ensureServices(
      [{ name: 'Kafka', address: open }],
      (l) => said.push(l),
      async () => {
        started++;
      },
    );

    expect(result).toBe(false);
    expect(started).toBe(0);
    expect(said).toEqual([]);
  });

  it('starts the services, telling the user why and how long the first run takes', async () => {
    const said: string[] = [];
    let started = 0;

    const result = await ensureServices(
      [{ name: 'MLServer rest', address: `http://${closed}` }],
      (l) => said.push(l),
      async () => {
        started++;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server = createServer((socket) => socket.end());
        const [host, port] = closed.split(':');
        await new Promise<void>((resolve) => server.listen(Number(port), host, resolve));
      },
    );

    expect(result).toBe(true);
    expect(started).toBe(1);
    expect(said.join('\n')).toMatch(/MLServer rest .* not answering: starting the local services/);
    expect(said.join('\n')).toMatch(/first run downloads .* several minutes/);
    expect(said.at(-1)).toMatch(/Local services up in \d+\.\d s/);
  });

  it('names what still does not answer after starting', async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise((resolve) => gone.close(resolve));

    await expect(
      ensureServices(
        [{ name: 'Kafka', address }],
        () => undefined,
        async () => undefined,
      ),
    ).rejects.toThrow(/Kafka \(127\.0\.0\.1:\d+\) still not answering.*services\.sh status/);
  });
});
