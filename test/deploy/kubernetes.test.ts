/**
 * deploy/kubernetes: every object of both overlays validates against the Kubernetes schemas, and
 * what the pods are told agrees with perfwarden itself: their command lines parse with the real
 * CLI (for every shard index), the configs they mount validate, the ports, probe paths and
 * writable volumes are the ones perfwarden serves and writes, and N is the same everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { buildProgram } from '../../src/cli/program.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { parseThresholdExpression } from '../../src/load/thresholds.js';
import { silentLogger } from '../../src/core/logger.js';
import { createRegistry } from '../../src/metrics/registry.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { captureIo } from '../helpers/capture-io.js';
import { findKubectl, kubectlKustomize, podTemplateOf, renderKustomization } from './kustomize.js';
import type { Container, K8sObject, PodSpec } from './kustomize.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OVERLAYS = `${ROOT}deploy/kubernetes/overlays`;

/** The schema of every kind the manifests use; a kind missing here fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
};

const byKindAndName = (a: K8sObject, b: K8sObject) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`);

/** The overlay's objects; where kubectl is installed, also checks that kustomize renders the same. */
function render(overlay: string): K8sObject[] {
  const objects = renderKustomization(`${OVERLAYS}/${overlay}`).sort(byKindAndName);
  const kubectl = findKubectl();
  if (kubectl !== undefined) assert.deepEqual(kubectlKustomize(kubectl, `${OVERLAYS}/${overlay}`).sort(byKindAndName), objects, 'kubectl kustomize renders what the test reads');
  return objects;
}

