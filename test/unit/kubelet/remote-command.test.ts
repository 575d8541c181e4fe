// exec and attach over the kubelet's HTTPS endpoint, in-process: the real server (client
// certificates, routes, the v5/v4 channel protocol) in front of the behaving fake Docker, whose
// containers' main processes act like `cat` for attach.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensurePki, type ClusterPki } from '../../../control/apiserver/pki.js';
import type { ContainerCreateSpec, StreamSession } from '../../../dataplane/kubelet/docker.js';
import { createKubeletServer, KubeletHttpError } from '../../../dataplane/kubelet/kubelet-server.js';
import { parseResize, relaySession, streamOptions } from '../../../dataplane/kubelet/remote-command.js';
import { FakeDocker } from '../../fakes/docker.js';

interface Session {
  /** frames as "channel:text" in arrival order */
  frames: string[];
  closeCode: number;
}

const docker = new FakeDocker();
const byName = new Map<string, string>();
let pki: ClusterPki;
let pkiDir: string;
let base: string;
let server: ReturnType<typeof createKubeletServer>;

async function startContainer(name: string, opts: Partial<ContainerCreateSpec> = {}): Promise<string> {
  const id = await docker.createContainer({
    name, image: 'tugboat/testapp:latest', labels: {}, env: [], binds: [], network: { mode: 'none' }, ...opts,
  });
  await docker.startContainer(id);
  byName.set(name, id);
  return id;
}

