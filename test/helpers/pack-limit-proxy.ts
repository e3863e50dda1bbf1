import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Protocol } from '../../functions/stream-inference/config.js';

/** One request the proxy saw: its rows along the batch dimension and the status it got. */
export interface ProxiedCall {
  readonly rows: number;
  readonly status: number;
}

/** Rows of a REST request of each protocol; 1 when the body is not one (it is forwarded as is). */
const rowsOf = (protocol: Protocol, body: Buffer): number => {
  try {
    const request = JSON.parse(body.toString('utf8')) as {
      inputs?: Array<{ shape?: number[] }>;
      instances?: unknown[];
      data?: { ndarray?: unknown[] };
    };
    const rows =
      protocol === 'v2'
        ? request.inputs?.[0]?.shape?.[0]
        : protocol === 'tensorflow'
          ? request.instances?.length
          : request.data?.ndarray?.length;
    return rows ?? 1;
  } catch {
    return 1;
  }
};

export interface PackLimitProxy {
  /** `http://127.0.0.1:<port>`, to use as MODEL_ENDPOINT. */
  readonly url: string;
  readonly calls: ProxiedCall[];
  close(): Promise<void>;
}

/**
 * A model server that takes packs of at most `limit` rows: an HTTP proxy in front of a real one
 * that answers `413 Payload Too Large` to a larger request (as a gateway with a body limit does)
 * and forwards every other request, byte for byte, with the server's own answer.
 *
 * @example
 * const proxy = await packLimitProxy('http://127.0.0.1:8080', 'v2', 12);
 */
export const packLimitProxy = async (
  target: string,
  protocol: Protocol,
  limit: number,
): Promise<PackLimitProxy> => {
  const upstream = new URL(target);
  const calls: ProxiedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rows = rowsOf(protocol, body);
      if (rows > limit) {
        calls.push({ rows, status: 413 });
        res
          .writeHead(413, { 'content-type': 'text/plain' })
          .end(`${rows} rows: at most ${limit} per request`);
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (answer) => {
          calls.push({ rows, status: answer.statusCode ?? 0 });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
