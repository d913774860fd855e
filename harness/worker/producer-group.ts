/** Coordinator side of the producers of one enqueue sample: P forked processes started together on `go`. */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../wait.ts';
import { forkChild, type Child } from './child.ts';
import type { ProducerCommand, ProducerMessage, ProducerReport, ProducerSpec } from './producer-protocol.ts';

const FINISH_TIMEOUT_MS = 10_000;
const ENTRY = fileURLToPath(new URL('./producer-process.ts', import.meta.url));

export interface ProducerGroup {
  readonly pids: readonly number[];
  /** Measured messages accepted so far, over all producers. */
  accepted(): number;
  /** Starts the measured load everywhere; resolves with the reports that arrived before `timeoutMs`. */
  go(timeoutMs: number): Promise<{ reports: ProducerReport[]; failures: string[] }>;
  /** Lets every producer close its connection and exit (killed if it does not within a few seconds). */
  finish(): Promise<void>;
  kill(): Promise<void>;
}

interface Member {
  readonly child: Child<ProducerCommand>;
  ready: boolean;
  accepted: number;
  report?: ProducerReport;
  failure?: string;
}

/** Forks the producers and waits until each has sent its warmup and is ready (or throws, naming the failure). */
export async function startProducers(specs: readonly ProducerSpec[], readyTimeoutMs: number): Promise<ProducerGroup> {
  const members = specs.map((spec) => {
    const member: Member = {
      ready: false,
      accepted: 0,
      child: forkChild<ProducerCommand, ProducerMessage>(
        ENTRY,
        'producer',
        (message) => {
          if (message.type === 'ready') member.ready = true;
          else if (message.type === 'progress') member.accepted = message.accepted;
          else if (message.type === 'report') {
            member.report = message.report;
            member.accepted = message.report.accepted.reduce((sum, byte) => sum + byte, 0);
          }
          else member.failure = `producer ${spec.producer}: ${message.error}`;
        },
        (description) => {
          if (!member.report) member.failure ??= description;
        },
      ),
    };
    member.child.send({ type: 'start', spec });
    return member;
  });
  const kill = async () => {
    members.forEach((member) => member.child.kill());
    await within(Promise.all(members.map((member) => member.child.ended)), 5_000);
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!members.every((member) => member.ready)) {
    const failure = members.find((member) => member.failure)?.failure;
    if (failure || Date.now() > deadline) {
      await kill();
      throw new Error(failure ?? `producers not ready within ${readyTimeoutMs / 1000}s`);
    }
    await sleep(10);
  }
  return {
    pids: members.map((member) => member.child.pid),
    accepted: () => members.reduce((sum, member) => sum + member.accepted, 0),
    async go(timeoutMs) {
      members.forEach((member) => member.child.send({ type: 'go' }));
      const deadline = Date.now() + timeoutMs;
      while (!members.every((member) => member.report || member.failure)) {
        if (Date.now() > deadline) {
          for (const member of members.filter((m) => !m.report)) member.failure ??= `producer ${member.child.pid} did not finish within ${timeoutMs / 1000}s and was killed`;
          await kill();
          break;
        }
        await sleep(10);
      }
      return {
        reports: members.flatMap((member) => (member.report ? [member.report] : [])),
        failures: members.flatMap((member) => (member.failure ? [member.failure] : [])),
      };
    },
    async finish() {
      members.forEach((member) => member.child.send({ type: 'finish' }));
      if ((await within(Promise.all(members.map((member) => member.child.ended)), FINISH_TIMEOUT_MS)) === undefined) await kill();
    },
    kill,
  };
}
