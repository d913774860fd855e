/** hopbench agent processes a test started: where one listens, and what it says of itself. */
import type { ChildProcess } from 'node:child_process';

/** The agent's URL, once its output says where it listens. */
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

/** The agent's health call: undefined while nothing answers there. */
export async function agentHealth(url: string, token: string): Promise<{ roles: number } | undefined> {
  try {
    const response = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${token}` } });
    return response.ok ? ((await response.json()) as { roles: number }) : undefined;
  } catch {
    return undefined;
  }
}
