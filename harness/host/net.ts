import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import type { Duplex } from 'node:stream';

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not allocate a free port'))));
    });
  });
}

/** The URL with any password replaced, for logs, errors, results and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** Free text (a library's error message) with the password of any URL in it replaced. */
export function redactSecrets(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:***@');
}

/** An HTTP server on a free 127.0.0.1 port, for API and WebSocket servers. */
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
  const http = createHttpServer(onRequest ?? ((_request, response) => response.writeHead(404).end()));
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
