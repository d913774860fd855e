/**
 * Hosts of the tests' own: network namespaces, each joined by a veth pair to a bridge in the root namespace, on a
 * private /24. The bridge holds the root namespace's address on that network, so a process here (a relay, the
 * coordinator) reaches every host and every host reaches it. Root only; `remove()` takes down every process started
 * in a host, every namespace and the bridge.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface TestNetwork {
  readonly bridgeIp: string;
  /** Each host's address, by the name it was created with. */
  readonly ips: Readonly<Record<string, string>>;
  readonly namespaces: readonly string[];
  readonly bridge: string;
  /** Runs argv inside the host's namespace, in a process group of its own. */
  spawnIn(host: string, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  remove(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/** Why network namespaces cannot be made here, or undefined when they can. */
export function networkNamespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `hbprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Whether `unshare --time` can give a process a CLOCK_MONOTONIC of its own (Linux time namespaces). */
export function timeNamespacesAvailable(): boolean {
  try {
    return execFileSync('unshare', ['--time', '--monotonic', '1', '--fork', 'cat', '/proc/self/timens_offsets'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('monotonic');
  } catch {
    return false;
  }
}

export async function createTestNetwork(hosts: readonly string[]): Promise<TestNetwork> {
  const tag = String(process.pid % 100_000);
  const subnet = `10.213.${20 + (process.pid % 200)}`;
  const bridge = `hbb${tag}`;
  const bridgeIp = `${subnet}.1`;
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  const ips: Record<string, string> = {};
  let removed = false;
  const network: TestNetwork = {
    bridgeIp,
    ips,
    namespaces,
    bridge,
    spawnIn(host, argv, options = {}) {
      const child = spawn('ip', ['netns', 'exec', `hb${tag}${host}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async remove() {
      if (removed) return;
      removed = true;
      const signalAll = (signal: NodeJS.Signals) => {
        for (const child of children) {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // already gone
          }
        }
      };
      signalAll('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (children.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      signalAll('SIGKILL');
      const killDeadline = Date.now() + 10_000;
      while (children.size > 0 && Date.now() < killDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Deleting a namespace deletes its end of each veth pair, and with it the other end.
      for (const args of [...namespaces.map((namespace) => ['netns', 'del', namespace]), ['link', 'del', bridge]]) {
        try {
          ip(...args);
        } catch {
          // never created (a failed setup): the test checks that nothing is left
        }
      }
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${bridgeIp}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    hosts.forEach((host, index) => {
      const namespace = `hb${tag}${host}`;
      const [outside, inside] = [`hbv${tag}${index}`, `hbn${tag}${index}`];
      ip('netns', 'add', namespace);
      namespaces.push(namespace);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', outside, 'master', bridge, 'up');
      ip('link', 'set', inside, 'netns', namespace);
      ips[host] = `${subnet}.${index + 2}`;
      ip('-n', namespace, 'addr', 'add', `${ips[host]}/24`, 'dev', inside);
      ip('-n', namespace, 'link', 'set', inside, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    });
  } catch (error) {
    await network.remove().catch(() => {});
    throw error;
  }
  return network;
}
