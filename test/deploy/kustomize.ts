/**
 * Renders a kustomize directory to its objects: with `kubectl kustomize` where kubectl is
 * installed, and always with a small renderer that reads the same YAML directly, so the manifests
 * are checked on a machine without kubectl (CI) too. The small renderer knows only what
 * deploy/kubernetes uses (resources, configMapGenerator without hash suffix, images) and refuses
 * anything else, so it cannot silently render something kustomize would not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[]; options?: { disableNameSuffixHash?: boolean } }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'images']);

/** The path of `kubectl` on PATH, or undefined. */
export function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'kubectl');
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}

/** `kubectl kustomize dir`, parsed. */
export function kubectlKustomize(kubectl: string, dir: string): K8sObject[] {
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

/** Renders `dir` (a folder with kustomization.yaml) without kustomize. */
export function renderKustomization(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unknown = Object.keys(k).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: the test's renderer does not support ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = join(dir, r);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject).filter((o) => o !== null));
  }
  for (const g of k.configMapGenerator ?? []) {
    if (g.options?.disableNameSuffixHash !== true) throw new Error(`${dir}: configMapGenerator ${g.name} with a hash suffix is not supported by the test's renderer`);
    const data: Record<string, string> = {};
    for (const f of g.files ?? []) data[basename(f)] = readFileSync(join(dir, f), 'utf8');
    for (const l of g.literals ?? []) {
      const i = l.indexOf('=');
      data[l.slice(0, i)] = l.slice(i + 1);
    }
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
  }
  for (const image of k.images ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      if (container.image !== image.name && !container.image.startsWith(`${image.name}:`)) continue;
      const [, oldTag] = container.image.split(':');
      const tag = image.newTag ?? oldTag;
      container.image = `${image.newName ?? image.name}${tag === undefined ? '' : `:${tag}`}`;
    }
  }
  return objects;
}

/** A container of a pod template, as far as these tests read it. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** A pod template spec, as far as these tests read it. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
}

/** The pod template of a workload, if it has one. */
export function podTemplateOf(o: K8sObject): { metadata?: { annotations?: Record<string, string> }; spec: PodSpec } | undefined {
  const spec = o.spec as { template?: { metadata?: { annotations?: Record<string, string> }; spec: PodSpec } } | undefined;
  return spec?.template;
}

function containersOf(o: K8sObject): Container[] {
  const pod = podTemplateOf(o)?.spec;
  return pod === undefined ? [] : [...pod.containers, ...(pod.initContainers ?? [])];
}
