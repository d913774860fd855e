import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors.ts';
import { NS_PER_MS, NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram } from '../measure/histogram.ts';
import type { LoadModel, LoadOutcome, LoadTarget } from './types.ts';

/**
 * Open loop at `perSec` messages per second. Message i is due at start + i/perSec; each is stamped with that
 * intended time, sent without waiting for earlier sends, and the sender's lateness goes into its own histogram.
 */
export function open({ perSec }: { perSec: number }): LoadModel {
  return {
    name: 'open',
    params: { perSec },
    spec: { model: 'open', perSec },
    async run(target: LoadTarget): Promise<LoadOutcome> {
      const senderLag = createHistogram();
      const acceptLatency = createHistogram();
      const intervalNs = NS_PER_S / perSec;
      const startNs = target.startNs ?? nowNs();
      const pending = new Set<Promise<void>>();
      let sendErrors = 0;
      let firstSendError: string | undefined;
      let id = target.from;
      const more = () => id < target.to && !target.signal.aborted && (target.untilNs === undefined || nowNs() < target.untilNs);
      while (more()) {
        const now = nowNs();
        // Everything due by now goes out in this turn of the loop, each with its own intended time.
        while (id < target.to) {
          const intendedNs = startNs + (id - target.from) * intervalNs;
          if (intendedNs > now) break;
          senderLag.recordValue(Math.max(1, now - intendedNs));
          const sentId = id++;
          const sending = target.producer.send({ id: sentId, sentAtNs: intendedNs, payload: target.payload }).then(
            () => {
              acceptLatency.recordValue(Math.max(1, nowNs() - intendedNs));
              target.accepted(sentId);
            },
            (error) => {
              sendErrors++;
              firstSendError ??= errorMessage(error);
            },
          );
          pending.add(sending);
          void sending.finally(() => pending.delete(sending));
        }
        const nextDueNs = startNs + (id - target.from) * intervalNs;
        const waitMs = (nextDueNs - nowNs()) / NS_PER_MS;
        // Timers have ~1 ms granularity: yield to I/O when the next send is due sooner.
        await (waitMs >= 1 ? sleep(Math.floor(waitMs)) : new Promise((resolve) => setImmediate(resolve)));
      }
      await Promise.all(pending);
      return { startNs, endNs: nowNs(), sent: id - target.from, sendErrors, firstSendError, senderLag, acceptLatency };
    },
  };
}
