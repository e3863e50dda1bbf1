/**
 * Where a phase's milliseconds go, read from a `node --cpu-prof` profile of a bundle: each sample is
 * charged to the package of the innermost bundled frame on its stack (a Node.js call made by kafkajs
 * counts as kafkajs), found through the bundle's source map; samples with no bundled frame keep V8's
 * own names (compiling, the garbage collector, idle while waiting on the network).
 *
 * @see https://nodejs.org/api/cli.html#--cpu-prof
 * @see https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

/** The Chrome DevTools Protocol's `Profiler.Profile`, as `--cpu-prof` writes it. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds on the monotonic clock `process.hrtime` reads. */
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A stretch of the profile, in microseconds on `process.hrtime`'s clock. */
export interface Phase {
  readonly name: string;
  readonly fromUs: number;
  readonly toUs: number;
}

export interface PhaseCost {
  readonly name: string;
  readonly ms: number;
  /** Milliseconds per package or V8 category, the largest first. */
  readonly by: ReadonlyArray<readonly [string, number]>;
}

const V8_CATEGORIES: Readonly<Record<string, string>> = {
  '(program)': 'V8 (parse, compile, runtime)',
  '(garbage collector)': 'garbage collector',
  '(idle)': 'idle (waiting on the network)',
};

/** `@smithy/core` for `…/node_modules/@smithy/core/dist/x.js`; our own sources by their folder. */
export const packageOf = (source: string): string => {
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return source.includes('functions/') ? 'msk-inference (functions/)' : source;
  const [scope, name] = source.slice(at + 'node_modules/'.length).split('/');
  return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
};

/**
 * Milliseconds of each phase, split by package.
 *
 * @example
 * summarizeProfile(profile, '/tmp/b/index.mjs', [{ name: 'import', fromUs, toUs }]);
 */
export const summarizeProfile = (
  profile: CpuProfile,
  bundleFile: string,
  phases: readonly Phase[],
): PhaseCost[] => {
  const bundleUrl = pathToFileURL(bundleFile).href;
  const map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    let owner: string;
    if (url === bundleUrl) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string };
      owner =
        entry.originalSource === undefined
          ? 'bundle code without a source position'
          : packageOf(entry.originalSource);
    } else {
      const up = parent.get(id);
      const inherited = up === undefined ? undefined : ownerOf(up);
      owner =
        inherited !== undefined && inherited !== '(root)'
          ? inherited
          : (V8_CATEGORIES[functionName] ?? (url.startsWith('node:') ? 'Node.js' : '(root)'));
    }
    owners.set(id, owner);
    return owner;
  };

  const costs = phases.map(() => new Map<string, number>());
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i]!;
    const phase = phases.findIndex((p) => at >= p.fromUs && at < p.toUs);
    if (phase < 0) return;
    const owner = ownerOf(id);
    const cost = costs[phase]!;
    // A sample stands for the time until the next one.
    cost.set(owner, (cost.get(owner) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  });
  return phases.map((p, i) => {
    const by = [...costs[i]!].sort((a, b) => b[1] - a[1]);
    return { name: p.name, ms: by.reduce((sum, [, ms]) => sum + ms, 0), by };
  });
};

/** `import 120 ms: kafkajs 40, V8 (parse, compile, runtime) 30, …` with the `top` largest. */
export const describePhase = (cost: PhaseCost, top = 6): string =>
  `${cost.name} ${cost.ms.toFixed(0)} ms: ${cost.by
    .slice(0, top)
    .map(([owner, ms]) => `${owner} ${ms.toFixed(0)}`)
    .join(', ')}`;
