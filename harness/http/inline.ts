/**
 * Seed 003's "controller": the API does all the database work inside the request (INSERT the message, UPDATE the
 * conversation, one transaction) and the emit, and answers 200 after.
 */
import { inProcessArchitecture } from './in-process.ts';

export default inProcessArchitecture({
  name: 'inline',
  description: 'one process: HTTP handler runs the DB transaction (INSERT message, UPDATE conversation) and the emit, answers 200',
  store: 'Postgres transaction (INSERT message, UPDATE conversation)',
  save: (db, message) => db.insertAndTouchConversation(message),
});
