/**
 * Docker through dockerode (the Engine API on /var/run/docker.sock, reachable from any netns).
 * Errors become DockerError with the engine's message; 404 on inspect is `undefined`.
 */
import Dockerode from 'dockerode';
import { Readable, type Duplex } from 'node:stream';
import {
  DockerError, type AttachSpec, type ContainerCreateSpec, type ContainerInfo, type ContainerStatusName, type ContainerSummary, type Docker,
  type ExecSession, type ExecSpec, type ImageInfo, type LogOptions, type StreamSession,
} from './docker.js';
import { demuxToText, DockerFrameDecoder, splitHijacked } from './docker-stream.js';

interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

function wrap(err: unknown, what: string): DockerError {
  const e = err as EngineError;
  const msg = e.json?.message ?? e.message ?? String(err);
  return new DockerError(`${what}: ${msg.trim()}`, e.statusCode);
}

function isNotFound(err: unknown): boolean {
  return (err as EngineError).statusCode === 404;
}

/** how long an attach may still deliver output after its container stopped */
const ATTACH_DRAIN_MS = 500;

const ZERO_TIME = '0001-01-01T00:00:00Z';
const time = (t: string | undefined): string => (!t || t === ZERO_TIME ? '' : t);

export class DockerEngine implements Docker {
  private readonly api: Dockerode;

