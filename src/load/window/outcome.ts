/**
 * What became of one request: the class of its HTTP status, or why it produced no response.
 * Classes are metric label values (`status_class`) and result keys, so the set is closed.
 */

/** Why a request did not produce a response, or the class of the status it produced. */
export type OutcomeClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'reset' | 'refused' | 'dns' | 'tls' | 'error';

/** Every outcome class, for pre-initialised counters and metric series. */
export const OUTCOME_CLASSES: readonly OutcomeClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'timeout', 'reset', 'refused', 'dns', 'tls', 'error'];

/** The class of an HTTP status. */
export function statusClass(status: number): OutcomeClass {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/** Classes of failed connections: their latency says nothing about the target's speed. */
export function isConnectFailure(cls: OutcomeClass): boolean {
  return cls === 'refused' || cls === 'dns' || cls === 'tls';
}
