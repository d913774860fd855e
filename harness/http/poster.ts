/**
 * The load generator's side of http-e2e as a producer: each envelope becomes `POST /send-message` with its id, its
 * intended send time and its room, and the send is accepted when the answer is 2xx. Open loop sends through a
 * keep-alive pool; closed loop hands the loop to autocannon, `connections` requests in flight. Either way hopbench records the HTTP latency itself (hrtime at
 * send, or the intended time, and at the response) in its own histogram.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { z } from 'zod';
import { errorMessage } from '../host/errors.ts';
import type { DrivingProducer, LoadOutcome, LoadTarget } from '../load/types.ts';
import { nowNs } from '../measure/clock.ts';
import { createHistogram } from '../measure/histogram.ts';
import { notDurable } from '../transports/durability.ts';
import { defineTransport, type Envelope } from '../transports/types.ts';

const config = z
  .object({
    /** The api process, e.g. http://127.0.0.1:4000. */
    url: z.string(),
    rooms: z.number().int().positive(),
    textBytes: z.number().int().positive(),
    /** Keep-alive sockets of the open-loop pool. */
    poolSize: z.number().int().positive(),
    /** A request not answered in this time fails (and counts as not accepted). */
    timeoutMs: z.number().int().positive(),
  })
  .strict();

type Config = z.output<typeof config>;

const body = (envelope: Envelope, config: Config, text: string) => JSON.stringify({ id: envelope.id, sentAtNs: envelope.sentAtNs, room: `r${envelope.id % config.rooms}`, text });

function post(agent: Agent, url: string, payload: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    req.once('error', reject);
    req.end(payload);
  });
}

/** autocannon's closed loop over `inflight` connections, ids from target.from, latency recorded here. */
function driveWithAutocannon(config: Config, text: string, target: LoadTarget, inflight: number): Promise<LoadOutcome> {
  const acceptLatency = createHistogram();
  let next = target.from;
  let sendErrors = 0;
  let firstSendError: string | undefined;
  const startNs = nowNs();
  const limit = target.untilNs === undefined ? { amount: target.to - target.from } : { duration: Math.max(0.1, (target.untilNs - startNs) / 1e9) };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${config.url}/send-message`,
        connections: inflight,
        timeout: config.timeoutMs / 1000,
        ...limit,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (requestParams, context) => {
              const envelope = { id: next++, sentAtNs: nowNs(), payload: '' };
              Object.assign(context as object, { id: envelope.id, sentAtNs: envelope.sentAtNs });
              return { ...requestParams, body: body(envelope, config, text) };
            },
            onResponse: (status, _body, context) => {
              const { id, sentAtNs } = context as { id: number; sentAtNs: number };
              if (status >= 200 && status < 300) {
                acceptLatency.recordValue(Math.max(1, nowNs() - sentAtNs));
                target.accepted(id);
              } else {
                sendErrors++;
                firstSendError ??= `HTTP ${status}`;
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.errors > 0) firstSendError ??= `${result.errors} request errors (${result.timeouts} timeouts)`;
        resolve({ startNs, measuredStartNs: startNs, endNs: nowNs(), sent: next - target.from, sendErrors: sendErrors + result.errors, firstSendError, acceptLatency });
      },
    );
    target.signal.addEventListener('abort', () => instance.stop(), { once: true });
  });
}

export default defineTransport({
  name: 'http-post',
  packages: [],
  description: 'POST /send-message to an http-e2e api process (the load generator of http-e2e)',
  services: [],
  config,
  presets: {},
  create({ config }) {
    const text = 'x'.repeat(config.textBytes);
    return {
      config,
      traits: { durable: false, acks: false },
      setup: async () => {},
      durability: async () => notDurable('an HTTP request: the architecture behind it decides'),
      teardown: async () => {},
      async producer(): Promise<DrivingProducer> {
        const agent = new Agent({ keepAlive: true, maxSockets: config.poolSize });
        const url = `${config.url}/send-message`;
        // A request that finds every socket busy waits for one: it would leave late, so it is counted.
        let inFlight = 0;
        let poolWaits = 0;
        const send = async (envelope: Envelope) => {
          if (inFlight >= config.poolSize) poolWaits++;
          inFlight++;
          const status = await post(agent, url, body(envelope, config, text), config.timeoutMs)
            .catch((error: unknown) => {
              throw new Error(`POST failed: ${errorMessage(error)}`);
            })
            .finally(() => inFlight--);
          if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
        };
        return {
          send,
          sendBatch: async (envelopes) => void (await Promise.all(envelopes.map(send))),
          drive: (target, inflight) => driveWithAutocannon(config, text, target, inflight),
          stats: () => ({ poolWaits }),
          close: async () => agent.destroy(),
        };
      },
      consumer: () => Promise.reject(new Error('http-post only sends: the clients of the room receive')),
    };
  },
});
