/**
 * The HTTP side every architecture shares: `POST /send-message` on a free loopback port, body validated (400 with
 * the reason otherwise), then the architecture's handler, which answers with its own status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../host/errors.ts';
import { listenOnLoopback, type LoopbackServer } from '../host/net.ts';
import { parseSendMessage, type SendMessage } from './message.ts';

const MAX_BODY_BYTES = 64 * 1024;

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) resolve(undefined);
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** `handle` returns the status to answer with (200 done, 202 accepted for later). */
export function startApiServer(handle: (message: SendMessage) => Promise<200 | 202>): Promise<LoopbackServer> {
  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/send-message') return answer(response, 404, { error: 'POST /send-message' });
    const body = await readBody(request);
    if (body === undefined) return answer(response, 413, { error: 'body too large' });
    const message = parseSendMessage(body);
    if ('error' in message) return answer(response, 400, { error: message.error });
    try {
      answer(response, await handle(message), { id: message.id });
    } catch (error) {
      answer(response, 500, { error: errorMessage(error) });
    }
  };
  return listenOnLoopback({ onRequest: (request, response) => void respond(request, response).catch(() => response.destroy()) });
}
