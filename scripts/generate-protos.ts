/**
 * Writes `functions/stream-inference/generated/protos.ts`: the protobufjs JSON descriptor of the gRPC
 * messages of every protocol, compiled from `protos/` (the same output as `pbjs -t json --keep-case`,
 * made with protobufjs itself so no extra CLI is needed). The handler loads it with
 * `protobufjs/light`, so a deployment needs no .proto files and no parser at runtime.
 *
 * Run after changing anything under protos/:  npx tsx scripts/generate-protos.ts
 * (test/unit/protocols-grpc/descriptor.test.ts fails while the file is out of date).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTOS_ROOT = fileURLToPath(new URL('../protos/', import.meta.url));
export const GENERATED_FILE = fileURLToPath(
  new URL('../functions/stream-inference/generated/protos.ts', import.meta.url),
);

/** The entry files: everything else (tensor, types, google/protobuf/*) comes in through their imports. */
export const PROTO_FILES = [
  'seldon/protos/prediction.proto',
  'tensorflow_serving/apis/prediction_service.proto',
  'inference/grpc_service.proto',
] as const;

/** Parses the .proto files, keeping their field names (snake_case), into one JSON descriptor. */
export const compileDescriptor = (): protobuf.INamespace => {
  const root = new protobuf.Root();
  // google/protobuf/* come with protobufjs (its bundled well-known types); the rest from protos/.
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : `${PROTOS_ROOT}${target}`;
  root.loadSync([...PROTO_FILES], { keepCase: true });
  root.resolveAll();
  return root.toJSON({ keepComments: false });
};

export const renderDescriptor = (descriptor: protobuf.INamespace): string => {
  const json = JSON.stringify(descriptor, null, 2);
  // Kept as JSON text in a raw template literal: readable diffs, a cheap JSON.parse at load, and no
  // fight with protobufjs's partial INamespace typings. The text must then hold no ` \ or ${.
  if (/[`\\]|\$\{/.test(json)) throw new Error('the descriptor holds a character the template cannot');
  return [
    '// GENERATED FILE: do not edit. Made by `npx tsx scripts/generate-protos.ts` from protos/',
    `// (${PROTO_FILES.join(', ')}`,
    '// and their imports): the protobufjs JSON descriptor, as `pbjs -t json --keep-case` writes it,',
    '// loaded at runtime with protobufjs/light Root.fromJSON.',
    "import type { INamespace } from 'protobufjs/light.js';",
    '',
    `export const descriptor: INamespace = JSON.parse(String.raw\`${json}\`);`,
    '',
  ].join('\n');
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_FILE, renderDescriptor(compileDescriptor()));
  console.log(`wrote ${GENERATED_FILE}`);
}
