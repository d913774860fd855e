/** Where each role lives. A child process or thread loads only the role it runs; a spec never names a module of its own. */
import type { RoleName } from '../roles/protocol.ts';
import type { Role } from '../roles/role.ts';

// The entry points check each message, not these signatures: a role's types are its module's business.
type AnyRole = Role<any, any, any, any, any>;

export const ROLES: Readonly<Record<RoleName, () => Promise<{ default: AnyRole }>>> = {
  consumer: () => import('../roles/consumer.ts'),
  producer: () => import('../roles/producer.ts'),
  baseline: () => import('../roles/baseline.ts'),
  'broadcast-server': () => import('../broadcast/server-role.ts'),
  'broadcast-client': () => import('../broadcast/client-role.ts'),
  'http-process': () => import('../http/process-role.ts'),
};

export async function loadRole(name: string): Promise<AnyRole> {
  const load = ROLES[name as RoleName];
  if (!load) throw new Error(`unknown role "${name}"`);
  return (await load()).default;
}
