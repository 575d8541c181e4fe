#!/usr/bin/env node
/**
 * `tug`: the command dispatcher. Each subcommand's module is loaded only when used, so
 * `tug status` does not load the API server and `tug agent` does not load etcd.
 */
type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { load: () => Promise<Command>; help: string }> = {
  up: { load: () => import('./commands/up.js'), help: 'bring up (or back) a local cluster' },
  down: { load: () => import('./commands/down.js'), help: 'stop a local cluster and remove what it created (--purge: and its data)' },
  status: { load: () => import('./commands/status.js'), help: 'show the health of a local cluster' },
  kubeconfig: { load: () => import('./commands/kubeconfig.js'), help: "print a local cluster's admin kubeconfig" },
  server: { load: () => import('./commands/server.js'), help: 'run the control plane in the foreground' },
  agent: { load: () => import('../../dataplane/agent.js'), help: 'run a node agent (kubelet, overlay, proxy, DNS) in the foreground' },
  images: { load: () => import('./commands/images.js'), help: 'build the offline images (tugboat/pause, tugboat/testapp)' },
  trace: { load: () => import('../../dataplane/proxy/trace-command.js'), help: 'explain what a node\'s service proxy does with a packet' },
  supervise: { load: () => import('./commands/supervise.js'), help: '(internal) keep a process running' },
};

function help(): string {
  const lines = Object.entries(COMMANDS).filter(([n]) => n !== 'supervise').map(([name, c]) => `  ${name.padEnd(12)} ${c.help}`);
  return `Usage: tug <command> [flags]\n\nCommands:\n${lines.join('\n')}\n`;
}

// `tug status | head` closes our stdout early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`tug: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  return (await cmd.load()).run(rest);
}

main().then(
  (code) => {
    // Daemons (server, agent) have stopped their parts by now; leftover keep-alive sockets or
    // timers must not hold the process for seconds. stdout/stderr are synchronous on Linux.
    process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`tug: ${err.message}\n`);
    process.exitCode = 1;
  },
);
