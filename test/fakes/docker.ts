/**
 * A behaving in-memory Docker engine for kubelet unit tests: containers with labels, names
 * (409 on a duplicate), states and timestamps; `--network container:X` requires X running;
 * stop records exit 143 (SIGTERM honoured) and a finish time; images exist or not; pulls
 * succeed or fail as configured. Test helpers: `exit(id, code)` (a crash), `kill(id)`.
 * A container's main process behaves like `cat` for attach: stdin comes back on stdout (and in
 * the logs); stdin EOF ends it with StdinOnce and no TTY and only detaches otherwise, as Docker does.
 */
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import {
  DockerError, type AttachSpec, type ContainerCreateSpec, type ContainerInfo, type ContainerSummary, type Docker, type ExecSession,
  type ExecSpec, type ImageInfo, type LogOptions, type StreamSession,
} from '../../dataplane/kubelet/docker.js';

interface FakeContainer {
  info: ContainerInfo;
  spec: ContainerCreateSpec;
  logs: string;
  /** open attach sessions' outputs, ended when the process exits */
  attached: Set<PassThrough>;
  /** terminal sizes set by resize, in order */
  sizes: Array<{ width: number; height: number }>;
}

export class FakeDocker implements Docker {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, ImageInfo>();
  /** image ref → error message for pulls; refs not listed pull fine (and then exist) */
  readonly pullFailures = new Map<string, string>();
  readonly pulls: string[] = [];
  /** exec handler: exit code and output per command */
  execHandler: (id: string, cmd: string[]) => { exitCode: number; output: string } = () => ({ exitCode: 0, output: '' });
  /** how long opening an attach takes (a real engine needs a round trip or two) */
  attachDelayMs = 0;
  private seq = 0;
  private pid = 1000;
  now: () => Date = () => new Date();

  constructor(images: string[] = ['tugboat/pause:latest', 'tugboat/testapp:latest']) {
    for (const ref of images) this.addImage(ref);
  }

  addImage(ref: string): void {
    this.images.set(ref, { id: `sha256:${Buffer.from(ref).toString('hex').padEnd(64, '0').slice(0, 64)}`, repoTags: [ref] });
  }

  async ping(): Promise<string> {
    return 'OK';
  }

  async version(): Promise<string> {
    return '20.10.24-fake';
  }

  async listContainers(labels: string[]): Promise<ContainerSummary[]> {
    const want = labels.map((l) => l.split('=', 2) as [string, string]);
    return [...this.containers.values()]
      .filter((c) => want.every(([k, v]) => c.info.labels[k] === v))
      .map((c) => ({ id: c.info.id, labels: { ...c.info.labels }, stateKey: `${c.info.state.status}|${c.info.state.startedAt}|${c.info.state.finishedAt}` }));
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c ? structuredClone(c.info) : undefined;
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    for (const c of this.containers.values()) if (c.info.name === spec.name) throw new DockerError(`Conflict. The container name "/${spec.name}" is already in use`, 409);
    const image = this.images.get(spec.image);
    if (!image) throw new DockerError(`No such image: ${spec.image}`, 404);
    const id = (++this.seq).toString(16).padStart(64, 'c');
    // creation times must order containers even within one millisecond
    const created = new Date(this.now().getTime() + this.seq).toISOString();
    this.containers.set(id, {
      spec: structuredClone(spec),
      logs: '',
      attached: new Set(),
      sizes: [],
      info: {
        id, name: spec.name, image: spec.image, imageId: image.id, labels: { ...spec.labels }, created,
        state: { status: 'created', running: false, pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '', finishedAt: '' },
      },
    });
    return id;
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new DockerError(`No such container: ${id}`, 404);
    return c;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    if (c.spec.network.mode === 'container') {
      const target = this.containers.get(c.spec.network.id);
      if (!target?.info.state.running) throw new DockerError(`cannot join network of a non running container: ${c.spec.network.id}`, 409);
    }
    c.info.state = { ...c.info.state, status: 'running', running: true, pid: ++this.pid, startedAt: this.now().toISOString(), finishedAt: '', exitCode: 0 };
  }

  /** The container's process exits by itself (a crash when code ≠ 0). */
  exit(id: string, exitCode: number, finishedAt = this.now()): void {
    const c = this.get(id);
    c.info.state = { ...c.info.state, status: 'exited', running: false, pid: 0, exitCode, finishedAt: finishedAt.toISOString() };
    for (const out of c.attached) out.end();
    c.attached.clear();
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || !c.info.state.running) return;
    this.exit(id, 143);
  }

  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.images.get(ref);
  }

  async pullImage(ref: string): Promise<void> {
    this.pulls.push(ref);
    const failure = this.pullFailures.get(ref);
    if (failure) throw new DockerError(failure);
    if (!this.images.has(ref)) this.addImage(ref);
  }

  async logs(id: string, _opts: LogOptions): Promise<Readable> {
    return Readable.from([Buffer.from(this.get(id).logs)]);
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecSession> {
    this.get(id);
    const r = this.execHandler(id, spec.cmd);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const ended = Promise.all([once(stdout, 'end'), once(stderr, 'end')]).then(() => undefined);
    stdout.end(r.output);
    stderr.end();
    return { stdout, stderr, resize: async () => undefined, ended: () => ended, exitCode: async () => r.exitCode, close: () => undefined };
  }

  async attach(id: string, spec: AttachSpec): Promise<StreamSession> {
    if (this.attachDelayMs) await new Promise((r) => setTimeout(r, this.attachDelayMs));
    const c = this.get(id);
    if (!c.info.state.running) throw new DockerError(`container ${id.slice(0, 12)} is not running`, 409);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('end', () => stderr.end());
    c.attached.add(stdout);
    const detach = (): void => {
      c.attached.delete(stdout);
      stdout.end();
    };
    const stdin = new PassThrough();
    stdin.on('data', (chunk: Buffer) => {
      c.logs += chunk.toString();
      for (const out of c.attached) if (spec.stdout) out.write(chunk);
    });
    stdin.on('end', () => {
      if (c.spec.stdinOnce && !c.spec.tty) this.exit(id, 0);
      else detach();
    });
    const ended = new Promise<void>((resolve) => stderr.on('end', resolve));
    stderr.resume();
    return {
      stdout, stderr,
      stdin: spec.stdin && c.spec.openStdin ? stdin : undefined,
      resize: async (width, height) => {
        if (c.spec.tty) c.sizes.push({ width, height });
      },
      ended: () => ended,
      close: detach,
    };
  }

  /** Terminal sizes an attach set on the container, in order. */
  sizesOf(id: string): Array<{ width: number; height: number }> {
    return this.get(id).sizes;
  }

  async execRun(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
    this.get(id);
    return this.execHandler(id, cmd);
  }

  /** Containers by kube container name ("POD" for sandboxes), newest last. */
  named(name: string): ContainerInfo[] {
    return [...this.containers.values()].filter((c) => c.info.labels['io.kubernetes.container.name'] === name).map((c) => c.info);
  }

  specOf(id: string): ContainerCreateSpec {
    return this.get(id).spec;
  }
}
