/** A hopbench agent process the test started: its URL, once it says where it listens. */
import type { ChildProcess } from 'node:child_process';

export async function agentUrl(child: ChildProcess, timeoutMs = 60_000): Promise<string> {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!/listening on (http:\S+)/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the agent did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return /listening on (http:\S+)/.exec(output)![1]!;
}