function validateAll(objects: readonly K8sObject[]): void {
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    assert.ok(Model !== undefined, `no schema in the test for ${o.apiVersion} ${o.kind}`);
    assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name} validates`);
  }
}

function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o !== undefined, `${kind}/${name} is rendered`);
  return o;
}

/** Kubernetes' `$(VAR)` expansion of command and args; a reference to an unknown variable fails. */
function expand(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m, name: string) => {
    const v = vars[name];
    assert.ok(v !== undefined, `$(${name}) in "${text}" is not set in the container`);
    return v;
  });
}

/** Parses `argv` with the real CLI's definitions (options, their value parsers) without running the command. */
async function parseWithCli(argv: readonly string[]): Promise<void> {
  const io = captureIo();
  const program = await buildProgram(io);
  const command = program.commands.find((c) => c.name() === argv[0]);
  assert.ok(command !== undefined, `perfwarden has a "${argv[0]}" command`);
  command.action(() => {});
  try {
    program.parse([...argv], { from: 'user' });
  } catch (thrown) {
    if (thrown instanceof CommanderError) assert.fail(`perfwarden ${argv.join(' ')}: ${io.stderr.trim() || thrown.message}`);
    throw thrown;
  }
}

/** Splits a shell command line into words: blanks separate, single quotes keep. Enough for the one line the merge Job runs. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

/** The value after `flag` in an argument list. */
function argAfter(args: readonly string[], flag: string): string {
  const i = args.indexOf(flag);
  assert.ok(i >= 0 && i + 1 < args.length, `${flag} is given`);
  return args[i + 1]!;
}

/** The volume mounted at the longest mount path containing `path`, and whether it may be written. */
function mountFor(pod: PodSpec, container: Container, path: string): { volume: NonNullable<PodSpec['volumes']>[number] | { name: string; claimTemplate: true }; writable: boolean } {
  const mount = (container.volumeMounts ?? [])
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  assert.ok(mount !== undefined, `${path} is on a mounted volume of ${container.name}`);
  const volume = pod.volumes?.find((v) => v.name === mount.name) ?? { name: mount.name, claimTemplate: true as const };
  return { volume, writable: mount.readOnly !== true };
}

/** What every perfwarden pod must be: non-root, read-only root filesystem, requests, a writable /tmp. */
function checkHardened(pod: PodSpec, c: Container): void {
  assert.equal(pod.securityContext?.runAsNonRoot, true, `${c.name}: runAsNonRoot`);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name}: read-only root filesystem`);
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${c.name}: no privilege escalation`);
  assert.ok(c.resources?.requests?.cpu !== undefined && c.resources.requests.memory !== undefined, `${c.name}: cpu and memory requests`);
  const tmp = mountFor(pod, c, '/tmp');
  assert.ok(tmp.writable && 'emptyDir' in tmp.volume, `${c.name}: /tmp is a writable emptyDir`);
}

/** The image's entrypoint, from the Dockerfile the image is built from. */
function dockerEntrypoint(): string[] {
  const line = readFileSync(`${ROOT}Dockerfile`, 'utf8').split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(line !== undefined, 'the Dockerfile has an ENTRYPOINT');
  return JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
}

function configMapText(objects: readonly K8sObject[], name: string, key: string): string {
  const text = (find(objects, 'ConfigMap', name) as { data?: Record<string, string> }).data?.[key];
  assert.ok(text !== undefined, `ConfigMap ${name} has ${key}`);
  return text;
}

test('probes overlay: a valid StatefulSet of N shards whose command line, config, ports, probes and volumes agree with perfwarden', async () => {
  const objects = render('probes');
  validateAll(objects);
  const sts = find(objects, 'StatefulSet', 'perfwarden-probes');
  const spec = sts.spec as { replicas: number; serviceName: string; volumeClaimTemplates: { metadata: { name: string } }[] };
  const pod = podTemplateOf(sts)!;
  const c = pod.spec.containers[0]!;
  checkHardened(pod.spec, c);
  assert.equal(c.image, 'perfwarden:0.1.0', 'the image comes from the kustomize images: entry');

  // Shard i of N: i from the pod-index label, N = replicas.
  const args = c.args ?? [];
  assert.equal(c.command, undefined, 'the image entrypoint (perfwarden) runs');
  assert.deepEqual(c.env?.find((e) => e.name === 'POD_INDEX')?.valueFrom, { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
  assert.equal(argAfter(args, '--shard'), `$(POD_INDEX)/${spec.replicas}`, 'the shard count is the number of replicas');
  for (let i = 0; i < spec.replicas; i++) await parseWithCli(args.map((a) => expand(a, { POD_INDEX: String(i) })));

  // The config the pods read is the ConfigMap's, and it is a valid perfwarden config.
  const configPath = argAfter(args, '--config');
  const configVolume = mountFor(pod.spec, c, configPath).volume;
  assert.ok('configMap' in configVolume && configVolume.configMap !== undefined, `${configPath} comes from a ConfigMap`);
  const config = loadConfigText(configMapText(objects, configVolume.configMap.name, posix.basename(configPath)), configPath, { PERFWARDEN_API_TOKEN: 'a-long-enough-token' });

  // Ports: the container's, the probes', the scrape annotation's and the Service's are the config's server.port.
  assert.equal(config.server.host, '0.0.0.0', 'the server listens on the pod IP, not loopback');
  const http = c.ports?.find((p) => p.name === 'http');
  assert.equal(http?.containerPort, config.server.port);
  assert.equal(pod.metadata?.annotations?.['prometheus.io/port'], String(config.server.port));
  assert.equal(pod.metadata?.annotations?.['prometheus.io/scrape'], 'true');
  assert.equal(c.readinessProbe?.httpGet?.port, 'http');
  assert.equal(c.livenessProbe?.httpGet?.port, 'http');
  const svc = find(objects, 'Service', spec.serviceName);
  assert.deepEqual((svc.spec as { ports: { targetPort: string }[] }).ports.map((p) => p.targetPort), ['http']);

  // The probe and scrape paths are routes perfwarden serves: ready answers 200 or 503, never 404.
  const app = createHttpServer({ logger: silentLogger(), registry: createRegistry({ defaultMetrics: false }), readiness: { ready: () => false, reason: () => 'starting' } });
  try {
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal((await app.inject({ url: pod.metadata?.annotations?.['prometheus.io/path'] ?? '' })).statusCode, 200);
  } finally {
    await app.close();
  }

  // SQLite lives on the pod's own claim, writable.
  const db = mountFor(pod.spec, c, config.storage.path);
  assert.ok(db.writable && 'claimTemplate' in db.volume, `${config.storage.path} is on a volumeClaimTemplate`);
  assert.ok(spec.volumeClaimTemplates.some((t) => t.metadata.name === db.volume.name));
});

test('load overlay: a valid Indexed Job of N shards and a merge Job whose command lines parse with the real CLI and agree on files, volumes and ports', async () => {
  const objects = render('load');
  validateAll(objects);
  const job = find(objects, 'Job', 'perfwarden-load');
  const spec = job.spec as { completionMode: string; completions: number; parallelism: number };
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.parallelism, spec.completions, 'all shards run at once');
  const n = spec.completions;
  const pod = podTemplateOf(job)!;
  const c = pod.spec.containers[0]!;
  checkHardened(pod.spec, c);
  assert.equal(c.image, 'perfwarden:0.1.0');
  assert.equal(c.command, undefined, 'the image entrypoint (perfwarden) runs');
  const args = c.args ?? [];
  assert.equal(argAfter(args, '--shard'), `$(JOB_COMPLETION_INDEX)/${n}`, 'the shard count is the number of completions');

  // START_AT: one instant for every shard, from the run's ConfigMap (the CLI parses it below).
  const startAtRef = c.env?.find((e) => e.name === 'START_AT')?.valueFrom as { configMapKeyRef: { name: string; key: string } };
  const startAt = configMapText(objects, startAtRef.configMapKeyRef.name, startAtRef.configMapKeyRef.key);
  assert.equal(argAfter(args, '--start-at'), '$(START_AT)');

  // Every shard's command line parses; JOB_COMPLETION_INDEX is what Kubernetes sets in an Indexed Job's pods.
  const outs: string[] = [];
  for (let i = 0; i < n; i++) {
    const argv = args.map((a) => expand(a, { JOB_COMPLETION_INDEX: String(i), START_AT: startAt }));
    await parseWithCli(argv);
    outs.push(argAfter(argv, '--out'));
  }
  assert.equal(new Set(outs).size, n, 'each shard writes its own file');

  // The load file is the ConfigMap's, a valid config with exactly one load (no --scenario needed).
  assert.equal(args[0], 'load');
  const loadPath = args[1]!;
  const loadVolume = mountFor(pod.spec, c, loadPath).volume;
  assert.ok('configMap' in loadVolume && loadVolume.configMap !== undefined);
  const loadConfig = loadConfigText(configMapText(objects, loadVolume.configMap.name, posix.basename(loadPath)), loadPath, {});
  assert.equal(loadConfig.loads.length, 1);
  // A shard judging its share would exit 99 and fail the Job (stopping the other shards): the merge judges.
  assert.equal(loadConfig.loads[0]?.thresholds, undefined, 'the shards run without thresholds');

  // Live metrics: the port served, declared and annotated for scraping.
  const metricsPort = argAfter(args, '--metrics-port');
  assert.equal(c.ports?.find((p) => p.name === 'metrics')?.containerPort, Number(metricsPort));
  assert.equal(pod.metadata?.annotations?.['prometheus.io/port'], metricsPort);

  // Results go to a writable, shared (ReadWriteMany) claim.
  const results = mountFor(pod.spec, c, dirname(outs[0]!));
  assert.ok(results.writable && 'persistentVolumeClaim' in results.volume && results.volume.persistentVolumeClaim !== undefined);
  const claimName = results.volume.persistentVolumeClaim.claimName;
  assert.deepEqual((find(objects, 'PersistentVolumeClaim', claimName).spec as { accessModes: string[] }).accessModes, ['ReadWriteMany']);

  // The merge Job: suspended until the shards completed, reads the same claim, its command parses.
  const merge = find(objects, 'Job', 'perfwarden-load-merge');
  assert.equal((merge.spec as { suspend?: boolean }).suspend, true, 'created suspended, resumed after the shards');
  const mergePod = podTemplateOf(merge)!;
  const m = mergePod.spec.containers[0]!;
  checkHardened(mergePod.spec, m);
  assert.deepEqual(m.command, ['/bin/sh', '-c']);
  const script = /^exec (.+)$/.exec(m.args?.[0] ?? '');
  assert.ok(script !== null && m.args?.length === 1, 'one shell line that execs perfwarden');
  const words = shellWords(script[1]!);
  const entrypoint = dockerEntrypoint();
  assert.deepEqual(words.slice(0, entrypoint.length), entrypoint, 'it runs the image entrypoint');
  // The shell expands the glob to the shards' files, as it would find them on the volume.
  const mergeArgv = words.slice(entrypoint.length).flatMap((w) => {
    if (!w.includes('*')) return [w];
    const pattern = new RegExp(`^${w.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    const matched = outs.filter((o) => pattern.test(o)).sort();
    assert.deepEqual(matched, [...outs].sort(), `${w} matches every shard's --out`);
    return matched;
  });
  assert.equal(mergeArgv[0], 'merge');
  await parseWithCli(mergeArgv);
  const thresholds = mergeArgv.flatMap((a, i) => (a === '--threshold' ? [mergeArgv[i + 1]!] : []));
  assert.ok(thresholds.length > 0, 'the merge judges the run');
  for (const t of thresholds) assert.doesNotThrow(() => parseThresholdExpression(t), t);
  for (const flag of ['--out', '--report']) {
    const file = mountFor(mergePod.spec, m, argAfter(mergeArgv, flag));
    assert.ok(file.writable && 'persistentVolumeClaim' in file.volume && file.volume.persistentVolumeClaim?.claimName === claimName, `${flag} on the results claim`);
  }
  for (const out of outs) {
    const read = mountFor(mergePod.spec, m, out);
    assert.ok('persistentVolumeClaim' in read.volume && read.volume.persistentVolumeClaim?.claimName === claimName, `${out} is read from the results claim`);
  }
});


