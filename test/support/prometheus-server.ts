import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned answer of the Prometheus HTTP API: HTTP status + the JSON body Prometheus sends. */
export interface PrometheusAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** `{"status":"success","data":{"resultType":"vector","result":[...]}}` with one sample per value. */
export function vector(...values: string[]): PrometheusAnswer {
  return {
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: values.map((value, i) => ({ metric: { instance: `pod-${i}` }, value: [1764331200, value] })),
      },
    },
  };
}

/** A Prometheus error body (`bad_data` is HTTP 400, `timeout` 503, `internal` 500). */
export function apiError(status: number, errorType: string, error: string): PrometheusAnswer {
  return { status, body: { status: 'error', errorType, error } };
}

/**
 * A local stand-in for the Prometheus HTTP API (`GET [/workspaces/<id>]/api/v1/query`) answering with the real response
 * shapes: each query string gets the answer set for it (or for a pattern it matches); others get an empty vector, or `vector(0)`'s
 * answer when the query ends with `or vector(0)`, as Prometheus would.
 *
 * @example
 * const prometheus = await startPrometheusServer();
 * prometheus.answers.set('sum(up)', vector('3'));
 */
export async function startPrometheusServer() {
  const answers = new Map<string, PrometheusAnswer>();
  /**
   * Answers for queries matching a pattern (e.g. any `[<n>s]` window), tried after the exact ones; a function
   * answers each query anew (metrics that change from one analysis to the next).
   */
  const patterns: [RegExp, PrometheusAnswer | (() => PrometheusAnswer)][] = [];
  const requests: { path: string; query: URLSearchParams; headers: IncomingHttpHeaders }[] = [];
  /** Run before each answer, then dropped: what happens while a release's analysis reads its metrics. */
  const beforeNextAnswer: (() => void)[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://prometheus');
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    for (const run of beforeNextAnswer.splice(0)) run();
    const query = url.searchParams.get('query') ?? '';
    const matched = patterns.find(([pattern]) => pattern.test(query))?.[1];
    const answer = !url.pathname.endsWith('/api/v1/query')
      ? { status: 404, body: '404 page not found\n' }
      : (answers.get(query) ??
        (typeof matched === 'function' ? matched() : matched) ??
        (/\bor vector\(0\)\s*$/.test(query) ? vector('0') : vector()));
    res.writeHead(answer.status, {
      'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
    });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    patterns,
    requests,
    beforeNextAnswer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
