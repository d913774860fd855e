/** `k8s render --agents N --image ref [...] [-- bench args]`: the manifests of a distributed run (see k8s/render.ts). */
import { writeFileSync } from 'node:fs';
import { UsageError } from '../host/errors.ts';
import { renderManifests, type RenderOptions } from '../k8s/render.ts';

export interface K8sRenderOptions {
  readonly agents: string;
  readonly image: string;
  readonly namespace: string;
  readonly secret: string;
  readonly port: string;
  readonly cpu: string;
  readonly memory: string;
  readonly out?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function k8sRenderCommand(bench: readonly string[], options: K8sRenderOptions): void {
  const agents = Number(options.agents);
  if (!Number.isInteger(agents) || agents < 1 || agents > 1000) throw new UsageError(`invalid --agents "${options.agents}": use a whole number of agents from 1 to 1000`);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`invalid --port "${options.port}": use a TCP port from 1 to 65535`);
  for (const [flag, value] of [['--namespace', options.namespace], ['--secret', options.secret]] as const) {
    if (!DNS_LABEL.test(value)) throw new UsageError(`invalid ${flag} "${value}": use a Kubernetes name (lower-case letters, digits and -, at most 63)`);
  }
  if (!/^[\w./:@-]+$/.test(options.image)) throw new UsageError(`invalid --image "${options.image}": use an image reference such as registry.example.com/hopbench:0.1.0`);
  if (bench.some((arg) => arg === '--agents' || arg === '--services')) throw new UsageError('the bench arguments after -- must not set --agents or --services: render sets them');
  const render: RenderOptions = { agents, image: options.image, namespace: options.namespace, secret: options.secret, bench: bench.length ? bench : ['process'], port, cpu: options.cpu, memory: options.memory };
  const manifests = `${JSON.stringify(renderManifests(render), null, 2)}\n`;
  if (options.out) writeFileSync(options.out, manifests);
  else process.stdout.write(manifests);
  process.stderr.write(
    `k8s: ${agents} agents and a coordinator in namespace ${options.namespace}. Create the Secret first:\n` +
      `  kubectl -n ${options.namespace} create secret generic ${options.secret} --from-literal=token=$(openssl rand -hex 16) ` +
      '--from-literal=REDIS_URL=redis://… --from-literal=AMQP_URL=amqp://… --from-literal=DATABASE_URL=postgres://…\n' +
      `then kubectl apply -f ${options.out ?? '<this output>'}; the result: kubectl -n ${options.namespace} logs job/hopbench-coordinator\n`,
  );
}
