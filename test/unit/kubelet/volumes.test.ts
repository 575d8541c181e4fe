import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountBinds, syncVolumeDir, volumeFiles, VolumeError } from '../../../dataplane/kubelet/volumes.js';
import { makePod } from './fixtures.js';

const facts = { podIP: '10.244.1.7', hostIP: '10.200.0.11', nodeName: 'node-a', nodeCpu: 2, nodeMemory: 1 << 30 };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sources = {
  configMap: (_ns: string, n: string) => (n === 'cfg' ? { metadata: { name: 'cfg' }, data: { 'app.conf': 'port=80', other: 'x' } } : undefined),
  secret: (_ns: string, n: string) => (n === 'sec' ? { metadata: { name: 'sec' }, data: { key: Buffer.from('k3y').toString('base64') } } : undefined),
  services: () => [],
};

describe('volume files', () => {
  it('configMap items with paths and modes; secret decoded; downwardAPI fields; projected sources', () => {
    const pod = makePod('v', [{ name: 'app' }]);
    pod.metadata.labels = { app: 'web', tier: 'front' };
    const cm = volumeFiles(pod, { name: 'c', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }], defaultMode: 0o644 } }, sources, facts)!;
    expect(cm.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([['conf/app.conf', 'port=80', 0o600]]);
    const sec = volumeFiles(pod, { name: 's', secret: { secretName: 'sec', defaultMode: 0o400 } }, sources, facts)!;
    expect(sec.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([['key', 'k3y', 0o400]]);
    const dw = volumeFiles(pod, { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, sources, facts)!;
    expect(dw.map((f) => f.content.toString())).toEqual(['app="web"\ntier="front"', 'v']);
    const pj = volumeFiles(pod, { name: 'p', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'other', path: 'o' }] } }, { secret: { name: 'sec' } }] } }, sources, facts)!;
    expect(pj.map((f) => f.path)).toEqual(['o', 'key']);
    expect(volumeFiles(pod, { name: 'e', emptyDir: {} }, sources, facts)).toBeUndefined();
  });

  it('missing sources: errors name the volume, optional ones are empty; item paths may not escape', () => {
    const pod = makePod('v', [{ name: 'app' }]);
    expect(() => volumeFiles(pod, { name: 'c', configMap: { name: 'nope' } }, sources, facts)).toThrow(new VolumeError('MountVolume.SetUp failed for volume "c" : configmap "nope" not found'));
    expect(volumeFiles(pod, { name: 'c', configMap: { name: 'nope', optional: true } }, sources, facts)).toEqual([]);
    expect(() => volumeFiles(pod, { name: 'c', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: '../escape' }] } }, sources, facts)).toThrow('invalid path');
    expect(() => volumeFiles(pod, { name: 'c', configMap: { name: 'cfg', items: [{ key: 'absent', path: 'a' }] } }, sources, facts)).toThrow('non-existent config key: absent');
  });

  it('syncVolumeDir writes with modes, replaces changed files and removes stale ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tugt-vol-'));
    dirs.push(dir);
    syncVolumeDir(dir, [{ path: 'a', content: Buffer.from('1'), mode: 0o600 }, { path: 'sub/b', content: Buffer.from('2'), mode: 0o644 }]);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('1');
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'stale'), 'x');
    syncVolumeDir(dir, [{ path: 'a', content: Buffer.from('changed'), mode: 0o600 }]);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('changed');
    expect(existsSync(join(dir, 'sub/b'))).toBe(false);
    expect(existsSync(join(dir, 'stale'))).toBe(false);
  });

  it('mount binds honour readOnly and subPath', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tugt-vol-'));
    dirs.push(dir);
    const binds = mountBinds({ name: 'app', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/logs', subPath: 'logs', readOnly: true }] }, new Map([['data', dir]]));
    expect(binds).toEqual([`${dir}:/data`, `${join(dir, 'logs')}:/logs:ro`]);
    expect(existsSync(join(dir, 'logs'))).toBe(true);
    expect(() => mountBinds({ name: 'app', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../../etc' }] }, new Map([['data', dir]]))).toThrow('invalid subPath');
  });
});
