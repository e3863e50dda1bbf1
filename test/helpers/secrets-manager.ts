import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

/** The documented GetSecretValue response (see test/unit/stream/fixtures/README.md). */
const documented = JSON.parse(
  readFileSync(new URL('../unit/stream/fixtures/get-secret-value.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

export interface FakeSecretsManager {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER: the SDK sends its GetSecretValue requests here. */
  readonly endpoint: string;
  /** How many GetSecretValue calls were answered. */
  readonly calls: () => number;
  close(): Promise<void>;
}

/**
 * A local endpoint speaking Secrets Manager's AWS JSON 1.1 protocol for one action,
 * GetSecretValue (`X-Amz-Target: secretsmanager.GetSecretValue`): it answers the documented
 * response with `SecretString` replaced by the given one, whatever secret is asked for.
 *
 * @example
 * const sm = await fakeSecretsManager('{"username":"u","password":"p"}');
 * vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
 */
export const fakeSecretsManager = async (secretString: string): Promise<FakeSecretsManager> => {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      calls++;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ ...documented, SecretString: secretString }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
