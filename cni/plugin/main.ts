#!/usr/bin/env node
// tug-cni: the executable a CNI runtime calls once per operation. Reads stdin, runs the dispatcher with the
// real iproute2 netlink, writes stdout/stderr, exits 0 or 1. Imports only node built-ins (it runs per pod).
import { IpRoute2Netlink } from '../netlink/iproute2.js';
import { runPlugin } from './dispatcher.js';

async function readStdin(): Promise<string> {
  // A runtime may leave stdin attached to a TTY for VERSION; never block on it.
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const out = await runPlugin({ env: process.env, stdin: await readStdin() }, { netlink: new IpRoute2Netlink() });
process.exitCode = out.exitCode;
if (out.stderr) process.stderr.write(out.stderr);
process.stdout.write(out.stdout);
