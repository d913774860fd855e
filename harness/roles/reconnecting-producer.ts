/**
 * A producer that survives its broker going away, as a production service would: a failed send marks the
 * connection broken, and a new producer is built after a delay (and again until one can be built). Sends while
 * it is broken fail at once instead of waiting, so an outage shows up as refused sends, not as a stalled sender.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../host/errors.ts';
import type { Envelope, Producer } from '../transports/types.ts';

export async function reconnectingProducer(build: () => Promise<Producer>, delayMs: number, signal: AbortSignal): Promise<Producer> {
  let current: Producer | undefined = await build();
  let lastError = '';
  const reconnect = async (failed: Producer) => {
    void failed.close().catch(() => {});
    while (!signal.aborted) {
      await sleep(delayMs);
      try {
        current = await build();
        return;
      } catch (error) {
        lastError = errorMessage(error);
      }
    }
  };
  const guarded = async (send: (producer: Producer) => Promise<void>): Promise<void> => {
    const producer = current;
    if (!producer) throw new Error(`not connected (reconnecting after: ${lastError})`);
    try {
      await send(producer);
    } catch (error) {
      if (current === producer) {
        current = undefined;
        lastError = errorMessage(error);
        void reconnect(producer);
      }
      throw error;
    }
  };
  return {
    send: (envelope: Envelope) => guarded((producer) => producer.send(envelope)),
    sendBatch: (envelopes: readonly Envelope[]) => guarded((producer) => producer.sendBatch(envelopes)),
    close: async () => current?.close(),
  };
}
