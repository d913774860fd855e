/** Several roles of one kind started together (W consumers, P producers, S servers, client processes): one small API. */
import type { ResourceTarget } from '../measure/resources.ts';
import { waitUntil, within } from '../host/wait.ts';
import { startRole, type RoleHandle, type RoleLauncher, type Where } from './child.ts';
import type { RoleName } from './protocol.ts';

export interface RoleGroup<Ready, Progress, Command, Report> {
  readonly members: ReadonlyArray<RoleHandle<Ready, Progress, Command, Report>>;
  /** OS pids of the members that are processes. */
  readonly pids: readonly number[];
  /** What to sample of each member process (CPU, memory, event loop), labelled by `label`. */
  resourceTargets(label: (index: number) => string): ResourceTarget[];
  /** Members that died or failed, with the reason. */
  failures(): string[];
  /** Progress of each member that has not failed and has reported some. */
  progress(): Progress[];
  /** Runs a command in every member that has not failed; resolves when all have run it, rejects if none can. */
  run(command: Command): Promise<unknown[]>;
  /** Asks every member for its report; members that do not answer in time are killed and reported as failed. */
  finish(timeoutMs: number): Promise<Report[]>;
  /** Hard stop (error paths); resolves when all have ended (or after a few seconds). */
  kill(): Promise<void>;
}

/**
 * Starts one role per spec and resolves once every one is ready. A failure or the timeout stops all of them and
 * throws the first reason.
 */
export async function startGroup<Spec, Ready, Progress, Command, Report>(
  name: RoleName,
  specs: readonly Spec[],
  options: {
    where: Where;
    label: (index: number) => string;
    readyTimeoutMs: number;
    signal: AbortSignal;
    what?: string;
    /** How a member starts elsewhere (on an agent), or undefined to run it here. */
    launch?: (index: number) => RoleLauncher | undefined;
  },
): Promise<RoleGroup<Ready, Progress, Command, Report>> {
  const members = specs.map((spec, index) => {
    const launch = options.launch?.(index);
    return launch
      ? launch<Spec, Ready, Progress, Command, Report>(name, spec, options.label(index))
      : startRole<Spec, Ready, Progress, Command, Report>(name, spec, { where: options.where, label: options.label(index) });
  });
  // Members on this host: the ones whose processes can be sampled here.
  const local = (member: RoleHandle<Ready, Progress, Command, Report>) => options.where === 'process' && member.pid > 0;
  const failures = () => members.flatMap((member) => member.failure() ?? []);
  const kill = async () => {
    members.forEach((member) => member.kill());
    await within(Promise.all(members.map((member) => member.ended)), 5_000);
  };
  const group: RoleGroup<Ready, Progress, Command, Report> = {
    members,
    pids: members.filter(local).map((member) => member.pid),
    resourceTargets: (label) => members.flatMap((member, index) => (local(member) ? [{ label: label(index), pid: member.pid, tree: false, eventLoop: member.eventLoop }] : [])),
    failures,
    // A member that failed holds nothing any more: its last progress would read as work still in flight.
    progress: () => members.flatMap((member) => (member.failure() ? [] : (member.progress() ?? []))),
    run(command) {
      const live = members.filter((member) => !member.failure());
      if (live.length === 0) return Promise.reject(new Error(failures()[0] ?? 'no member left to run the command'));
      return Promise.all(live.map((member) => member.run(command)));
    },
    async finish(timeoutMs) {
      members.forEach((member) => member.finish());
      const reported = () => members.every((member) => member.report() !== undefined || member.failure() !== undefined);
      // Not the start's signal: finishing is how an interrupted sample collects what it has.
      if (!(await waitUntil(reported, Date.now() + timeoutMs, new AbortController().signal))) {
        for (const member of members) if (member.report() === undefined) member.kill(`${member.label} did not report within ${timeoutMs / 1000}s and was killed`);
      }
      await within(Promise.all(members.map((member) => member.ended)), 5_000);
      return members.flatMap((member) => member.report() ?? []);
    },
    kill,
  };
  const allReady = () => members.every((member) => member.ready() !== undefined);
  const settled = await waitUntil(() => allReady() || failures().length > 0, Date.now() + options.readyTimeoutMs, options.signal);
  if (!settled || !allReady()) {
    const what = options.what ?? `${specs.length} ${name} role${specs.length === 1 ? '' : 's'}`;
    const reason = failures()[0] ?? (options.signal.aborted ? 'interrupted' : `${what} not ready within ${options.readyTimeoutMs / 1000}s`);
    await kill();
    throw new Error(reason);
  }
  return group;
}
