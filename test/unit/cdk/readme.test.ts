import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

// lib/README.md promises "small compiling examples": type-check each ```ts block against lib/.
describe('lib/README.md', () => {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'msk-inference-readme');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has TypeScript examples that compile', () => {
    // GIVEN the README's code blocks, each written out as a module importing lib/ by absolute path
    const readme = readFileSync(join(REPO_ROOT, 'lib', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    mkdirSync(dir, { recursive: true });
    const files = blocks.map((code, i) => {
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, code.replaceAll("'../lib/index.js'", `'${join(REPO_ROOT, 'lib', 'index.js')}'`));
      return file;
    });
    // WHEN type-checked with the project's compiler options
    const config = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
    const program = ts.createProgram(files, { ...options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || files.includes(d.file.fileName))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // THEN
    expect(diagnostics).toEqual([]);
  }, 120_000);
});
