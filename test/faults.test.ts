/** The faults scenario against real services and processes, and the recovery analysis on known timelines. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { UsageError } from '../harness/host/errors.ts';
import { analyzeRecovery, type Delivery } from '../harness/faults/timeline.ts';
import type { ServiceSet } from '../harness/services/provision.ts';
import type { Service, ServiceKind } from '../harness/services/types.ts';
import faultsScenario from '../scenarios/faults.ts';
import type { ResultFile } from '../harness/results/types.ts';
import { crashSummary } from '../harness/roles/child.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { hopbenchTempDirs, pidsMentioning, rolePids } from './helpers/system.ts';

const out = mkdtempSync(join(tmpdir(), 'hopbench-test-faults-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const S = 1e9;
const MS = 1e6;

describe('recovery analysis', () => {
  // 100 messages/s, 5 ms each; nothing is delivered during the outage [2 s, 3 s), whose messages then drain at
  // twice the rate between 3.0 and 3.5 s (late); those sent meanwhile arrive just after 3.5 s (late too), and
  // from the bucket at 3.75 s everything is on time again.
  const deliveries: Delivery[] = [];
  for (let i = 0; i < 600; i++) {
    const sentAtNs = (i / 100) * S;
    let doneAtNs = sentAtNs + 5 * MS;
    if (sentAtNs >= 2 * S && sentAtNs < 3 * S) doneAtNs = 3 * S + (sentAtNs - 2 * S) / 2;
    else if (sentAtNs >= 3 * S && sentAtNs < 3.5 * S) doneAtNs = 3.5 * S + (sentAtNs - 3 * S) / 100;
    deliveries.push({ sentAtNs, doneAtNs });
  }
  const analysis = analyzeRecovery(deliveries, { scheduleStartNs: 0, loadEndNs: 6 * S, faultStartNs: 2 * S, faultEndNs: 3 * S, perSec: 100 });

  it('waits for throughput and latency: a backlog drained fast but late is not recovered yet', () => {
    assert.ok(Math.abs(analysis.preFaultP99Ms - 5) < 0.01, 'HdrHistogram keeps 3 significant digits');
    assert.equal(analysis.recoverySec, 1.75);
    assert.ok(analysis.recoveryP99Ms > 400, `late deliveries of the outage show: ${analysis.recoveryP99Ms}`);
  });

  it('keeps the timeline per bucket: empty during the outage, the fault marked', () => {
    const { timeline } = analysis;
    assert.equal(timeline.bucketMs, 250);
    assert.equal(timeline.faultAtMs, 2000);
    assert.deepEqual(timeline.delivered.slice(8, 12), [0, 0, 0, 0]);
    assert.equal(timeline.delivered.reduce((sum, count) => sum + count, 0), 600);
  });

  it('counts stranded work: sent before the fault, done only after the system had recovered', () => {
    // Three messages sent at 1.9 s sat in a dead worker's hands until 5.5 s, long after recovery at 3.75 s.
    const stuck = deliveries.map((delivery, index) => (index >= 190 && index < 193 ? { ...delivery, doneAtNs: 5.5 * S } : delivery));
    const result = analyzeRecovery(stuck, { scheduleStartNs: 0, loadEndNs: 6 * S, faultStartNs: 2 * S, faultEndNs: 3 * S, perSec: 100 });
    assert.deepEqual([result.stranded, result.strandedMaxSec], [3, 3.6]);
    assert.equal(analysis.stranded, 0, 'the late deliveries of the outage itself came before recovery: not stranded');
  });

  it('says not recovered when no window after the fault meets both conditions', () => {
    const never = deliveries.map((delivery) => (delivery.sentAtNs >= 2 * S ? { ...delivery, doneAtNs: delivery.doneAtNs + 2 * S } : delivery));
    assert.equal(analyzeRecovery(never, { scheduleStartNs: 0, loadEndNs: 6 * S, faultStartNs: 2 * S, faultEndNs: 3 * S, perSec: 100 }).recoverySec, undefined);
  });
});

describe('faults plan', () => {
  const servicesFrom = (provider: Service['provider'], restartable: boolean): ServiceSet => {
    const service = (kind: ServiceKind): Service => ({
      kind,
      provider,
      url: `${kind}://127.0.0.1:1`,
      version: '0',
      pids: [],
      details: {},
      ...(restartable ? { restart: async () => {} } : {}),
      stop: async () => {},
    });
    return { all: [], get: service, stop: async () => {} };
  };

  it('refuses broker faults on services hopbench did not start, before any sample runs', () => {
    const plan = faultsScenario.plan({ transports: 'bullmq', fault: 'broker-restart' });
    assert.throws(() => plan.checkServices!(servicesFrom('external', false)), (error: unknown) => error instanceof UsageError && /restarts redis, which hopbench did not start \(external\): use --services native or docker, or --fault worker-kill/.test(error.message));
    assert.doesNotThrow(() => plan.checkServices!(servicesFrom('native', true)));
    assert.doesNotThrow(() => faultsScenario.plan({ transports: 'bullmq', fault: 'worker-kill' }).checkServices!(servicesFrom('external', false)));
  });

  it('names why a replaced process crashed in one line', () => {
    const uncaught = "node:events:502\n      throw er; // Unhandled 'error' event\n      ^\n\nerror: terminating connection due to administrator command\n    at parseErrorMessage (parser.js:306:11)\nEmitted 'error' event on Client instance at:\n    at Client._handleErrorEvent (client.js:422:10)\n{\n  code: '57P01'\n}\n\nNode.js v24.21.0";
    assert.equal(crashSummary(uncaught), "error: terminating connection due to administrator command (Emitted 'error' event on Client instance)");
    assert.equal(crashSummary('a\nb\nc\nd'), 'b | c | d');
  });

  it('adds Redis persistence variants only where a broker fault hits Redis', () => {
    const labels = faultsScenario.plan({ transports: 'direct,bullmq,pg', fault: 'worker-kill,broker-kill' }).points.map((point) => point.identity.label);
    assert.deepEqual(labels, [
      'direct worker-kill W=2 C=20 @ 500/s',
      'direct broker-kill W=2 C=20 @ 500/s',
      'bullmq worker-kill W=2 C=20 @ 500/s',
      'bullmq broker-kill redis none W=2 C=20 @ 500/s',
      'bullmq broker-kill redis everysec W=2 C=20 @ 500/s',
      'pg worker-kill W=2 C=20 @ 500/s',
      'pg broker-kill W=2 C=20 @ 500/s',
    ]);
  });
});

describe('faults scenario (real processes and services)', () => {
  it('counts in-memory work lost when its process dies, and none lost by a durable queue through a worker kill and a Postgres restart', async () => {
    const dirsBefore = new Set(hopbenchTempDirs());
    const started = Date.now();
    // --timeout 300: a sample waits for what can still arrive, not for the deadline. Four samples waiting out
    // 300 s each would take 20 minutes; the work lost with direct's process cannot arrive, and nothing else is owed.
    const result = await runCli(
      ['bench', 'faults', '--transports', 'direct,pg', '--fault', 'worker-kill,broker-restart', '--rate', '200', '--duration', '4', '--fault-at', '2', '--job', 'sleep:50', '--repeat', '1', '--timeout', '300', '--out', out, '--services', 'native'],
      {},
      600_000,
    );
    assert.ok(Date.now() - started < 300_000, 'ended when nothing more could arrive, not at --timeout');
    assert.equal(result.code, 0, result.stderr);
    const path = /result: (.+\.json)/.exec(result.stdout)![1]!;
    const file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    const run = (label: string) => file.runs.find((candidate) => candidate.label.startsWith(label))!;
    for (const fault of ['worker-kill', 'broker-restart']) {
      const direct = run(`direct ${fault}`);
      assert.equal(direct.params.faultTarget, 'the process holding the in-memory work');
      // About 10 jobs of 50 ms are in flight at 200/s: the kill takes them along.
      assert.ok(direct.counts.lost > 0, `direct ${fault} loses the work in flight: ${JSON.stringify(direct.counts)}`);
      assert.match(direct.errors.join('\n'), /\d+ lost \(e\.g\. ids/);
      assert.equal(direct.counts.undelivered, 0, 'nothing of it is queued anywhere');
      const pg = run(`pg ${fault}`);
      assert.equal(pg.counts.lost, 0, `pg ${fault}: ${pg.errors.join('; ')}`);
      assert.equal(pg.params.faultTarget, fault === 'worker-kill' ? 'consumer process 0' : 'postgres');
      assert.equal(pg.counts.delivered, pg.counts.sent);
      for (const measured of [direct, pg]) {
        const sample = measured.samples[0]!;
        assert.ok(sample.timeline && sample.timeline.faultAtMs >= 2000 && sample.timeline.faultAtMs < 3000 && sample.timeline.delivered.length >= 16, 'the fault 2 s into the load, a timeline of 4 s or more');
        assert.ok(measured.metrics!.faultSec! > 0);
        assert.ok(measured.metrics!.processesReplaced! >= (fault === 'worker-kill' || measured === direct ? 1 : 0));
        assert.equal(measured.counts.sent + measured.metrics!.refused!, 800, 'every scheduled id is accepted or refused');
      }
    }
    assert.deepEqual(hopbenchTempDirs().filter((dir) => !dirsBefore.has(dir)), [], 'temp dirs and record logs removed');
  });
});

describe('a killed worker of the newer queues', () => {
  it('is recovered as each transport promises, or its jobs are counted as still queued with the reason named', async () => {
    // 20 jobs of 1 s offered per second to 2 workers × 5 slots: every slot is busy whatever the host's speed, so
    // consumer 0 holds 5 jobs when it is SIGKILLed. --timeout 15 bounds the wait for what graphile-worker keeps
    // locked for 4 hours; the others give the jobs back within seconds.
    const result = await runCli(
      ['bench', 'faults', '--transports', 'redis-streams:fast-recovery,bullmq-pg:fast-recovery,graphile-worker', '--fault', 'worker-kill', '--rate', '20', '--duration', '4', '--fault-at', '2', '--concurrency', '5', '--job', 'sleep:1000', '--repeat', '1', '--timeout', '15', '--out', out, '--services', 'native'],
      {},
      600_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    const run = (label: string) => file.runs.find((candidate) => candidate.label.startsWith(label))!;
    for (const recovering of ['redis-streams:fast-recovery', 'bullmq-pg:fast-recovery']) {
      const counts = run(`${recovering} worker-kill`).counts;
      assert.deepEqual([counts.lost, counts.undelivered, counts.delivered], [0, 0, counts.sent], `${recovering}: ${JSON.stringify(counts)} ${run(recovering).errors.join('; ')}`);
    }
    const graphile = run('graphile-worker worker-kill');
    assert.equal(graphile.counts.lost, 0, 'nothing is gone: the jobs are still in Postgres');
    assert.ok(graphile.counts.undelivered > 0, `the killed worker's jobs stay locked: ${JSON.stringify(graphile.counts)}`);
    assert.match(graphile.errors.join('\n'), /still queued \(undelivered\).*a killed consumer's messages: its jobs stay locked for 4 hours/);
  });
});

describe('a broker that dies during a normal run', () => {
  it('ends that point with the error named, and the other points still run', async () => {
    // 200 messages/s for 10 s: far below what any transport carries on the slowest host, so that the pg point's
    // "everything delivered" depends on the broker fault alone, not on this host's speed.
    const run = startCli(
      ['bench', 'process', '--transports', 'rabbitmq,pg', '--workers', '1', '--rate', '200', '--messages', '2000', '--warmup', '100', '--repeat', '1', '--timeout', '60', '--out', out, '--services', 'native'],
      { CI: 'true' },
    );
    // The first point's consumer is up: the measured load is running.
    await waitForOutput(run, () => rolePids('consumer').length > 0, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const beam = pidsMentioning('hopbench-rabbitmq-').filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('beam'));
    assert.ok(beam.length > 0, 'the RabbitMQ server runs');
    for (const pid of beam) process.kill(pid, 'SIGKILL');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    const [rabbitmq, pg] = file.runs;
    assert.equal(rabbitmq!.transport, 'rabbitmq');
    // Killed while the producer was still connecting (a slow host), the producer names it; after, the consumer does.
    assert.match(rabbitmq!.errors.join('\n'), /rabbitmq connection closed|producer 0: connect ECONNREFUSED/, 'the point names why it stopped');
    assert.ok(rabbitmq!.counts.sent < 2_000 || rabbitmq!.counts.lost > 0 || rabbitmq!.errors.some((error) => /sends failed/.test(error)), 'what did not get through is counted');
    assert.equal(pg!.transport, 'pg');
    assert.deepEqual([pg!.counts.delivered, pg!.counts.lost, pg!.errors], [2_000, 0, []], 'the next point is unaffected');
  });
});
