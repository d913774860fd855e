/** `k8s render`: manifests valid against the Kubernetes schemas, agents' DNS names matching their Service. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, describe, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-test-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: Record<string, unknown>;
}

describe('k8s render', () => {
  it('writes a headless Service, a StatefulSet of agents and a coordinator Job that pass the Kubernetes schemas', async () => {
    const out = join(dir, 'run.json');
    const result = await runCli(['k8s', 'render', '--agents', '3', '--image', 'registry.example.com/hopbench:0.1.0', '--namespace', 'bench', '--secret', 'hb', '--out', out, '--', 'process', '--transports', 'bullmq', '--workers', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /kubectl -n bench create secret generic hb --from-literal=token=/);
    const list = JSON.parse(readFileSync(out, 'utf8')) as { kind: string; items: Manifest[] };
    assert.equal(list.kind, 'List');
    const byKind = Object.fromEntries(list.items.map((item) => [item.kind, item])) as Record<string, Manifest & Record<string, unknown>>;
    // validate() throws on anything the schemas refuse.
    new Service(byKind.Service as never).validate();
    new StatefulSet(byKind.StatefulSet as never).validate();
    new Job(byKind.Job as never).validate();

    const service = byKind.Service!;
    const agents = byKind.StatefulSet!;
    assert.equal((service.spec as { clusterIP: string }).clusterIP, 'None', 'headless: one DNS name per agent');
    assert.equal((agents.spec as { serviceName: string }).serviceName, service.metadata.name);
    assert.equal((agents.spec as { replicas: number }).replicas, 3);
    const job = byKind.Job!.spec as { template: { spec: { containers: Array<{ args: string[]; resources: { requests: object; limits: object }; env: Array<{ name: string; valueFrom?: { secretKeyRef: { name: string } } }> }> } } };
    const coordinator = job.template.spec.containers[0]!;
    const urls = coordinator.args[coordinator.args.indexOf('--agents') + 1]!.split(',');
    assert.deepEqual(urls, [0, 1, 2].map((index) => `http://${agents.metadata.name}-${index}.${service.metadata.name}.bench.svc.cluster.local:7400`));
    assert.deepEqual(coordinator.args.slice(0, 6), ['bench', 'process', '--transports', 'bullmq', '--workers', '3']);
    assert.ok(coordinator.resources.requests && coordinator.resources.limits);
    assert.equal(coordinator.env.find((variable) => variable.name === 'HOPBENCH_AGENT_TOKEN')?.valueFrom?.secretKeyRef.name, 'hb');
    assert.doesNotMatch(readFileSync(out, 'utf8'), /password|redis:\/\/|amqp:\/\//, 'no secret in a manifest');
  });

  it('refuses bad input with one line and exit 2', async () => {
    for (const [args, pattern] of [
      [['--agents', '0', '--image', 'x:1'], /invalid --agents "0"/],
      [['--agents', '2', '--image', 'x:1', '--namespace', 'Bad_NS'], /invalid --namespace "Bad_NS"/],
      [['--agents', '2', '--image', 'x:1', '--', 'process', '--agents', 'http://a:1'], /must not set --agents or --services/],
    ] as const) {
      const result = await runCli(['k8s', 'render', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  });
});
