/**
 * Upstream resolvers from a resolv.conf (`nameserver` lines), the default when the agent is given
 * none. Our own listen addresses are dropped: forwarding to ourselves would loop (CoreDNS has a
 * `loop` plugin for this; refusing the configuration is simpler).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!.replace(/%.*$/, '')) !== 0) out.push(m[1]!.replace(/%.*$/, ''));
  }
  return out;
}

export function upstreamsFromResolvConf(path = '/etc/resolv.conf', exclude: readonly string[] = []): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseResolvConf(text).filter((ip) => !exclude.includes(ip));
}
