/**
 * A forked helper process (consumer, producer, server, client) as the coordinator sees it: typed messages over
 * Node's IPC channel, registered for cleanup, and on an unexpected exit a reason with the tail of its stderr.
 */
import { fork } from 'node:child_process';
import { signalQuietly, trackProcess } from '../lifecycle.ts';

export interface Child<Outgoing> {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly ended: Promise<void>;
  send(message: Outgoing): void;
  kill(): void;
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

/**
 * `onExit` gets a description of how the process ended (`consumer process 123 exited (SIGKILL): <stderr tail>`),
 * for the caller to use if the exit was not expected.
 */
export function forkChild<Outgoing, Incoming>(entry: string, role: string, onMessage: (message: Incoming) => void, onExit: (description: string) => void): Child<Outgoing> {
  // The role as an argument: `ps` shows what each process is.
  const child = fork(entry, [role], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  const untrack = trackProcess(child.pid!, { group: false });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
  child.on('message', (message: Incoming) => onMessage(message));
  return {
    pid: child.pid!,
    ended: new Promise<void>((resolve) =>
      // 'close', not 'exit': 'exit' can come before the last IPC messages (a large report) have been read.
      child.once('close', (code, signal) => {
        untrack();
        onExit(`${role} process ${child.pid} exited (${signal ?? `code ${code}`})${stderr ? `: ${crashSummary(stderr)}` : ''}`);
        resolve();
      }),
    ),
    send: (message) => void (child.connected && child.send(message as object)),
    kill: () => void signalQuietly(child.pid!, 'SIGKILL'),
  };
}
