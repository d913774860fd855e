/**
 * Ctrl-C and SIGTERM at several moments of a real run: every process and server the run started stops, its temp
 * dirs go, no port it opened stays open, and only complete run points are kept, in a file marked partial.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { ResultFile } from '../harness/results/types.ts';
import { writeResult } from '../harness/results/write.ts';
import { fixtureResult, fixtureRun } from './fixtures/results.ts';
import { startCli, waitForOutput } from './helpers/cli.ts';
import { hopbenchTempDirs, pidsMentioning, rolePids } from './helpers/system.ts';

const out = mkdtempSync(join(tmpdir(), 'hopbench-test-interrupt-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const HARNESS = fileURLToPath(new URL('../harness/', import.meta.url));

function listeningPorts(): Set<string> {
  return new Set(execFileSync('ss', ['-H', '-ltn'], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/)[3] ?? '').filter(Boolean));
}

type Moment = Parameters<typeof waitForOutput>[1];

const cases: Array<{ name: string; args: string[]; when: Moment; signals: NodeJS.Signals[]; code: number; keptRuns?: number }> = [
  {
    name: 'Ctrl-C while the services start',
    args: ['bench', 'process', '--transports', 'rabbitmq,pg'],
    when: () => pidsMentioning('hopbench-rabbitmq-').length > 0,
    signals: ['SIGINT'],
    code: 130,
  },
  {
    name: 'SIGTERM in the middle of a sample (consumers, sender and a fault in flight)',
    args: ['bench', 'faults', '--transports', 'pg', '--fault', 'worker-kill', '--rate', '100', '--duration', '20', '--fault-at', '1', '--repeat', '1'],
    when: () => rolePids('consumer').length > 0 && rolePids('producer').length > 0,
    signals: ['SIGTERM'],
    code: 143,
  },
  {
    name: 'Ctrl-C after a point completed: that point is kept in a file marked partial',
    args: ['bench', 'process', '--transports', 'bullmq,pg', '--workers', '1', '--messages', '2000', '--warmup', '100', '--repeat', '1', '--timeout', '20'],
    when: (output) => /\[1\/2\]/.test(output.stderr),
    signals: ['SIGINT'],
    code: 130,
    keptRuns: 1,
  },
  {
    name: 'a second Ctrl-C forces the exit and still cleans up',
    args: ['bench', 'process', '--transports', 'pg', '--workers', '2', '--messages', '200000', '--repeat', '1'],
    when: () => rolePids('consumer').length > 0,
    signals: ['SIGINT', 'SIGINT'],
    code: 130,
  },
];

describe('interrupts leave nothing behind', () => {
  for (const { name, args, when, signals, code, keptRuns } of cases) {
    it(name, async () => {
      const dir = mkdtempSync(join(out, 'run-'));
      const [dirsBefore, portsBefore] = [new Set(hopbenchTempDirs()), listeningPorts()];
      const run = startCli([...args, '--out', dir, '--services', 'native'], { CI: 'true' });
      await waitForOutput(run, when, 120_000);
      const portsDuring = [...listeningPorts()].filter((port) => !portsBefore.has(port));
      assert.ok(portsDuring.length > 0, 'the run had opened ports');
      for (const signal of signals) {
        run.child.kill(signal);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const result = await run.done;
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, /stopping everything this run started/);
      assert.deepEqual(pidsMentioning(HARNESS), [], 'no harness process left');
      assert.deepEqual(pidsMentioning('hopbench-'), [], 'no server left');
      assert.deepEqual(hopbenchTempDirs().filter((entry) => !dirsBefore.has(entry)), [], 'temp dirs removed');
      const stillOpen = portsDuring.filter((port) => listeningPorts().has(port));
      assert.deepEqual(stillOpen, [], 'every port the run opened is closed');
      const files = readdirSync(dir);
      assert.ok(files.every((file) => !file.startsWith('.')), `no temp file left: ${files.join(', ')}`);
      if (keptRuns === undefined) {
        assert.deepEqual(files, [], 'nothing written when no point completed');
        return;
      }
      assert.equal(files.length, 1, files.join(', '));
      const partial = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as ResultFile;
      assert.equal(partial.complete, false);
      assert.equal(partial.runs.length, keptRuns);
      assert.equal(partial.runs[0]!.counts.lost, 0);
    });
  }
});

describe('result files', () => {
  it('never replace an earlier result, and leave no temp file', () => {
    const dir = mkdtempSync(join(out, 'write-'));
    const first = fixtureResult('process', [fixtureRun({ transport: 'pg', workers: 1 })]);
    const second = { ...first, runs: [fixtureRun({ transport: 'bullmq', workers: 2 })] };
    const [a, b] = [writeResult(dir, first), writeResult(dir, second)];
    assert.notEqual(a, b, 'a second result with the same start time gets its own name');
    assert.equal((JSON.parse(readFileSync(a, 'utf8')) as ResultFile).runs[0]!.transport, 'pg', 'the first file is untouched');
    assert.equal((JSON.parse(readFileSync(b, 'utf8')) as ResultFile).runs[0]!.transport, 'bullmq');
    assert.deepEqual(readdirSync(dir).sort(), [a, b].map((path) => path.slice(dir.length + 1)).sort());
  });
});