  constructor(opts: { socketPath?: string } = {}) {
    this.api = new Dockerode({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
  }

  async ping(): Promise<string> {
    try {
      return String(await this.api.ping());
    } catch (err) {
      throw wrap(err, 'docker ping');
    }
  }

  async version(): Promise<string> {
    return (await this.api.version()).Version;
  }

  async listContainers(labels: string[]): Promise<ContainerSummary[]> {
    try {
      const list = await this.api.listContainers({ all: true, filters: { label: labels } });
      return list.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, stateKey: `${c.State}|${c.Status}` }));
    } catch (err) {
      throw wrap(err, 'list containers');
    }
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    try {
      const c = await this.api.getContainer(id).inspect();
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        image: c.Config.Image,
        imageId: c.Image,
        labels: c.Config.Labels ?? {},
        created: c.Created,
        state: {
          status: c.State.Status as ContainerStatusName,
          running: c.State.Running,
          pid: c.State.Pid,
          exitCode: c.State.ExitCode,
          oomKilled: c.State.OOMKilled,
          error: c.State.Error ?? '',
          startedAt: time(c.State.StartedAt),
          finishedAt: time(c.State.FinishedAt),
        },
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw wrap(err, `inspect container ${id}`);
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    try {
      const c = await this.api.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Entrypoint: spec.entrypoint,
        Cmd: spec.cmd,
        Env: spec.env,
        WorkingDir: spec.workingDir,
        Tty: spec.tty ?? false,
        OpenStdin: spec.openStdin ?? false,
        // as `docker create -i` sets it; attach itself only needs OpenStdin
        AttachStdin: spec.openStdin ?? false,
        StdinOnce: spec.stdinOnce ?? false,
        User: spec.user,
        Hostname: spec.hostname,
        HostConfig: {
          Binds: spec.binds,
          NetworkMode: spec.network.mode === 'none' ? 'none' : `container:${spec.network.id}`,
          Memory: spec.memoryBytes,
          NanoCpus: spec.nanoCpus,
          CpuShares: spec.cpuShares,
          Privileged: spec.privileged ?? false,
          ShmSize: spec.shmSize,
        },
      });
      return c.id;
    } catch (err) {
      throw wrap(err, `create container ${spec.name}`);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.api.getContainer(id).start();
    } catch (err) {
      if ((err as EngineError).statusCode === 304) return; // already started
      throw wrap(err, `start container ${id.slice(0, 12)}`);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.api.getContainer(id).stop({ t: Math.max(0, Math.round(timeoutSeconds)) });
    } catch (err) {
      const code = (err as EngineError).statusCode;
      if (code === 304 || code === 404) return; // not running / gone
      throw wrap(err, `stop container ${id.slice(0, 12)}`);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.api.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = (err as EngineError).statusCode;
      if (code === 404) return;
      // 409 "removal already in progress" counts as done
      if (code === 409 && /already in progress/.test((err as EngineError).json?.message ?? '')) return;
      throw wrap(err, `remove container ${id.slice(0, 12)}`);
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const img = await this.api.getImage(ref).inspect();
      return { id: img.Id, repoTags: img.RepoTags ?? [] };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw wrap(err, `inspect image ${ref}`);
    }
  }

  pullImage(ref: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let stream: NodeJS.ReadableStream | undefined;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        (stream as Readable | undefined)?.destroy();
        settle(new DockerError(`pulling image "${ref}": no answer from the registry within ${Math.round(timeoutMs / 1000)}s`));
      }, timeoutMs);
      this.api.pull(ref).then((s: NodeJS.ReadableStream) => {
        stream = s;
        this.api.modem.followProgress(s, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
          if (err) return settle(wrap(err, `pulling image "${ref}"`));
          const failed = events.find((e) => e.error || e.errorDetail);
          settle(failed ? new DockerError(`pulling image "${ref}": ${failed.errorDetail?.message ?? failed.error}`) : undefined);
        });
      }, (err: unknown) => settle(wrap(err, `pulling image "${ref}"`)));
    });
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const container = this.api.getContainer(id);
    let tty = false;
    try {
      tty = (await container.inspect()).Config.Tty;
    } catch (err) {
      throw wrap(err, `logs of ${id.slice(0, 12)}`);
    }
    const common: Dockerode.ContainerLogsOptions = {
      stdout: true, stderr: true, timestamps: opts.timestamps,
      since: opts.sinceSeconds ? Math.floor(Date.now() / 1000) - opts.sinceSeconds : 0,
    };
    if (opts.tail !== undefined) common.tail = opts.tail;
    try {
      if (opts.follow) {
        const raw = (await container.logs({ ...common, follow: true })) as unknown as Readable;
        if (tty) return raw;
        const out = raw.pipe(demuxToText());
        out.on('close', () => raw.destroy());
        return out;
      }
      const buf = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
      if (tty) return Readable.from([buf]);
      return Readable.from(new DockerFrameDecoder().push(buf).map((c) => c.data));
    } catch (err) {
      throw wrap(err, `logs of ${id.slice(0, 12)}`);
    }
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecSession> {
    try {
      const exec = await this.api.getContainer(id).exec({
        Cmd: spec.cmd, AttachStdin: spec.stdin, AttachStdout: spec.stdout, AttachStderr: spec.stderr, Tty: spec.tty,
      });
      const conn = (await exec.start({ hijack: true, stdin: spec.stdin, Tty: spec.tty })) as unknown as Duplex;
      const { stdout, stderr, ended } = splitHijacked(conn, spec.tty);
      return {
        stdout, stderr,
        stdin: spec.stdin ? conn : undefined,
        resize: async (width, height) => {
          try {
            await exec.resize({ w: width, h: height });
          } catch {
            // resizing a finished exec fails; nothing to do
          }
        },
        ended: () => ended,
        exitCode: async () => {
          await ended;
          for (let i = 0; i < 50; i++) {
            const info = await exec.inspect();
            if (!info.Running && info.ExitCode !== null) return info.ExitCode;
            await new Promise((r) => setTimeout(r, 20));
          }
          return (await exec.inspect()).ExitCode ?? 1;
        },
        close: () => conn.destroy(),
      };
    } catch (err) {
      throw wrap(err, `exec in ${id.slice(0, 12)}`);
    }
  }

  /**
   * Docker's attach semantics carry through: with StdinOnce and no TTY, stdin EOF closes the
   * process' stdin; otherwise stdin EOF detaches (the output ends, the process keeps running).
   * An attach opened just as the container stopped is never ended by Docker, so a wait on the
   * container ends it after a short drain of trailing output.
   */
  async attach(id: string, spec: AttachSpec): Promise<StreamSession> {
    const container = this.api.getContainer(id);
    try {
      const info = await container.inspect();
      if (!info.State.Running) throw new DockerError(`container ${id.slice(0, 12)} is not running`, 409);
      const conn = (await container.attach({ stream: true, stdin: spec.stdin, stdout: spec.stdout, stderr: spec.stderr, hijack: true })) as unknown as Duplex;
      const { stdout, stderr, ended } = splitHijacked(conn, info.Config.Tty);
      const stopWaiting = new AbortController();
      void ended.then(() => stopWaiting.abort());
      container.wait({ abortSignal: stopWaiting.signal }).then(
        () => setTimeout(() => conn.destroy(), ATTACH_DRAIN_MS).unref(),
        () => undefined, // aborted: the attach ended first
      );
      return {
        stdout, stderr,
        stdin: spec.stdin ? conn : undefined,
        resize: async (width, height) => {
          try {
            await container.resize({ w: width, h: height });
          } catch {
            // no TTY, or the container just stopped; nothing to do
          }
        },
        ended: () => ended,
        close: () => {
          stopWaiting.abort();
          conn.destroy();
        },
      };
    } catch (err) {
      if (err instanceof DockerError) throw err;
      throw wrap(err, `attach to ${id.slice(0, 12)}`);
    }
  }

  async execRun(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const session = await this.exec(id, { cmd, tty: false, stdin: false, stdout: true, stderr: true });
    let output = '';
    const collect = (d: Buffer): void => {
      if (output.length < 10_240) output += d.toString('utf8');
    };
    session.stdout.on('data', collect);
    session.stderr.on('data', collect);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        session.close();
        reject(new DockerError(`command timed out after ${timeoutMs}ms`));
      }, timeoutMs);
    });
    try {
      const exitCode = await Promise.race([session.exitCode(), timeout]);
      return { exitCode, output };
    } finally {
      clearTimeout(timer);
    }
  }
}
