/**
 * The narrow container-runtime contract the kubelet needs. The real implementation is
 * docker-engine.ts (dockerode); test/fakes/docker.ts is a behaving in-memory engine.
 *
 * Containers are found by labels only (labels.ts), never by name, so an agent restart finds what
 * it started before, and one Docker engine can serve several local nodes.
 */
import type { Duplex, Readable } from 'node:stream';

export type ContainerStatusName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatusName;
  running: boolean;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  /** ISO timestamps; '' when the container never started / has not finished */
  startedAt: string;
  finishedAt: string;
}

/** What the kubelet knows about one container (from inspect). */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** image ID (sha256:…) */
  imageId: string;
  labels: Record<string, string>;
  created: string;
  state: ContainerState;
}

/** What `docker ps -a` gives cheaply; `stateKey` changes whenever the container's state does. */
export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  /** e.g. "running|Up 3 seconds" */
  stateKey: string;
}

export interface ContainerCreateSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** replaces the image ENTRYPOINT when set (kube `command`) */
  entrypoint?: string[];
  /** replaces the image CMD when set (kube `args`) */
  cmd?: string[];
  env: string[];
  workingDir?: string;
  /** "hostPath:containerPath[:ro]" */
  binds: string[];
  network: { mode: 'none' } | { mode: 'container'; id: string };
  memoryBytes?: number;
  nanoCpus?: number;
  cpuShares?: number;
  tty?: boolean;
  openStdin?: boolean;
  stdinOnce?: boolean;
  privileged?: boolean;
  user?: string;
  /** UTS hostname; only for the sandbox (containers joining its netns share its UTS namespace) */
  hostname?: string;
  /** shared memory size for /dev/shm (bytes) */
  shmSize?: number;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
}

export interface ExecSpec {
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/**
 * A process' standard streams over one hijacked Docker connection (an exec, or an attach to the
 * container's main process), already demuxed: with a TTY everything arrives on stdout.
 */
export interface StreamSession {
  stdout: Readable;
  stderr: Readable;
  /** writable end of the process' stdin (ended = EOF); undefined when stdin was not requested */
  stdin?: Duplex | NodeJS.WritableStream;
  resize(width: number, height: number): Promise<void>;
  /** resolves once the output ended: the process exited, or Docker ended an attach (stdin EOF detaches) */
  ended(): Promise<void>;
  /** abandon the session (client went away) */
  close(): void;
}

/** A started exec: a stream session plus the command's exit code. */
export interface ExecSession extends StreamSession {
  /** resolves with the exit code once the output ended */
  exitCode(): Promise<number>;
}

/** Which of the main process' streams an attach joins (the TTY is the container's, fixed at create). */
export interface AttachSpec {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  sinceSeconds?: number;
  timestamps: boolean;
}

export interface Docker {
  ping(): Promise<string>;
  /** containers (running or not) carrying every `key=value` label */
  listContainers(labels: string[]): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), SIGKILL after `timeoutSeconds`; no-op when not running */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** force-removes; missing containers are fine */
  removeContainer(id: string): Promise<void>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** rejects with the registry's message; gives up after `timeoutMs` */
  pullImage(ref: string, timeoutMs: number): Promise<void>;
  /** stdout and stderr of the container interleaved as text */
  logs(id: string, opts: LogOptions): Promise<Readable>;
  exec(id: string, spec: ExecSpec): Promise<ExecSession>;
  /** joins the running container's main process (rejects when it is not running) */
  attach(id: string, spec: AttachSpec): Promise<StreamSession>;
  /** run a command to completion (probes); output capped; rejects on timeout */
  execRun(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  version(): Promise<string>;
}

export class DockerError extends Error {
  constructor(message: string, readonly statusCode?: number) {
    super(message);
  }
}
