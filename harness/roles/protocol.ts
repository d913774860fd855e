/**
 * Messages between the coordinator and a role (a consumer, a producer, a server, a client…), whatever the role and
 * wherever it runs: a forked process, a worker thread, or an agent on another host (agent/client.ts). A role starts from a
 * spec that is plain data, says when it is ready, reports progress, runs commands and ends with a report.
 */

/** Every kind of role a coordinator can start; each has its module in entry/catalog.ts. */
export type RoleName = 'consumer' | 'producer' | 'baseline' | 'broadcast-server' | 'broadcast-client' | 'http-process';

export type ToRole<Spec, Command> =
  | { readonly type: 'start'; readonly spec: Spec }
  | { readonly type: 'command'; readonly seq: number; readonly command: Command }
  | { readonly type: 'finish' };

export type FromRole<Ready, Progress, Report> =
  | { readonly type: 'ready'; readonly ready: Ready }
  | { readonly type: 'progress'; readonly progress: Progress }
  /** Every role, every 250 ms from ready: its event loop's cumulative idle and active time (ms). */
  | { readonly type: 'vitals'; readonly eventLoop: { readonly idle: number; readonly active: number } }
  | { readonly type: 'done'; readonly seq: number; readonly result?: unknown }
  | { readonly type: 'report'; readonly report: Report }
  | { readonly type: 'failed'; readonly error: string };
