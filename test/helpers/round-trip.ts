/** A real command against the real server, not just a connection. */
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceKind } from '../../harness/services/types.ts';

export const roundTrip: Record<ServiceKind, (url: string) => Promise<void>> = {
  async redis(url) {
    const client = new Redis(url);
    try {
      await client.set('hopbench:test', 'value');
      assert.equal(await client.get('hopbench:test'), 'value');
    } finally {
      client.disconnect();
    }
  },
  async postgres(url) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      await client.query('CREATE TABLE t (n int)');
      await client.query('INSERT INTO t VALUES (41), (1)');
      assert.equal((await client.query('SELECT sum(n)::int AS s FROM t')).rows[0].s, 42);
    } finally {
      await client.end();
    }
  },
  async rabbitmq(url) {
    const connection = await amqp.connect(url);
    try {
      const channel = await connection.createConfirmChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      channel.sendToQueue(queue, Buffer.from('hello'));
      await channel.waitForConfirms();
      const message = await channel.get(queue, { noAck: true });
      assert.ok(message);
      assert.equal(message.content.toString(), 'hello');
    } finally {
      await connection.close();
    }
  },
};
