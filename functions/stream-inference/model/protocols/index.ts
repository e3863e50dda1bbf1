import type { Protocol } from '../../config.js';
import { seldon } from './seldon.js';
import { tensorflow } from './tensorflow.js';
import type { ProtocolCodec } from './types.js';
import { v2 } from './v2.js';

const CODECS: Record<Protocol, ProtocolCodec> = { seldon, tensorflow, v2 };

export const codecFor = (protocol: Protocol): ProtocolCodec => CODECS[protocol];
export type { GrpcSpec, ProtocolCodec } from './types.js';
