/**
 * The docker-compose stack, checked statically (there is no Docker engine here): the file parses,
 * every file it mounts exists, host ports do not collide, the configs inside it pass their own
 * tools (`promtool check config`, `amtool check-config`, perfwarden's config loader), and the
 * services refer to each other by names and ports that exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatePrometheusRules, renderPrometheusRules } from '../../src/alerts/prometheus-rules.js';
import { loadConfigFile } from '../../src/config/load-config.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const at = (p: string) => join(ROOT, p);

interface Service {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}
interface Compose { services: Record<string, Service>; volumes?: Record<string, unknown> }

const compose = parse(readFileSync(at('docker-compose.yml'), 'utf8')) as Compose;
const services = compose.services;

/** `./host:/container[:ro]` bind mounts of a service. */
function binds(service: Service): { host: string; container: string }[] {
  return (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([host]) => host !== undefined && (host.startsWith('./') || host.startsWith('/')))
    .map(([host, container]) => ({ host: host!, container: container! }));
}

function publishedPorts(service: Service): { host: number; container: number }[] {
  return (service.ports ?? []).map((p) => {
    const parts = p.split(':').map(Number);
    return { host: parts.at(-2) ?? NaN, container: parts.at(-1) ?? NaN };
  });
}

function hostPart(url: string): { host: string; port: number } {
  const u = new URL(url.includes('://') ? url : `tcp://${url}`);
  return { host: u.hostname, port: Number(u.port) };
}

