import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildImage, contentHash, dockerfile, type DockerCli } from '../../../control/cli/images/builder.js';
import { pauseImageSpec, sharedLibraries, type ImageSpec } from '../../../control/cli/images/specs.js';
import { createTestApp } from '../../../control/cli/images/testapp/app.js';
import { serveEcho } from '../../../control/cli/images/testapp/websocket.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(env: Record<string, string>): Promise<string> {
  const app = createTestApp(env);
  const s = http.createServer((req, res) => app.handle(req, res));
  s.on('upgrade', (req, socket, head) => serveEcho(req, socket, head));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function get(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text() };
}

describe('testapp', () => {
  it('answers identity JSON with the client address, flips /healthz with POST /fail, burns CPU', async () => {
    const addr = await serve({ POD_NAME: 'web-1', POD_NAMESPACE: 'shop', NODE_NAME: 'n1', POD_IP: '10.244.1.5', VERSION: 'v2' });
    expect(JSON.parse((await get(`http://${addr}/`)).body)).toEqual({ pod: 'web-1', namespace: 'shop', node: 'n1', ip: '10.244.1.5', version: 'v2', client: '127.0.0.1' });
    expect(await get(`http://${addr}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    await get(`http://${addr}/fail`, 'POST');
    expect((await get(`http://${addr}/healthz`)).status).toBe(500);
    const started = Date.now();
    expect(JSON.parse((await get(`http://${addr}/cpu?ms=50`)).body).burnedMs).toBe(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect((await get(`http://${addr}/nope`)).status).toBe(404);
  });

  it('echoes WebSocket text, binary and large fragmented messages', async () => {
    const addr = await serve({});
    const ws = new WebSocket(`ws://${addr}/ws`);
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    const next = () => new Promise<{ data: Buffer; binary: boolean }>((r) => ws.once('message', (data: Buffer, binary: boolean) => r({ data, binary })));
    let m = next();
    ws.send('hello');
    expect(await m).toMatchObject({ binary: false });
    expect((await m).data.toString()).toBe('hello');
    const big = Buffer.alloc(200_000, 7);
    m = next();
    ws.send(big, { binary: true, fin: true });
    const got = await m;
    expect(got.binary).toBe(true);
    expect(got.data.equals(big)).toBe(true);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.close(4001);
    expect(await closed).toBe(4001);
  });
});

describe('image builder', () => {
  const spec: ImageSpec = { name: 'tugboat/x:latest', rootfs: [{ path: '/a', content: 'one' }, { path: '/bin/sh', symlink: 'busybox' }], config: ['CMD ["/a"]'] };

  it('the content hash covers files and config, not entry order', async () => {
    const h = await contentHash(spec);
    expect(await contentHash({ ...spec, rootfs: [...spec.rootfs].reverse() })).toBe(h);
    expect(await contentHash({ ...spec, rootfs: [{ path: '/a', content: 'two' }, spec.rootfs[1]!] })).not.toBe(h);
    expect(await contentHash({ ...spec, config: ['CMD ["/b"]'] })).not.toBe(h);
    expect(dockerfile(spec, h)).toBe(`FROM scratch\nCOPY rootfs/ /\nCMD ["/a"]\nLABEL tugboat.content-hash="${h}" tugboat.image="tugboat/x:latest"\n`);
  });

  it('skips the build when the installed image carries the same hash, builds otherwise', async () => {
    const h = await contentHash(spec);
    const calls: string[][] = [];
    let installed = h;
    const docker: DockerCli = async (args) => {
      calls.push(args);
      if (args[0] === 'image') return { stdout: `${installed}\n`, stderr: '' };
      return { stdout: 'sha256:abc\n', stderr: '' };
    };
    expect((await buildImage(spec, { docker })).built).toBe(false);
    installed = 'old';
    expect((await buildImage(spec, { docker })).built).toBe(true);
    expect(calls.at(-1)!.slice(0, 4)).toEqual(['build', '--quiet', '--tag', 'tugboat/x:latest']);
  });

  it('pause image: busybox sh with a TERM trap; ldd parsing finds the loader and libc', () => {
    const p = pauseImageSpec();
    expect(p.config.join('\n')).toContain("trap 'exit 0' TERM INT");
    const libs = sharedLibraries(process.execPath);
    expect(libs.some((l) => /ld-linux|ld-musl/.test(l))).toBe(true);
    expect(libs.some((l) => /libc\.so/.test(l))).toBe(true);
  });
});
