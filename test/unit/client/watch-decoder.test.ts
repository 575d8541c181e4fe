import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../control/api/errors.js';
import { WatchLineDecoder, parseWatchLine } from '../../../control/client/watch-decoder.js';
import { errorFromBody } from '../../../control/client/status.js';
import { queryString, resourcePath } from '../../../control/client/paths.js';
import { findResource } from '../../../control/api/resources.js';

const ev = (type: string, name: string, rv: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type, object: { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'default', resourceVersion: rv }, ...extra } }) + '\n';

describe('WatchLineDecoder', () => {
  const stream = ev('ADDED', 'a', '1') + ev('MODIFIED', 'a', '2', { note: 'héllo — ünïcode ✓' }) + ev('DELETED', 'a', '3');

  it('yields the same lines whatever the chunk boundaries, including inside UTF-8 characters', () => {
    const bytes = Buffer.from(stream, 'utf8');
    const expected = stream.split('\n').filter(Boolean);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const d = new WatchLineDecoder();
      const lines: string[] = [];
      for (let i = 0; i < bytes.length; i += size) lines.push(...d.push(bytes.subarray(i, i + size)));
      lines.push(...d.end());
      expect(lines, `chunk size ${size}`).toEqual(expected);
    }
  });

  it('keeps a partial line until its newline and returns an unterminated last line at end', () => {
    const d = new WatchLineDecoder();
    const line = ev('ADDED', 'b', '5').trimEnd();
    expect(d.push(line.slice(0, 10))).toEqual([]);
    expect(d.push(line.slice(10) + '\n\n' + '{"type":"BOOK')).toEqual([line]);
    expect(d.push('MARK","object":{"metadata":{"resourceVersion":"9"}}}')).toEqual([]);
    expect(d.end()).toEqual(['{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}']);
    expect(d.end()).toEqual([]);
  });
});

describe('parseWatchLine', () => {
  it('parses events', () => {
    const e = parseWatchLine(ev('MODIFIED', 'x', '7').trim());
    expect(e).not.toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'x', resourceVersion: '7' } } });
  });

  it('turns an ERROR event into the ApiError its Status describes', () => {
    const line = JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (2000)', reason: 'Expired', code: 410 } });
    const e = parseWatchLine(line);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 410, reason: 'Expired', message: 'too old resource version: 1 (2000)' });
  });

  it('reports malformed lines as errors instead of dropping them', () => {
    for (const bad of ['{"type":"ADDED"', '[]', '"x"', '{"type":"WHAT","object":{}}', '{"type":"ADDED"}']) {
      const e = parseWatchLine(bad);
      expect(e, bad).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(500);
    }
  });
});

describe('error bodies and paths', () => {
  it('rebuilds ApiError from a Status body, or from the HTTP code when the body is not a Status', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Pod "x" is invalid: spec.containers: Required value', reason: 'Invalid', code: 422, details: { name: 'x', kind: 'Pod', causes: [{ field: 'spec.containers', reason: 'FieldValueRequired' }] } };
    const e = errorFromBody(422, JSON.stringify(status));
    expect(e).toMatchObject({ code: 422, reason: 'Invalid', message: status.message, details: status.details });
    expect(errorFromBody(502, '<html>bad gateway</html>')).toMatchObject({ code: 502, reason: 'InternalError', message: '<html>bad gateway</html>' });
    expect(errorFromBody(404, '')).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('builds REST paths for core, grouped, namespaced and cluster-scoped resources', () => {
    const pods = findResource('', 'v1', 'pods')!;
    const nodes = findResource('', 'v1', 'nodes')!;
    const deploys = findResource('apps', 'v1', 'deployments')!;
    expect(resourcePath(pods, 'default', 'web-1', 'binding')).toBe('/api/v1/namespaces/default/pods/web-1/binding');
    expect(resourcePath(pods)).toBe('/api/v1/pods');
    expect(resourcePath(nodes, 'default', 'n1')).toBe('/api/v1/nodes/n1');
    expect(resourcePath(deploys, 'kube-system')).toBe('/apis/apps/v1/namespaces/kube-system/deployments');
    expect(queryString({ labelSelector: 'app=web,tier in (a,b)', limit: 5, x: undefined })).toBe('?labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29&limit=5');
  });
});