/** Opens a session, sends `input` frames once open (a function gets the frames seen so far), collects until close. */
function session(path: string, input: Array<Buffer | ((frames: string[]) => Promise<Buffer>)>, protocol = 'v5.channel.k8s.io'): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}${path}`, [protocol], { cert: pki.admin.cert, key: pki.admin.key, ca: pki.ca.cert, rejectUnauthorized: false });
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(`${data[0]}:${data.subarray(1).toString()}`));
    ws.on('open', () => {
      void (async () => {
        for (const item of input) ws.send(typeof item === 'function' ? await item(frames) : item);
      })();
    });
    ws.on('close', (code) => resolve({ frames, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.on('error', reject);
  });
}

const frame = (channel: number, text = ''): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
const closeStdin = Buffer.from([255, 0]);
/** waits until a frame with this text arrived, then yields `next` */
const after = (text: string, next: Buffer) => async (frames: string[]): Promise<Buffer> => {
  while (!frames.some((f) => f.includes(text))) await new Promise((r) => setTimeout(r, 5));
  return next;
};
const SUCCESS = '3:{"metadata":{},"status":"Success"}';

beforeAll(async () => {
  pkiDir = mkdtempSync(join(tmpdir(), 'tug-kubelet-rc-'));
  pki = await ensurePki(pkiDir, ['127.0.0.1']);
  server = createKubeletServer({
    tls: pki.server, clientCA: pki.ca.cert, docker, log: pino({ level: 'silent' }),
    containers: {
      find: async (_ns, _pod, container) => {
        const info = await docker.inspectContainer(byName.get(container) ?? '');
        if (!info) throw new KubeletHttpError(404, 'NotFound', `container "${container}" not found`);
        return info;
      },
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(pkiDir, { recursive: true, force: true });
});

describe('stream options and resize messages (pure)', () => {
  it('wants a stream only when asked, drops stderr with a TTY, needs at least one stream', () => {
    expect(streamOptions(new URLSearchParams('stdin=true&stdout=true&tty=true'))).toEqual({ stdin: true, stdout: true, stderr: false, tty: true });
    expect(streamOptions(new URLSearchParams('stdout=1&stderr=1'))).toEqual({ stdin: false, stdout: true, stderr: true, tty: false });
    expect(streamOptions(new URLSearchParams('stderr=true&tty=true'))).toBe('you must specify at least 1 of stdin, stdout, stderr');
    expect(streamOptions(new URLSearchParams('container=app'))).toBe('you must specify at least 1 of stdin, stdout, stderr');
  });

  it('reads {"Width","Height"} and ignores anything else', () => {
    expect(parseResize(Buffer.from('{"Width":120,"Height":40}'))).toEqual({ width: 120, height: 40 });
    expect(parseResize(Buffer.from('{"Width":0,"Height":40}'))).toBeUndefined();
    expect(parseResize(Buffer.from('not json'))).toBeUndefined();
  });
});

/** Just enough of a ws WebSocket for the relay: messages are emitted synchronously, sends recorded. */
class StubSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: string[] = [];
  send(data: Buffer): void {
    this.sent.push(`${data[0]}:${data.subarray(1).toString()}`);
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

describe('the relay (in-process socket)', () => {
  it('a client that keeps sending stdin after [255, 0] does not break the session', async () => {
    const ws = new StubSocket();
    const stdin = new PassThrough();
    let typed = '';
    stdin.on('data', (d: Buffer) => (typed += d.toString()));
    let endOutput = (): void => undefined;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const ended = new Promise<void>((resolve) => (endOutput = resolve));
    const proc: StreamSession = { stdout, stderr, stdin, resize: async () => undefined, ended: () => ended, close: () => undefined };
    const relayed = relaySession(ws as never, 'v5.channel.k8s.io', async () => proc, () => ({}));
    await new Promise((r) => setImmediate(r));
    for (const m of [frame(0, 'before'), closeStdin, frame(0, 'after')]) ws.emit('message', m);
    stdout.write('out');
    await new Promise((r) => setImmediate(r));
    endOutput();
    expect(await relayed).toBe(proc);
    expect(typed).toBe('before');
    expect(ws.sent).toEqual(['1:out']);
  });
});

describe('resizes', () => {
  it('are applied in the order sent, even when the engine answers the first one last', async () => {
    const ws = new StubSocket();
    const applied: string[] = [];
    let endOutput = (): void => undefined;
    const ended = new Promise<void>((resolve) => (endOutput = resolve));
    const resize = async (w: number, h: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, w === 102 ? 40 : 0)); // kubectl's size+1 redraw trick, slow to apply
      applied.push(`${h} ${w}`);
    };
    const proc: StreamSession = { stdout: new PassThrough(), stderr: new PassThrough(), resize, ended: () => ended, close: () => undefined };
    const relayed = relaySession(ws as never, 'v5.channel.k8s.io', async () => proc, () => ({}));
    await new Promise((r) => setImmediate(r));
    ws.emit('message', frame(4, '{"Width":102,"Height":38}'));
    ws.emit('message', frame(4, '{"Width":101,"Height":37}'));
    await new Promise((r) => setTimeout(r, 80));
    endOutput();
    await relayed;
    expect(applied).toEqual(['38 102', '37 101']);
  });
});

describe('attach over the kubelet endpoint', () => {
  it('non-TTY with stdinOnce: stdin sent while Docker opens the attach reaches the process, its EOF ends it, then Success', async () => {
    const id = await startContainer('once', { openStdin: true, stdinOnce: true });
    // kubectl sends piped stdin and its EOF right after the upgrade: nothing may be lost meanwhile
    docker.attachDelayMs = 100;
    const s = await session('/attach/default/p/once?stdin=true&stdout=true&stderr=true', [frame(0, 'hello\n'), closeStdin])
      .finally(() => (docker.attachDelayMs = 0));
    expect(s.frames).toEqual(['1:hello\n', SUCCESS]);
    expect(s.closeCode).toBe(1000);
    expect((await docker.inspectContainer(id))!.state).toMatchObject({ running: false, exitCode: 0 });
  });

  it('TTY: resize messages reach the container, stdin EOF only detaches (the process keeps running)', async () => {
    const id = await startContainer('shell', { openStdin: true, stdinOnce: true, tty: true });
    const s = await session('/attach/default/p/shell?stdin=true&stdout=true&tty=true', [
      frame(4, '{"Width":81,"Height":25}'), frame(4, '{"Width":80,"Height":24}'), frame(4, 'garbage'),
      frame(0, 'echo hi\n'), after('echo hi', closeStdin),
    ]);
    expect(s.frames).toEqual(['1:echo hi\n', SUCCESS]);
    expect(docker.sizesOf(id)).toEqual([{ width: 81, height: 25 }, { width: 80, height: 24 }]);
    expect((await docker.inspectContainer(id))!.state.running).toBe(true);
  });

  it('output-only attach ends when the process exits; v4 has no close channel, so [255, 0] is ignored', async () => {
    const id = await startContainer('watched', { openStdin: true });
    const done = session('/attach/default/p/watched?stdout=true&stderr=true', [closeStdin], 'v4.channel.k8s.io');
    await new Promise((r) => setTimeout(r, 50));
    expect((await docker.inspectContainer(id))!.state.running).toBe(true);
    docker.exit(id, 3);
    // the main process' exit code is the pod's business (kubectl run reads it from the status)
    expect((await done).frames).toEqual([SUCCESS]);
  });

  it('refuses a stopped container, a request without streams, SPDY, and callers without the API server identity', async () => {
    const id = await startContainer('stopped');
    docker.exit(id, 0);
    await expect(session('/attach/default/p/stopped?stdout=true', [])).rejects.toThrow(/^400 .*container stopped is not running/);
    await startContainer('idle');
    await expect(session('/attach/default/p/idle?container=idle', [])).rejects.toThrow(/^400 .*at least 1 of stdin, stdout, stderr/);
    const spdy = await new Promise<string>((resolve) => {
      const req = https.request(`${base.replace('wss:', 'https:')}/attach/default/p/idle?stdout=true`, {
        method: 'POST', cert: pki.admin.cert, key: pki.admin.key, rejectUnauthorized: false,
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v5.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${JSON.parse(body).message}`));
      });
      req.on('upgrade', () => resolve('upgraded'));
      req.end();
    });
    expect(spdy).toMatch(/^400 attach is served over WebSocket \(v5.channel.k8s.io\) only, not SPDY/);
    const anonymous = new WebSocket(`${base}/attach/default/p/idle?stdout=true`, ['v5.channel.k8s.io'], { rejectUnauthorized: false });
    const code = await new Promise<number>((resolve) => anonymous.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(code).toBe(401);
  });
});

describe('exec shares the relay', () => {
  it('reports the exit code as a NonZeroExitCode status after the output', async () => {
    await startContainer('exec-target');
    docker.execHandler = () => ({ exitCode: 3, output: 'out\n' });
    const s = await session('/exec/default/p/exec-target?command=sh&command=-c&command=exit%203&stdout=true&stderr=true', []);
    expect(s.frames[0]).toBe('1:out\n');
    expect(JSON.parse(s.frames[1]!.slice(2))).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(s.closeCode).toBe(1000);
  });
});
