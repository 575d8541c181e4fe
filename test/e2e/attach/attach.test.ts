// `kubectl run -i/-it --rm`, `kubectl attach -it` and `kubectl logs` of a TTY container on a real
// `tug up --nodes 1` cluster, driven the way a user does: piped stdin for -i, and for -t a real
// terminal from util-linux `script` (kubectl refuses raw mode without one), typed into line by line.
// Run under the shared lock: flock /tmp/tug-e2e.lock npx vitest run test/e2e/attach
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCluster, until } from '../../support/local-cluster.js';

const NAME = 'e2eattach';
const cluster = localCluster(NAME);
const k = (...args: string[]): Promise<string> => cluster.k(args);
const IMAGE = ['--image=tugboat/testapp:latest', '--image-pull-policy=IfNotPresent'];
const terminals: ChildProcess[] = [];

/** kubectl inside a pseudo-terminal of 37 rows × 101 columns; `type` writes keystrokes. */
function terminal(args: string[]) {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const kubectl = ['kubectl', '--kubeconfig', cluster.kubeconfig, ...args].map(quote).join(' ');
  const p = spawn('script', ['-qfec', `stty rows 37 cols 101; exec ${kubectl}`, '/dev/null'], { env: cluster.env, stdio: ['pipe', 'pipe', 'pipe'] });
  terminals.push(p);
  let screen = '';
  p.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (screen += d.toString()));
  const exited = new Promise<number>((resolve) => p.on('exit', (code) => resolve(code ?? -1)));
  return {
    exited,
    screen: () => screen,
    type: (text: string) => p.stdin!.write(text),
    /** waits for the text on screen, pressing `poke` (if any) every 300 ms meanwhile; fails as soon as kubectl exits without it */
    async see(text: string, poke?: string): Promise<void> {
      const deadline = Date.now() + 30_000;
      while (!screen.includes(text)) {
        if (p.exitCode !== null) throw new Error(`kubectl exited ${p.exitCode} without showing "${text}": ${JSON.stringify(screen)}`);
        if (Date.now() > deadline) throw new Error(`"${text}" not on the terminal in 30s: ${JSON.stringify(screen.slice(-300))}`);
        if (poke) p.stdin!.write(poke);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
  };
}

async function podGone(name: string): Promise<void> {
  await until(`pod ${name} deleted`, async () => (await cluster.kubectl(['get', 'pod', name])).stderr.includes('NotFound'), 30_000);
}

beforeAll(async () => {
  const r = await cluster.tug('up', '--name', NAME, '--nodes', '1');
  if (r.code !== 0) throw new Error(`tug up failed: ${r.stderr}${r.stdout}`);
  // a shell waiting on its terminal, for kubectl attach; a web container keeps the pod Running after the shell exits
  await cluster.k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shell' },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'sh', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent', command: ['sh'], stdin: true, tty: true },
        { name: 'web', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent' },
      ],
    },
  }));
}, 180_000);

afterAll(async () => {
  for (const p of terminals) if (p.exitCode === null) p.kill('SIGKILL');
  await cluster.stop();
}, 180_000);

describe('kubectl run --rm and attach', () => {
  it('run -i --rm: piped stdin reaches the container, its output comes back, the pod is deleted', async () => {
    const r = await cluster.kubectl(['run', '-i', '--rm', '--restart=Never', 'reader', ...IMAGE, '--', 'sh', '-c', 'read x; echo got:$x'], 'hello from stdin\n');
    expect(r.stderr).toContain("If you don't see a command prompt, try pressing enter.");
    expect(r.stdout).toContain('got:hello from stdin');
    expect(r.stdout).toContain('pod "reader" deleted');
    expect(r.code).toBe(0);
    await podGone('reader');
  });

  it('run -i --rm on a command that ends at once: its output still reaches kubectl (from the logs when the attach comes too late)', async () => {
    const r = await cluster.kubectl(['run', '-i', '--rm', '--restart=Never', 'early', ...IMAGE, '--', 'sh', '-c', 'echo early-bird']);
    expect(r.stdout).toContain('early-bird');
    expect(r.stdout).toContain('pod "early" deleted');
    expect(r.code).toBe(0);
  });

  it('run -it --rm in a terminal: typed commands run with the terminal size, exit 3 ends the session, deletes the pod and is kubectl\'s exit code', async () => {
    const t = terminal(['run', '-it', '--rm', '--restart=Never', 'dbg', ...IMAGE, '--', 'sh']);
    await t.see("If you don't see a command prompt, try pressing enter.");
    await t.see('/app # ', '\r');
    t.type('echo hi-$((1+2)); stty size\r');
    await t.see('hi-3');
    await t.see('37 101'); // the resize channel reached the container's TTY
    t.type('exit 3\r');
    expect(await t.exited).toBe(3);
    expect(t.screen()).toContain('pod "dbg" deleted');
    expect(t.screen()).toContain('pod default/dbg terminated (Error)');
    await podGone('dbg');
  });

  it('exec -it shares the relay: the command runs on a TTY and its exit code is kubectl\'s', async () => {
    await k('wait', '--for=condition=Ready', 'pod/shell', '--timeout=60s');
    // (no `stty size` here: Docker 20.10 has no initial console size for exec, so a command that
    // reads it at once races the first resize; the interactive shell above sees it)
    const t = terminal(['exec', '-it', 'shell', '-c', 'web', '--', 'sh', '-c', 'tty; exit 5']);
    await t.see('/dev/pts/');
    expect(await t.exited).toBe(5);
    expect(t.screen()).toContain('command terminated with exit code 5');
  });

  it('attach -it joins a running shell; after it exits, logs of the TTY container replay the session', async () => {
    await k('wait', '--for=condition=Ready', 'pod/shell', '--timeout=60s');
    const t = terminal(['attach', '-it', 'shell', '-c', 'sh']);
    await t.see('/app # ', '\r');
    t.type('echo attached-$((2*3))\r');
    await t.see('attached-6');
    t.type('exit 4\r');
    expect(await t.exited).toBe(0); // attach itself succeeded; the exit code is the container's
    const exitCode = await until('the shell container terminated', async () =>
      (await k('get', 'pod', 'shell', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="sh")].state.terminated.exitCode}')).trim() || undefined);
    expect(exitCode).toBe('4');
    const logs = await k('logs', 'shell', '-c', 'sh');
    expect(logs).toContain('echo attached-$((2*3))');
    expect(logs).toContain('attached-6');
    // a stopped container cannot be joined: the kubelet says so, kubectl relays it
    const again = await cluster.kubectl(['attach', 'shell', '-c', 'sh']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('container sh is not running');
  });
});
