/**
 * A model that costs nothing: answers every POST with a fixed V2 answer (the one MLServer gives for
 * an iris row), at once or after `MODEL_DELAY_MS` (a model with a fixed latency and no CPU cost, for
 * the scale-out scenario). Run as a child process so that its work does not share the event loop of
 * what it is measured against; prints `{"port": n}` on stdout when listening.
 */
import { createServer } from 'node:http';
import { INSTANT_ANSWER } from './instant-answer.js';

const delayMs = Number(process.env['MODEL_DELAY_MS'] ?? 0);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': INSTANT_ANSWER.length });
      res.end(INSTANT_ANSWER);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
// Gone with its parent, however that ends: stdin is a pipe from it.
process.stdin.on('close', () => process.exit(0)).resume();
