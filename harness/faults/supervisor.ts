/**
 * Keeps one role running, as a process manager would: when its process exits (killed by a fault, or crashed because
 * its broker went away), a replacement starts after a short delay. Every exit is recorded, with its reason.
 */
import { nowNs } from '../measure/clock.ts';
import { startRole, type RoleHandle } from '../roles/child.ts';
import type { RoleName } from '../roles/protocol.ts';
import { within } from '../host/wait.ts';

export interface Exit {
  readonly atNs: number;
  readonly description: string;
}

export interface Supervised<Ready, Progress, Command, Report> {
  current(): RoleHandle<Ready, Progress, Command, Report>;
  generation(): number;
  /** When each generation became ready, CLOCK_MONOTONIC ns. */
  readyAt(generation: number): number | undefined;
  /** The first generation at or after `from` that became ready, and when. */
  readySince(from: number): { generation: number; atNs: number } | undefined;
  /** Exits before `stop`, in order: the fault's kill, crashes. */
  readonly exits: readonly Exit[];
  /** SIGKILL to the current process (a fault); a replacement follows. */
  kill(): void;
  /** No more replacements: asks for the report and waits up to timeoutMs for the exit, then kills. */
  stop(timeoutMs: number): Promise<void>;
}

export interface SuperviseOptions<Spec, Ready, Progress, Command, Report> {
  readonly label: string;
  readonly restartDelayMs: number;
  /** The spec of generation `generation` (0 first, then 1 per replacement). */
  spec(generation: number): Spec;
  /** Called when a generation is ready (a replacement joins the work here). */
  onReady?(role: RoleHandle<Ready, Progress, Command, Report>, generation: number): void;
}

export function supervise<Spec, Ready, Progress, Command, Report>(name: RoleName, options: SuperviseOptions<Spec, Ready, Progress, Command, Report>): Supervised<Ready, Progress, Command, Report> {
  const exits: Exit[] = [];
  const readyAt = new Map<number, number>();
  let stopping = false;
  let generation = -1;
  let role!: RoleHandle<Ready, Progress, Command, Report>;
  let restartTimer: NodeJS.Timeout | undefined;
  const spawn = () => {
    const mine = ++generation;
    const started = startRole<Spec, Ready, Progress, Command, Report>(name, options.spec(mine), { where: 'process', label: `${options.label} (generation ${mine})` });
    role = started;
    started.started.then(() => {
      readyAt.set(mine, nowNs());
      if (!stopping) options.onReady?.(started, mine);
    }, () => {});
    void started.ended.then(() => {
      if (stopping) return;
      exits.push({ atNs: nowNs(), description: started.failure() ?? `${options.label} (generation ${mine}) exited` });
      if (mine === generation) restartTimer = setTimeout(spawn, options.restartDelayMs);
    });
  };
  spawn();
  return {
    current: () => role,
    generation: () => generation,
    readyAt: (which) => readyAt.get(which),
    readySince(from) {
      const generation = [...readyAt.keys()].filter((key) => key >= from).sort((a, b) => a - b)[0];
      return generation === undefined ? undefined : { generation, atNs: readyAt.get(generation)! };
    },
    exits,
    kill: () => role.kill(),
    async stop(timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      role.finish();
      if ((await within(role.ended, timeoutMs)) === undefined) {
        role.kill();
        await within(role.ended, timeoutMs);
      }
    },
  };
}
