/** An HTTP server on a free 127.0.0.1 port, for WebSocket servers to attach to. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface LoopbackServer {
  readonly http: Server;
  readonly port: number;
  close(): Promise<void>;
}

export interface LoopbackHandlers {
  /** Plain HTTP requests; without it every request is a 404. */
  readonly onRequest?: (request: IncomingMessage, response: ServerResponse) => void;
  readonly onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export async function listenOnLoopback({ onRequest, onUpgrade }: LoopbackHandlers = {}): Promise<LoopbackServer> {
  const http = createServer(onRequest ?? ((_request, response) => response.writeHead(404).end()));
  if (onUpgrade) http.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('listening server has no port');
  return {
    http,
    port: address.port,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
