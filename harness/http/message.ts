/** The `POST /send-message` body: validated, or a reason for the 400. */
import { z } from 'zod';

export const sendMessageBody = z
  .object({
    /** Harness message id and CLOCK_MONOTONIC send time (ns), carried through to the clients for measuring. */
    id: z.number().int().nonnegative(),
    sentAtNs: z.number().nonnegative(),
    room: z.string().regex(/^r\d+$/, { message: 'must be a room name like r0' }),
    text: z.string().min(1).max(4_096),
  })
  .strict();

export type SendMessage = z.output<typeof sendMessageBody>;

export function parseSendMessage(raw: string): SendMessage | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { error: 'body is not JSON' };
  }
  const parsed = sendMessageBody.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return { error: `${issue.path.join('.') || 'body'}: ${issue.message}` };
}
