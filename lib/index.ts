export * from './authentication.js';
export * from './errors.js';
export * from './kafka-inference-stream.js';
export * from './monitoring.js';
export * from './msk-inference-stack.js';
export * from './on-failure.js';
export * from './props.js';
export * from './seldon-manifest.js';