test('the compose file has the whole stack', () => {
  for (const name of ['perfwarden', 'prometheus', 'grafana', 'alertmanager', 'jaeger', 'mailpit']) {
    assert.ok(services[name], `service ${name}`);
  }
  assert.ok(existsSync(at('Dockerfile')));
  const build = services.perfwarden?.build;
  assert.equal(typeof build === 'string' ? build : build?.context, '.');
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
    for (const v of s.volumes ?? []) {
      const [source] = v.split(':');
      if (source !== undefined && !source.startsWith('.') && !source.startsWith('/')) {
        assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is declared`);
      }
    }
  }
});

test('every mounted file or directory exists', () => {
  let count = 0;
  for (const [name, s] of Object.entries(services)) {
    for (const { host, container } of binds(s)) {
      assert.ok(existsSync(at(host)), `${name} mounts ${host}, which does not exist`);
      // A file mounted on a file-looking target must be a file (Docker would create a directory otherwise).
      if (/\.(ya?ml|json)$/.test(container)) assert.ok(statSync(at(host)).isFile(), `${host} must be a file`);
      count += 1;
    }
  }
  assert.ok(count >= 6, `only ${count} bind mounts`);
});

test('published host ports do not collide', () => {
  const seen = new Map<number, string>();
  for (const [name, s] of Object.entries(services)) {
    for (const { host } of publishedPorts(s)) {
      assert.ok(Number.isInteger(host) && host > 0, `${name}: bad port`);
      assert.equal(seen.get(host), undefined, `host port ${host} used by ${seen.get(host)} and ${name}`);
      seen.set(host, name);
    }
  }
  assert.ok(seen.size >= 6);
});

const COMPOSE_RULES = 'alerts/compose.rules.yml';
const RULES_IN_CONTAINER = '/etc/prometheus/rules/compose.rules.yml';

interface PrometheusYml {
  rule_files?: string[];
  scrape_configs: { static_configs: { targets: string[] }[] }[];
  alerting?: unknown;
}

test('the Prometheus config passes promtool check config, rules included, and scrapes real services', () => {
  const mounts = binds(services.prometheus!);
  const configMount = mounts.find((m) => m.container === '/etc/prometheus/prometheus.yml');
  const rulesMount = mounts.find((m) => m.container === RULES_IN_CONTAINER);
  assert.ok(configMount, 'prometheus.yml is mounted');
  assert.equal(rulesMount?.host, `./${COMPOSE_RULES}`, 'the rules generated from config/compose.yaml are mounted');
  assert.ok(services.prometheus?.command?.includes('--enable-feature=exemplar-storage'), 'exemplar storage on');
  const prom = parse(readFileSync(at(configMount.host), 'utf8')) as PrometheusYml;
  assert.deepEqual(prom.rule_files, ['rules/compose.rules.yml'], 'Prometheus loads exactly the compose rules');

  // Lay the files out as the container sees them, so promtool also checks the rule file.
  const dir = mkdtempSync(join(tmpdir(), 'pw-compose-'));
  try {
    copyFileSync(at(configMount.host), join(dir, 'prometheus.yml'));
    mkdirSync(join(dir, 'rules'));
    copyFileSync(at(rulesMount.host), join(dir, 'rules', 'compose.rules.yml'));
    const run = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(`${run.stdout}${run.stderr}`, /SUCCESS: [1-9]\d* rules found/, 'the rule file is checked');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const targets = prom.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
  for (const t of targets) {
    const { host } = hostPart(t);
    assert.ok(host === 'localhost' || services[host], `scrape target ${t} is a compose service`);
  }
});

test('the compose rules are generated from config/compose.yaml, current, and pass promtool check rules', () => {
  const config = loadConfigFile(at('config/compose.yaml'), {});
  const generated = renderPrometheusRules(generatePrometheusRules(config.alerts), 'config/compose.yaml');
  assert.equal(readFileSync(at(COMPOSE_RULES), 'utf8'), generated, `regenerate: npx tsx src/cli.ts rules --config config/compose.yaml -o ${COMPOSE_RULES}`);
  const rules = parse(generated) as { groups: { rules: { alert: string }[] }[] };
  const names = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)));
  assert.deepEqual([...names].sort(), config.alerts.map((a) => a.name).sort(), 'the same alert set perfwarden evaluates');
  const run = spawnSync('promtool', ['check', 'rules', at(COMPOSE_RULES)], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});

test('one path to Alertmanager: perfwarden notifies it, Prometheus only evaluates', () => {
  const prom = parse(readFileSync(at('config/prometheus/prometheus.yml'), 'utf8')) as PrometheusYml;
  assert.equal(prom.alerting, undefined, 'Prometheus sends no alerts (perfwarden\'s alertmanager channel does)');
  const config = loadConfigFile(at('config/compose.yaml'), {});
  const am = config.notifications.channels.filter((c) => c.type === 'alertmanager');
  assert.equal(am.length, 1);
  assert.ok(Object.keys(services.perfwarden?.depends_on ?? {}).includes('alertmanager'));
});

test('the Alertmanager config passes amtool check-config and mails Mailpit', { skip: !existsSync('/usr/bin/amtool') && 'amtool not installed' }, () => {
  const mount = binds(services.alertmanager!).find((m) => m.container === '/etc/alertmanager/alertmanager.yml');
  assert.ok(mount);
  const run = spawnSync('amtool', ['check-config', at(mount.host)], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  const am = parse(readFileSync(at(mount.host), 'utf8')) as { global: { smtp_smarthost: string } };
  assert.equal(hostPart(am.global.smtp_smarthost).host, 'mailpit');
});

test("perfwarden's compose config is valid and points at the stack's services", () => {
  const mount = binds(services.perfwarden!).find((m) => m.container === '/app/config/compose.yaml');
  assert.ok(mount, 'config/compose.yaml is mounted');
  assert.deepEqual(services.perfwarden?.command?.slice(-2), ['--config', mount.container]);
  const config = loadConfigFile(at(mount.host), {});
  const published = publishedPorts(services.perfwarden!).map((p) => p.container);
  assert.equal(config.server.host, '0.0.0.0');
  assert.ok(published.includes(config.server.port), 'the daemon port is published');
  assert.ok(!published.includes(config.demo.port), 'the demo target (unauthenticated /admin/knobs) is not published');
  // The healthcheck asks the port the daemon listens on.
  assert.match((services.perfwarden?.healthcheck?.test ?? []).join(' '), new RegExp(`127\\.0\\.0\\.1:${config.server.port}/readyz`));
  const otlp = config.telemetry.otlp.endpoint;
  assert.ok(otlp !== undefined);
  assert.deepEqual(hostPart(otlp), { host: 'jaeger', port: 4318 });
  const email = config.notifications.channels.find((c) => c.type === 'email');
  assert.ok(email && email.type === 'email');
  assert.equal(email.host, 'mailpit');
  assert.equal(email.port, 1025);
  const am = config.notifications.channels.find((c) => c.type === 'alertmanager');
  assert.ok(am && am.type === 'alertmanager');
  assert.equal(hostPart(am.url).host, 'alertmanager');
});

test('Grafana provisions the Prometheus datasource (exemplars → Jaeger) and the dashboards folder', () => {
  const mounts = binds(services.grafana!);
  const provisioning = mounts.find((m) => m.container === '/etc/grafana/provisioning');
  const dashboards = mounts.find((m) => m.host === './dashboards');
  assert.ok(provisioning && dashboards);
  const ds = parse(readFileSync(join(at(provisioning.host), 'datasources/datasources.yml'), 'utf8')) as {
    datasources: { uid: string; type: string; url: string; isDefault?: boolean; jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] } }[];
  };
  const prom = ds.datasources.find((d) => d.type === 'prometheus');
  assert.ok(prom?.isDefault, 'Prometheus is the default (the ${DS_PROMETHEUS} variable picks it)');
  assert.equal(hostPart(prom.url).host, 'prometheus');
  const dest = prom.jsonData?.exemplarTraceIdDestinations?.[0];
  assert.equal(dest?.name, 'trace_id');
  assert.ok(ds.datasources.some((d) => d.uid === dest?.datasourceUid && d.type === 'jaeger'));
  const providers = parse(readFileSync(join(at(provisioning.host), 'dashboards/dashboards.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
  assert.equal(providers.providers[0]?.options.path, dashboards.container);
  assert.ok(readdirSync(at(dashboards.host)).filter((f) => f.endsWith('.json')).length >= 4);
});

test('the Dockerfile copies only what the repository has and runs the built CLI', () => {
  const dockerfile = readFileSync(at('Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  assert.ok(copies.length >= 4);
  for (const source of copies) assert.ok(existsSync(at(source)), `COPY ${source}: missing`);
  assert.match(dockerfile, /ENTRYPOINT \["node", "dist\/cli\.js"\]/);
  const build = JSON.parse(readFileSync(at('tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'dist'], 'src/cli.ts compiles to dist/cli.js');
  const ignored = readFileSync(at('.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', '.git', 'data']) assert.ok(ignored.includes(entry), `.dockerignore has ${entry}`);
});

/** The host address of a `host:port:container` mapping, after compose's `${VAR:-default}`. */
function bindAddress(mapping: string, env: Record<string, string> = {}): string {
  const resolved = mapping.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, name: string, fallback: string) => env[name] ?? fallback);
  const parts = resolved.split(':');
  return parts.length === 3 ? parts[0]! : '0.0.0.0';
}

test('only the UIs a person opens are published, on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
  const published = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, publishedPorts(s).map((p) => p.container)]));
  assert.deepEqual(published, { perfwarden: [9464], prometheus: [9090], alertmanager: [9093], grafana: [3000], jaeger: [16686], mailpit: [8025] });
  for (const [name, s] of Object.entries(services)) {
    for (const mapping of s.ports ?? []) {
      assert.equal(bindAddress(mapping), '127.0.0.1', `${name}: ${mapping}`);
      assert.equal(bindAddress(mapping, { BIND_ADDRESS: '0.0.0.0' }), '0.0.0.0', `${name}: ${mapping} follows BIND_ADDRESS`);
    }
  }
});

test('every service has a healthcheck, and depends_on waits for it', () => {
  for (const [name, s] of Object.entries(services)) {
    const hc = s.healthcheck;
    assert.ok(hc, `${name} has a healthcheck`);
    assert.equal(hc.test[0], 'CMD', `${name}: exec form, no shell needed in the image`);
    assert.ok(hc.test.length >= 2);
    assert.match(hc.interval ?? '', /^\d+s$/, `${name} interval`);
    assert.match(hc.timeout ?? '', /^\d+s$/, `${name} timeout`);
    // An HTTP check asks a port the service listens on inside its container.
    const url = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(hc.test.join(' '));
    if (url !== null && publishedPorts(s).length > 0 && name !== 'jaeger') {
      assert.ok(publishedPorts(s).some((p) => p.container === Number(url[1])), `${name} healthcheck port ${url[1]}`);
    }
    for (const [dep, how] of Object.entries(s.depends_on ?? {})) {
      assert.equal(how.condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
    }
  }
  assert.ok(Object.keys(services.grafana?.depends_on ?? {}).includes('prometheus'));
  assert.ok(Object.keys(services.prometheus?.depends_on ?? {}).includes('perfwarden'));
  // No cycle: every service can start.
  const started = new Set<string>();
  for (let round = 0; round < Object.keys(services).length; round++) {
    for (const [name, s] of Object.entries(services)) if (Object.keys(s.depends_on ?? {}).every((d) => started.has(d))) started.add(name);
  }
  assert.equal(started.size, Object.keys(services).length, 'depends_on has no cycle');
});

test('Alertmanager (silences, notification log) and Grafana keep their state on named volumes', () => {
  const named = (s: Service, container: string) => (s.volumes ?? []).some((v) => {
    const [source, target] = v.split(':');
    return target === container && source !== undefined && compose.volumes !== undefined && source in compose.volumes;
  });
  assert.ok(services.alertmanager?.command?.includes('--storage.path=/alertmanager'));
  assert.ok(named(services.alertmanager!, '/alertmanager'), 'alertmanager /alertmanager');
  assert.ok(named(services.grafana!, '/var/lib/grafana'), 'grafana /var/lib/grafana');
  assert.ok(named(services.prometheus!, '/prometheus'));
  assert.ok(named(services.perfwarden!, '/data'));
});

test('credentials come from .env: required, no default; .env.example lists every variable, secrets empty', () => {
  const text = readFileSync(at('docker-compose.yml'), 'utf8');
  const used = new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
  assert.match(services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD ?? '', /^\$\{GRAFANA_ADMIN_PASSWORD:\?/, 'no admin/admin');
  assert.match(services.perfwarden?.environment?.PERFWARDEN_API_TOKEN ?? '', /^\$\{PERFWARDEN_API_TOKEN:\?/, 'no default token');
  const example = new Map(readFileSync(at('.env.example'), 'utf8').split('\n')
    .filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  assert.deepEqual([...used].sort(), [...example.keys()].sort(), '.env.example documents exactly the variables the compose file reads');
  assert.equal(example.get('GRAFANA_ADMIN_PASSWORD'), '', 'a secret has no shipped value');
  assert.equal(example.get('PERFWARDEN_API_TOKEN'), '');
  assert.equal(example.get('BIND_ADDRESS'), '127.0.0.1');
  for (const ignoreFile of ['.gitignore', '.dockerignore']) {
    assert.ok(readFileSync(at(ignoreFile), 'utf8').split('\n').includes('.env'), `${ignoreFile} keeps .env out`);
  }
});
