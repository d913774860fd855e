/**
 * `ab`: base and head interleaved on one host. Each test runs the real command in a temporary git repository made
 * from this checkout, whose commits differ on purpose (a measured path made slower, a profile only one side knows).
 * The in-memory `fixture` transport keeps the runs short and free of services; nothing asserts a speed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { CliResult } from './helpers/cli.ts';
import { hopbenchTempDirs, pidsMentioning } from './helpers/system.ts';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const repo = mkdtempSync(join(tmpdir(), 'hopbench-test-ab-'));
const out = join(repo, 'results');
/** Short samples through the in-memory transport: a second or two per side per round. */
const FIXTURE_RUN = ['process', '--transports', 'fixture', '--workers', '1', '--messages', '300000', '--warmup', '20000'];

const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();

function commitChange(branch: string, file: string, from: string, to: string): void {
  git('checkout', '-q', '-b', branch);
  const path = join(repo, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} no longer contains the text this test changes`);
  writeFileSync(path, text.replace(from, to));
  git('commit', '-q', '-am', branch);
  git('checkout', '-q', 'main');
}

beforeAll(() => {
  // This checkout as it is (uncommitted changes included), as the first commit of a repository of the test's own.
  const files = execFileSync('git', ['-C', PROJECT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      cpSync(join(PROJECT, file), join(repo, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted, not yet committed
    }
  }
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=hopbench test', '-c', 'user.email=test@hopbench.invalid', 'add', '-A');
  git('-c', 'user.name=hopbench test', '-c', 'user.email=test@hopbench.invalid', 'commit', '-q', '-m', 'base');
  symlinkSync(join(PROJECT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  git('config', 'user.name', 'hopbench test');
  git('config', 'user.email', 'test@hopbench.invalid');
  // The measured path made slower: every noop job busy-waits 5 µs.
  commitChange('slow', 'harness/roles/job.ts', "case 'noop':\n      return { run: () => resolved, close: async () => {} };", "case 'noop':\n      return createJob({ kind: 'cpu', micros: 5 }, context);");
  // A profile only this branch knows.
  commitChange('new-profile', 'scenarios/profiles.ts', '  ci: {', `  'ab-fixture': { description: 'test', runs: [{ scenario: 'process', flags: { transports: 'fixture', workers: '1', messages: '300000' } }] },\n  ci: {`);
}, 120_000);

afterAll(() => rmSync(repo, { recursive: true, force: true }));

function startAb(args: readonly string[]): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } {
  const child = spawn(process.execPath, [join(repo, 'harness/cli.ts'), 'ab', '--out', out, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

const runAb = (args: readonly string[]) => startAb(args).done;

function worktrees(): string[] {
  return git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree '));
}

describe('ab', () => {
  it('finds no regression between two identical refs while another process keeps a core busy', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      const result = await runAb(['--base', 'main', '--head', 'main', '--rounds', '4', ...FIXTURE_RUN]);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /A\/B on one host: base main \(\w{7}\) vs head main \(\w{7}\), 4 rounds/);
      assert.match(result.stdout, /process: fixture W=1 C=50 +throughput/);
      assert.match(result.stdout, /0 regressions/);
      // Rounds alternate which side goes first.
      assert.match(result.stderr, /round 1\/4: base [\d.]+ s, head [\d.]+ s\nab: round 2\/4: head [\d.]+ s, base [\d.]+ s/);
    } finally {
      busy.kill('SIGKILL');
    }
    assert.equal(worktrees().length, 1);
  });

  it('exits 1 and names the point when the head slows the measured path', async () => {
    const result = await runAb(['--base', 'main', '--head', 'slow', '--rounds', '4', '--format', 'md', ...FIXTURE_RUN]);
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.match(result.stdout, /\| REGRESSION \| process: fixture W=1 C=50 \| throughput \|/);
    assert.equal(worktrees().length, 1);
  });

  it('is bad input (exit 2, one line) when a side does not know the profile, or the ref does not exist', async () => {
    git('checkout', '-q', 'new-profile');
    try {
      const unknownToBase = await runAb(['--base', 'main', '--profile', 'ab-fixture', '--rounds', '4']);
      assert.equal(unknownToBase.code, 2, unknownToBase.stderr);
      assert.match(unknownToBase.stderr, /^hopbench: the base \(main, \w{7}\) cannot run this: unknown profile "ab-fixture"/m);
    } finally {
      git('checkout', '-q', 'main');
    }
    const unknownRef = await runAb(['--base', 'no-such-ref', ...FIXTURE_RUN]);
    assert.equal(unknownRef.code, 2);
    assert.match(unknownRef.stderr, /^hopbench: unknown git ref "no-such-ref": .*fetch-depth: 0\)\n$/);
    const tooFew = await runAb(['--base', 'main', '--rounds', '3', ...FIXTURE_RUN]);
    assert.equal(tooFew.code, 2);
    assert.match(tooFew.stderr, /^hopbench: invalid --rounds "3"/);
    const repeat = await runAb(['--base', 'main', '--repeat', '3', ...FIXTURE_RUN]);
    assert.equal(repeat.code, 2);
    assert.match(repeat.stderr, /--repeat does not apply to ab/);
    assert.equal(worktrees().length, 1);
  });

  it('leaves no worktree, temp dir or process after Ctrl-C mid-run', async () => {
    const tempBefore = new Set(hopbenchTempDirs());
    const run = startAb(['--base', 'main', '--head', 'slow', '--rounds', '40', ...FIXTURE_RUN]);
    const deadline = Date.now() + 120_000;
    while (!/round 1\/40/.test(run.stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(run.stderr(), /round 1\/40/);
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.stderr);
    assert.equal(worktrees().length, 1, git('worktree', 'list'));
    assert.deepEqual(hopbenchTempDirs().filter((name) => !tempBefore.has(name)), []);
    assert.deepEqual(pidsMentioning(repo), []);
    assert.deepEqual(pidsMentioning('hopbench-ab-'), []);
  });
});
