/**
 * Keeps one forked child running, as a process manager would: when it exits (killed by a fault, or crashed
 * because its broker went away), a replacement is started after a short delay. Every exit is recorded.
 */
import { nowNs } from '../measure/clock.ts';
import { forkChild, type Child } from '../worker/child.ts';
import { within } from '../wait.ts';

export interface SupervisorOptions<Outgoing, Incoming> {
  readonly entry: string;
  readonly role: string;
  readonly restartDelayMs: number;
  /** Sends what starts generation `generation` (0 first, then 1 per replacement). */
  start(child: Child<Outgoing>, generation: number): void;
  onMessage(message: Incoming, child: Child<Outgoing>, generation: number): void;
}

export interface Exit {
  readonly atNs: number;
  readonly description: string;
}

export interface Supervised<Outgoing> {
  current(): Child<Outgoing>;
  generation(): number;
  /** Exits before `stop`, in order: the fault's kill, crashes. */
  readonly exits: readonly Exit[];
  /** SIGKILL to the current process (a fault); a replacement follows. */
  kill(): void;
  /** No more replacements: sends `finish` and waits up to timeoutMs for the exit, then kills. */
  stop(finish: Outgoing, timeoutMs: number): Promise<void>;
}

export function supervise<Outgoing, Incoming>(options: SupervisorOptions<Outgoing, Incoming>): Supervised<Outgoing> {
  const exits: Exit[] = [];
  let stopping = false;
  let generation = -1;
  let child!: Child<Outgoing>;
  let restartTimer: NodeJS.Timeout | undefined;
  const spawn = () => {
    const mine = ++generation;
    const started: Child<Outgoing> = forkChild<Outgoing, Incoming>(
      options.entry,
      options.role,
      (message) => options.onMessage(message, started, mine),
      (description) => {
        if (stopping) return;
        exits.push({ atNs: nowNs(), description });
        if (mine === generation) restartTimer = setTimeout(spawn, options.restartDelayMs);
      },
    );
    child = started;
    options.start(started, mine);
  };
  spawn();
  return {
    current: () => child,
    generation: () => generation,
    exits,
    kill: () => child.kill(),
    async stop(finish, timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      child.send(finish);
      if ((await within(child.ended, timeoutMs)) === undefined) {
        child.kill();
        await child.ended;
      }
    },
  };
}
