import { type BatchCodec, cut, otherFields, SplitError, shapeOf } from './types.js';

const instancesOf = (request: Record<string, unknown>) => request['instances'] as unknown[];

/** TensorFlow Serving row form: `instances` concatenate; `predictions` are cut back per request. */
export const tensorflowBatch: BatchCodec = {
  signature(request) {
    const instances = request['instances'];
    if (!Array.isArray(instances)) return undefined;
    // Named (object) instances could be packed too, but their keys and shapes vary per request.
    if (instances.some((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) return undefined;
    return JSON.stringify([otherFields(request, ['instances']), shapeOf(instances).slice(1)]);
  },
  rows: (request) => instancesOf(request).length,
  merge(requests) {
    return { ...requests[0], instances: requests.flatMap(instancesOf) };
  },
  split(answer, requests) {
    const predictions = answer['predictions'];
    if (!Array.isArray(predictions)) throw new SplitError('the answer has no predictions');
    return cut(predictions, requests.map(this.rows), 'predictions').map((part) => ({
      ...answer,
      predictions: part,
    }));
  },
};
