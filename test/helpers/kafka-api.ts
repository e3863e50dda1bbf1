/**
 * A local endpoint speaking Amazon MSK's `GetBootstrapBrokers`
 * (`GET /v1/clusters/{clusterArn}/bootstrap-brokers`), answering with AWS's documented response
 * (`test/fixtures/aws/msk-get-bootstrap-brokers-response.json`, see README-kafka-api.md there).
 * The handler reaches it through `@aws-sdk/client-kafka` with `AWS_ENDPOINT_URL_KAFKA`.
 */
import { createServer, type Server } from 'node:http';
import { awsJson } from './aws-fixtures.js';

export const GET_BOOTSTRAP_BROKERS_RESPONSE = 'msk-get-bootstrap-brokers-response.json';

export interface KafkaApiRequest {
  readonly method: string;
  readonly clusterArn: string;
  /** SigV4 `Authorization` header present, as the SDK sends with credentials. */
  readonly signed: boolean;
}

/** An error answer: an HTTP status and error type from the API reference's Responses table. */
export interface KafkaApiError {
  readonly status: number;
  readonly type: string;
}

export interface FakeKafkaApi {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_KAFKA. */
  readonly endpoint: string;
  readonly requests: KafkaApiRequest[];
  /**
   * Sets the cluster's listeners: field of the documented response → broker string. Fields not
   * named are left out of the answer, as for a cluster without that listener. Throws on a field
   * the documented response does not have.
   */
  setListeners(listeners: Record<string, string>): void;
  /** Answered (in order) before the listeners, one per request. */
  errors: KafkaApiError[];
  close(): Promise<void>;
}

/**
 * @example
 * const api = await startFakeKafkaApi({ bootstrapBrokerString: '127.0.0.1:9092' });
 * vi.stubEnv('AWS_ENDPOINT_URL_KAFKA', api.endpoint);
 */
export const startFakeKafkaApi = async (listeners: Record<string, string> = {}): Promise<FakeKafkaApi> => {
  const documented = awsJson(GET_BOOTSTRAP_BROKERS_RESPONSE) as Record<string, string>;
  let answer: Record<string, string> = {};
  const api: Omit<FakeKafkaApi, 'endpoint' | 'close'> = {
    requests: [],
    errors: [],
    setListeners(next) {
      for (const field of Object.keys(next)) {
        if (!(field in documented)) throw new Error(`'${field}' is not a field of the documented response`);
      }
      answer = { ...next };
    },
  };
  api.setListeners(listeners);
  const server: Server = createServer((req, res) => {
    const match = /^\/v1\/clusters\/([^/]+)\/bootstrap-brokers$/.exec(req.url ?? '');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || match === null) {
      json(
        404,
        { message: `no route ${req.method} ${req.url}` },
        { 'x-amzn-errortype': 'NotFoundException' },
      );
      return;
    }
    api.requests.push({
      method: req.method,
      clusterArn: decodeURIComponent(match[1]!),
      signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
    });
    const error = api.errors.shift();
    if (error !== undefined) {
      json(
        error.status,
        { message: `${error.type} (test)`, invalidParameter: 'clusterArn' },
        { 'x-amzn-errortype': error.type },
      );
      return;
    }
    json(200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(api, {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
};

/** The environment the SDK needs to reach the fake: endpoint, region and test credentials. */
export const kafkaApiEnv = (api: Pick<FakeKafkaApi, 'endpoint'>): Record<string, string> => ({
  AWS_ENDPOINT_URL_KAFKA: api.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
  AWS_SECRET_ACCESS_KEY: 'local-test-secret',
});
