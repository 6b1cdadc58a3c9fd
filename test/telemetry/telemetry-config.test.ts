/** `telemetry` config: schema, `${ENV}` substitution, and the `OTEL_*` defaults. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import { resolveOtlpSettings } from '../../src/config/sections/telemetry.js';
import { hasCode } from '../../src/core/errors.js';

test('defaults: off, 0.1 % of load requests', () => {
  const config = loadConfigText('{}', 'c.yaml', {});
  assert.equal(config.telemetry.loadRequestSampleRatio, 0.001);
  assert.equal(resolveOtlpSettings(config.telemetry.otlp, {}), undefined);
});

test('config with ${ENV}: endpoint gets /v1/traces, headers substituted', () => {
  const config = loadConfigText(`
telemetry:
  otlp:
    endpoint: http://collector:4318/
    headers: { authorization: "Bearer \${OTLP_TOKEN}" }
    samplingRatio: 0.25
    serviceName: pw-eu
`, 'c.yaml', { OTLP_TOKEN: 's3cret' });
  assert.deepEqual(resolveOtlpSettings(config.telemetry.otlp, {}), {
    url: 'http://collector:4318/v1/traces',
    headers: { authorization: 'Bearer s3cret' },
    samplingRatio: 0.25,
    serviceName: 'pw-eu',
  });
});

test('OTEL_* variables are the defaults; the config file wins over them', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1,x-b=hello%20world',
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.5',
  };
  assert.deepEqual(resolveOtlpSettings({ enabled: true }, env), {
    url: 'http://env:4318/v1/traces', headers: { 'x-a': '1', 'x-b': 'hello world' }, samplingRatio: 0.5, serviceName: 'from-env',
  });
  assert.equal(resolveOtlpSettings({ enabled: true }, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/custom' })?.url, 'http://t:1/custom');
  const mixed = resolveOtlpSettings({ enabled: true, endpoint: 'http://cfg:4318/v1/traces', headers: { 'x-a': 'cfg' }, serviceName: 'cfg' }, env);
  assert.equal(mixed?.url, 'http://cfg:4318/v1/traces');
  assert.deepEqual(mixed?.headers, { 'x-a': 'cfg', 'x-b': 'hello world' });
  assert.equal(mixed?.serviceName, 'cfg');
});

test('switched off by enabled: false, OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' };
  assert.equal(resolveOtlpSettings({ enabled: false, endpoint: 'http://cfg:4318' }, env), undefined);
  assert.equal(resolveOtlpSettings({ enabled: true }, { ...env, OTEL_SDK_DISABLED: 'true' }), undefined);
  assert.equal(resolveOtlpSettings({ enabled: true }, { ...env, OTEL_TRACES_EXPORTER: 'none' }), undefined);
});

test('bad values are reported with their path', () => {
  assert.throws(
    () => loadConfigText('telemetry:\n  otlp:\n    endpoint: collector:4318\n    samplingRatio: 2\n  loadRequestSampleRate: 1\n', 'c.yaml', {}),
    (err: unknown) => {
      assert.ok(hasCode(err, 'PW_ERR_CONFIG_INVALID'));
      const message = (err as Error).message;
      assert.match(message, /telemetry\.otlp\.endpoint/);
      assert.match(message, /telemetry\.otlp\.samplingRatio/);
      assert.match(message, /telemetry\.loadRequestSampleRate/);
      return true;
    },
  );
});
