/**
 * The coordinator's side of one role: started in a forked process or a worker thread from a spec, it says when it
 * is ready or why it failed, runs commands and hands over its last report. Forked processes are registered for
 * cleanup, and an unexpected exit comes with the tail of the process's stderr.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../host/errors.ts';
import { trackProcess } from '../host/lifecycle.ts';
import type { FromRole, RoleName, ToRole } from './protocol.ts';

// The entry points sit above every role (they load the role a spec names): paths, not imports.
const PROCESS_ENTRY = fileURLToPath(new URL('../entry/process.ts', import.meta.url));
const THREAD_ENTRY = new URL('../entry/thread.ts', import.meta.url);

export type Where = 'process' | 'thread';

/**
 * Starts a role somewhere else (an agent on another host) behind the same handle as a local one: the placement of a
 * point hands one to a group for the members it puts there (see placement/).
 */
export type RoleLauncher = <Spec, Ready, Progress, Command, Report>(name: RoleName, spec: Spec, label: string) => RoleHandle<Ready, Progress, Command, Report>;

export interface RoleHandle<Ready, Progress, Command, Report> {
  /** The OS process the role runs in (this process for a thread). */
  readonly pid: number;
  readonly label: string;
  /** Resolves when the process or thread has ended, for whatever reason. */
  readonly ended: Promise<void>;
  /** Resolves when the role is ready; rejects if it fails first. */
  readonly started: Promise<Ready>;
  ready(): Ready | undefined;
  progress(): Progress | undefined;
  /** The role's event-loop time, cumulative (see ResourceTarget.eventLoop). */
  eventLoop(): { readonly idle: number; readonly active: number } | undefined;
  /** Why it failed or ended before reporting; undefined while all is well. */
  failure(): string | undefined;
  report(): Report | undefined;
  /** Runs a command in the role; rejects if the role fails or ends first. */
  run(command: Command): Promise<unknown>;
  /** Asks for the report; the role ends after sending it. */
  finish(): void;
  /** SIGKILL (process) or terminate (thread); a reason, when given, is what failure() says. */
  kill(reason?: string): void;
}

/**
 * What a crashed child's stderr says, in one line: for an uncaught exception, its message and the object that
 * emitted it (the stack's last lines are only the printed error's fields); otherwise the last lines.
 */
export function crashSummary(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const message = lines.find((line) => /^(\w*Error|error)\b.*:/.test(line.trim()));
  if (message) {
    const emitter = lines.find((line) => line.startsWith('Emitted '));
    return [message.trim(), emitter?.replace(/ at:$/, '')].filter(Boolean).join(' (') + (emitter ? ')' : '');
  }
  return lines.slice(-3).join(' | ').slice(-400);
}

interface Channel {
  readonly pid: number;
  readonly ended: Promise<void>;
  send(message: unknown): void;
  kill(): void;
}

function forkChannel(name: RoleName, label: string, onMessage: (message: unknown) => void, onEnd: (description: string) => void): Channel {
  // The role and label as arguments: `ps` shows what each process is.
  const child = fork(PROCESS_ENTRY, [name, label], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  const untrack = trackProcess(child.pid!, { group: false });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
  child.on('message', onMessage);
  // A send to a child that has just died (EPIPE), or a fork that failed: the end of the process tells why.
  child.on('error', () => {});
  return {
    pid: child.pid!,
    ended: new Promise<void>((resolve) =>
      // 'close', not 'exit': 'exit' can come before the last IPC messages (a large report) have been read.
      child.once('close', (code, signal) => {
        untrack();
        onEnd(`${label} (pid ${child.pid}) exited (${signal ?? `code ${code}`})${stderr ? `: ${crashSummary(stderr)}` : ''}`);
        resolve();
      }),
    ),
    send: (message) => void (child.connected && child.send(message as object)),
    // Not by raw pid: once the child is reaped its pid may belong to another process.
    kill: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')),
  };
}

function threadChannel(name: RoleName, label: string, onMessage: (message: unknown) => void, onEnd: (description: string) => void): Channel {
  const worker = new Worker(THREAD_ENTRY, { workerData: { role: name } });
  let error: string | undefined;
  worker.on('message', onMessage);
  worker.once('error', (thrown) => (error = errorMessage(thrown)));
  return {
    pid: process.pid,
    ended: new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        onEnd(`${label} ended (exit code ${code})${error ? `: ${error}` : ''}`);
        resolve();
      }),
    ),
    send: (message) => worker.postMessage(message),
    kill: () => void worker.terminate(),
  };
}

export function startRole<Spec, Ready, Progress, Command, Report>(name: RoleName, spec: Spec, options: { where: Where; label: string }): RoleHandle<Ready, Progress, Command, Report> {
  let ready: Ready | undefined;
  let progress: Progress | undefined;
  let eventLoop: { idle: number; active: number } | undefined;
  let report: Report | undefined;
  let failure: string | undefined;
  let seq = 0;
  let markStarted: { resolve: (ready: Ready) => void; reject: (error: Error) => void } | undefined;
  const started = new Promise<Ready>((resolve, reject) => (markStarted = { resolve, reject }));
  started.catch(() => {}); // a failure is also reported through failure(); awaiting `started` is optional
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  const failAll = (reason: string) => {
    failure ??= reason;
    markStarted?.reject(new Error(failure));
    for (const { reject } of pending.values()) reject(new Error(failure));
    pending.clear();
  };
  const onMessage = (raw: unknown) => {
    const message = raw as FromRole<Ready, Progress, Report>;
    if (message.type === 'ready') {
      ready = message.ready;
      markStarted?.resolve(message.ready);
    }
    else if (message.type === 'progress') progress = message.progress;
    else if (message.type === 'vitals') eventLoop = message.eventLoop;
    else if (message.type === 'report') report = message.report;
    else if (message.type === 'done') {
      pending.get(message.seq)?.resolve(message.result);
      pending.delete(message.seq);
    } else failAll(`${options.label}: ${message.error}`);
  };
  // An end after the report is the normal end; any other is a failure, described. Either way, no command can run.
  const onEnd = (description: string) => {
    if (report === undefined) failAll(description);
    for (const { reject } of pending.values()) reject(new Error(`${options.label} ended before it ran the command`));
    pending.clear();
  };
  const channel = (options.where === 'process' ? forkChannel : threadChannel)(name, options.label, onMessage, onEnd);
  const send = (message: ToRole<Spec, Command>) => channel.send(message);
  send({ type: 'start', spec });
  return {
    pid: channel.pid,
    label: options.label,
    ended: channel.ended,
    started,
    ready: () => ready,
    progress: () => progress,
    eventLoop: () => eventLoop,
    failure: () => failure,
    report: () => report,
    run(command) {
      if (failure) return Promise.reject(new Error(failure));
      const current = ++seq;
      const done = new Promise<unknown>((resolve, reject) => pending.set(current, { resolve, reject }));
      send({ type: 'command', seq: current, command });
      return done;
    },
    finish: () => send({ type: 'finish' }),
    kill(reason) {
      if (reason) failAll(reason);
      channel.kill();
    },
  };
}
