/**
 * A TCP relay that holds every chunk for a delay before passing it on, in both directions: a one-way network delay
 * of the tests' own, where the kernel has no netem qdisc. The delay is chosen per connection from the client's
 * address, so that one relay can delay some hosts and not others. Order is kept: Node fires timers of equal
 * duration in the order they were set, and an end follows the chunks before it.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface DelayRelay {
  readonly port: number;
  /** Connections accepted so far, by the delay they got (ms). */
  readonly connections: Map<number, number>;
  close(): Promise<void>;
}

export async function startDelayRelay(listen: { host: string }, target: { host: string; port: number }, delayMsFor: (clientAddress: string) => number): Promise<DelayRelay> {
  const sockets = new Set<Socket>();
  const connections = new Map<number, number>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const pipeDelayed = (from: Socket, to: Socket, delayMs: number) => {
    const later = (action: () => void) => (delayMs > 0 ? setTimeout(action, delayMs) : action());
    from.on('data', (chunk: Buffer) => later(() => to.writable && to.write(chunk)));
    from.on('end', () => later(() => to.end()));
  };
  const server = createServer((client) => {
    const delayMs = delayMsFor(client.remoteAddress ?? '');
    connections.set(delayMs, (connections.get(delayMs) ?? 0) + 1);
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    pipeDelayed(client, upstream, delayMs);
    pipeDelayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listen.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
