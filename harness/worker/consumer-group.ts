/**
 * Coordinator side of the consumers of one sample: W forked processes (cross-process transports), or for
 * in-process transports one inline consumer or W worker threads. Hides the placement behind one small API.
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../wait.ts';
import { errorMessage } from '../errors.ts';
import { forkChild } from './child.ts';
import { startConsumerHost } from './consumer-host.ts';
import type { ConsumerCommand, ConsumerReport, ConsumerSpec, CoordinatorMessage, HostMessage, Progress } from './protocol.ts';

export type Placement = 'process' | 'thread' | 'inline';

export interface ConsumerGroup {
  /** OS pids of consumer processes (empty when consumers share the coordinator's process). */
  readonly pids: readonly number[];
  /** Producer ends of the thread links, for in-process transports. */
  readonly consumerPorts: readonly MessagePort[];
  progress(): Progress;
  /** Pause or resume every consumer; resolves when all acknowledged (failed members are skipped). */
  command(command: ConsumerCommand, timeoutMs: number): Promise<void>;
  /** Consumers that died or failed, with the reason. */
  failures(): readonly string[];
  /** Asks every consumer for its report; consumers that do not answer in time are killed and reported as failed. */
  finish(timeoutMs: number): Promise<ConsumerReport[]>;
  /** Hard stop (error paths). */
  kill(): Promise<void>;
}

/** One consumer as seen from the coordinator, whatever its placement. */
interface Member {
  progress: Progress;
  /** Highest command sequence number acknowledged. */
  acked: number;
  report?: ConsumerReport;
  failure?: string;
  readonly ended: Promise<void>;
  send(message: CoordinatorMessage): void;
  kill(): void;
}

const PROCESS_ENTRY = fileURLToPath(new URL('./consumer-process.ts', import.meta.url));
const THREAD_ENTRY = new URL('./consumer-thread.ts', import.meta.url);

/** Shared message handling for process and thread members. */
function attach(member: Member, message: HostMessage, ready: () => void): void {
  if (message.type === 'ready') ready();
  else if (message.type === 'ack') member.acked = message.seq;
  else if (message.type === 'progress') member.progress = { warmup: message.warmup, measured: message.measured };
  else if (message.type === 'report') member.report = message.report;
  else member.failure = message.error;
}

function forkMember(spec: ConsumerSpec, ready: () => void): Member & { pid: number } {
  const child = forkChild<CoordinatorMessage, HostMessage>(
    PROCESS_ENTRY,
    'consumer',
    (message) => attach(member, message, ready),
    (description) => {
      if (!member.report && !member.failure) member.failure = description;
    },
  );
  const member: Member & { pid: number } = {
    pid: child.pid,
    progress: { warmup: 0, measured: 0 },
    acked: 0,
    ended: child.ended,
    send: child.send,
    kill: child.kill,
  };
  child.send({ type: 'start', spec });
  return member;
}

function threadMember(spec: ConsumerSpec, producerPort: MessagePort, ready: () => void): Member {
  const worker = new Worker(THREAD_ENTRY, { workerData: { spec, producerPort }, transferList: [producerPort] });
  const member: Member = {
    progress: { warmup: 0, measured: 0 },
    acked: 0,
    ended: new Promise<void>((resolve) => {
      worker.once('error', (error) => (member.failure ??= `consumer thread ${spec.worker} failed: ${errorMessage(error)}`));
      worker.once('exit', () => resolve());
    }),
    send: (message) => worker.postMessage(message),
    kill: () => void worker.terminate(),
  };
  worker.on('message', (message: HostMessage) => attach(member, message, ready));
  return member;
}

async function inlineMember(spec: ConsumerSpec): Promise<Member> {
  const host = await startConsumerHost(spec);
  let resolveEnded = () => {};
  const member: Member = {
    get progress() {
      return host.progress();
    },
    acked: 0,
    ended: new Promise<void>((resolve) => (resolveEnded = resolve)),
    send(message) {
      if (message.type === 'command') {
        host.run(message.command).then(
          () => (member.acked = message.seq),
          (error) => (member.failure = errorMessage(error)),
        );
        return;
      }
      if (message.type !== 'finish') return;
      host.finish().then(
        (report) => (member.report = report),
        (error) => (member.failure = errorMessage(error)),
      ).finally(resolveEnded);
    },
    kill: () => resolveEnded(),
  };
  host.failed.catch((error: unknown) => (member.failure ??= errorMessage(error)));
  return member;
}

export async function startConsumers(specs: readonly ConsumerSpec[], placement: Placement, readyTimeoutMs: number): Promise<ConsumerGroup> {
  const members: Member[] = [];
  const consumerPorts: MessagePort[] = [];
  const pids: number[] = [];
  let readyCount = 0;
  let seq = 0;
  const ready = () => readyCount++;
  for (const spec of specs) {
    if (placement === 'process') {
      const member = forkMember(spec, ready);
      pids.push(member.pid);
      members.push(member);
    } else if (placement === 'thread') {
      const { port1, port2 } = new MessageChannel();
      consumerPorts.push(port1);
      members.push(threadMember(spec, port2, ready));
    } else {
      members.push(await inlineMember(spec));
      ready();
    }
  }
  const group: ConsumerGroup = {
    pids,
    consumerPorts,
    progress: () => members.reduce((sum, member) => ({ warmup: sum.warmup + member.progress.warmup, measured: sum.measured + member.progress.measured }), { warmup: 0, measured: 0 }),
    async command(command, timeoutMs) {
      const current = ++seq;
      members.forEach((member) => member.send({ type: 'command', command, seq: current }));
      const deadline = Date.now() + timeoutMs;
      while (!members.every((member) => member.acked >= current || member.failure)) {
        if (Date.now() > deadline) throw new Error(`consumers did not ${command} within ${timeoutMs / 1000}s`);
        await sleep(5);
      }
    },
    failures: () => members.flatMap((member) => (member.failure ? [member.failure] : [])),
    async finish(timeoutMs) {
      members.forEach((member) => member.send({ type: 'finish' }));
      const all = Promise.all(members.map((member) => member.ended));
      if ((await within(all.then(() => true), timeoutMs)) === undefined) {
        for (const member of members.filter((m) => !m.report)) {
          member.failure ??= `consumer did not report within ${timeoutMs / 1000}s and was killed`;
          member.kill();
        }
      }
      consumerPorts.forEach((port) => port.close());
      return members.flatMap((member) => (member.report ? [member.report] : []));
    },
    async kill() {
      members.forEach((member) => member.kill());
      consumerPorts.forEach((port) => port.close());
      await within(Promise.all(members.map((member) => member.ended)), 5_000);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (readyCount < specs.length) {
    const failures = group.failures();
    if (failures.length > 0 || Date.now() > deadline) {
      await group.kill();
      throw new Error(failures[0] ?? `consumers not ready within ${readyTimeoutMs / 1000}s`);
    }
    await sleep(10);
  }
  return group;
}
