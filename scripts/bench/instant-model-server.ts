/**
 * A model that costs nothing: answers every POST at once with a fixed V2 answer (the one MLServer
 * gives for an iris row). Run as a child process so that its work does not share the event loop of
 * what it is measured against; prints `{"port": n}` on stdout when listening.
 */
import { createServer } from 'node:http';

export const INSTANT_ANSWER = Buffer.from(
  JSON.stringify({
    model_name: 'iris',
    id: '7d5ed57f-1ef1-49f9-9363-4f22470e11ef',
    parameters: {},
    outputs: [
      { name: 'predict', shape: [1, 1], datatype: 'INT64', parameters: { content_type: 'np' }, data: [0] },
    ],
  }),
);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': INSTANT_ANSWER.length });
    res.end(INSTANT_ANSWER);
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
