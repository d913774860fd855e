/** A role's own side: what it does once started, and how it is served over a message channel. */
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../host/errors.ts';
import type { FromRole, ToRole } from './protocol.ts';

export interface RoleInstance<Ready, Progress, Command, Report> {
  readonly ready: Ready;
  progress?(): Progress;
  /** Runs a command; what it resolves with goes back to the coordinator. */
  run?(command: Command): Promise<unknown>;
  /** Stops working and returns everything measured. */
  finish(): Promise<Report>;
  /** Rejects when the role can no longer work and will not recover (a consumer whose connection is gone). */
  readonly failed?: Promise<never>;
}

export interface Role<Spec, Ready, Progress, Command, Report> {
  start(spec: Spec): Promise<RoleInstance<Ready, Progress, Command, Report>>;
}

/** Typed helper: infers a role's types from its start function. */
export function defineRole<Spec, Ready, Progress, Command, Report>(role: Role<Spec, Ready, Progress, Command, Report>): Role<Spec, Ready, Progress, Command, Report> {
  return role;
}

const PROGRESS_INTERVAL_MS = 250;

/**
 * The role's side of the protocol, shared by the process and thread entry points. `end` releases the channel once a
 * report or a failure has been sent.
 */
export function serveRole<Spec, Ready, Progress, Command, Report>(
  role: Role<Spec, Ready, Progress, Command, Report>,
  send: (message: FromRole<Ready, Progress, Report>) => void,
  end: (failed: boolean) => void,
): (message: ToRole<Spec, Command>) => void {
  let instance: RoleInstance<Ready, Progress, Command, Report> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const fail = (error: unknown) => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    send({ type: 'failed', error: errorMessage(error) });
    end(true);
  };
  const start = async (spec: Spec) => {
    instance = await role.start(spec);
    instance.failed?.catch(fail);
    const { progress } = instance;
    const started = instance;
    timer = setInterval(() => {
      if (progress) send({ type: 'progress', progress: progress.call(started) });
      const { idle, active } = performance.eventLoopUtilization();
      send({ type: 'vitals', eventLoop: { idle, active } });
    }, PROGRESS_INTERVAL_MS);
    send({ type: 'ready', ready: instance.ready });
  };
  const finish = async (current: RoleInstance<Ready, Progress, Command, Report>) => {
    clearInterval(timer);
    const report = await current.finish();
    if (ended) return;
    ended = true;
    send({ type: 'report', report });
    end(false);
  };
  let starting: Promise<void> | undefined;
  const handle = (current: RoleInstance<Ready, Progress, Command, Report>, message: Exclude<ToRole<Spec, Command>, { type: 'start' }>) => {
    if (message.type === 'finish') return void finish(current).catch(fail);
    const { seq, command } = message;
    if (!current.run) return fail(new Error(`this role takes no commands (got ${JSON.stringify(command)})`));
    current.run(command).then((result) => send({ type: 'done', seq, result }), fail);
  };
  return (message) => {
    if (message.type === 'start') return void (starting = start(message.spec).catch(fail));
    // A finish or command that comes while the role is still starting waits for it (a stop during a restart).
    if (!instance) return void starting?.then(() => instance && handle(instance, message));
    handle(instance, message);
  };
}
