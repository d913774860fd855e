/** The chat's Postgres tables, one set per sample: messages, and conversations (one row per room). */
import pg from 'pg';
import { queryOnce } from '../services/query-once.ts';
import type { SendMessage } from './message.ts';

export interface MessageStore {
  /** INSERT the message (the seeds' "validates & stores in DB"). */
  insert(message: SendMessage): Promise<void>;
  /** INSERT the message and UPDATE its conversation in one transaction (seed 003's controller). */
  insertAndTouchConversation(message: SendMessage): Promise<void>;
  close(): Promise<void>;
}

const names = (channel: string) => ({ messages: pg.escapeIdentifier(`${channel}_messages`), conversations: pg.escapeIdentifier(`${channel}_conversations`) });

const run = async (url: string, sql: string): Promise<void> => void (await queryOnce(url, sql));

export async function createTables(url: string, channel: string): Promise<void> {
  const { messages, conversations } = names(channel);
  await run(
    url,
    `DROP TABLE IF EXISTS ${messages}, ${conversations};
     CREATE TABLE ${messages} (id bigserial PRIMARY KEY, msg_id int NOT NULL, room text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
     CREATE TABLE ${conversations} (room text PRIMARY KEY, last_message_id bigint, message_count int NOT NULL DEFAULT 0, updated_at timestamptz);`,
  );
}

export async function dropTables(url: string, channel: string): Promise<void> {
  const { messages, conversations } = names(channel);
  await run(url, `DROP TABLE IF EXISTS ${messages}, ${conversations}`);
}

export function openStore(url: string, channel: string, poolSize: number): MessageStore {
  const { messages, conversations } = names(channel);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {}); // a failed query answers 500; the loss is counted by the harness
  const insertSql = `INSERT INTO ${messages} (msg_id, room, body) VALUES ($1, $2, $3) RETURNING id`;
  return {
    insert: async ({ id, room, text }) => void (await pool.query(insertSql, [id, room, text])),
    async insertAndTouchConversation({ id, room, text }) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string }>(insertSql, [id, room, text]);
        await client.query(
          `INSERT INTO ${conversations} (room, last_message_id, message_count, updated_at) VALUES ($1, $2, 1, now())
           ON CONFLICT (room) DO UPDATE SET last_message_id = EXCLUDED.last_message_id, message_count = ${conversations}.message_count + 1, updated_at = now()`,
          [room, rows[0]!.id],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
