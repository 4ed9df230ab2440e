/**
 * Which exposition format a scraper asked for in its Accept header (RFC 9110 §12.5.1): OpenMetrics
 * 1.0 when it prefers it to the Prometheus text format (Prometheus itself sends
 * `application/openmetrics-text;version=1.0.0,…,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`),
 * else the text format, which every scraper reads. Pure.
 */
import { Registry, type RegistryContentType } from 'prom-client';

/** The quality (q) a media range gives, 1 when it names none; NaN for a value that is not a q-value. */
function quality(params: readonly string[]): number {
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim());
    if (name.toLowerCase() === 'q') return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? '') ? Number(value) : NaN;
  }
  return 1;
}

/** The OpenMetrics version a media range asks for, or undefined when it names none. */
function version(params: readonly string[]): string | undefined {
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim());
    if (name.toLowerCase() === 'version') return value;
  }
  return undefined;
}

export function negotiate(accept: string | undefined): RegistryContentType {
  if (accept === undefined) return Registry.PROMETHEUS_CONTENT_TYPE;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    const q = quality(params);
    if (!(q > 0)) continue;
    const media = type.trim().toLowerCase();
    if (media === 'application/openmetrics-text') {
      // 1.0.0 is what prom-client writes; an older version asked for alone is not this format.
      const v = version(params);
      if (v === undefined || v === '1.0.0') openMetrics = Math.max(openMetrics, q);
    } else if (media === 'text/plain' || media === 'text/*' || media === '*/*') {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
}
