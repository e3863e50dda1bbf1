import type { Protocol } from '../../config.js';
import { seldon } from './seldon.js';
import { tensorflow } from './tensorflow.js';
import type { ProtocolSpec } from './types.js';
import { v2 } from './v2.js';

const PROTOCOL_SPECS: Record<Protocol, ProtocolSpec> = { seldon, tensorflow, v2 };

export const protocolSpec = (protocol: Protocol): ProtocolSpec => PROTOCOL_SPECS[protocol];
export type { GrpcSpec, ProtocolSpec } from './types.js';
