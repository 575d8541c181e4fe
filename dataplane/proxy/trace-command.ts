/**
 * `tug trace --node NAME --src IP --dst IP --dport N [--proto tcp|udp] [--kubeconfig FILE]
 *  [--cluster-cidr CIDR]`: explains what the node's proxy (iptables mode) does with the first
 * packet of that connection — every chain, the DNAT (with its probability when the endpoint is
 * chosen at random), masquerading, REJECT. A source equal to the node's address is traced as
 * traffic the node sends itself (OUTPUT); anything else as arriving traffic (PREROUTING).
 */
import { parseArgs } from 'node:util';
import { ApiClient, loadKubeconfig } from '../../control/client/index.js';
import { planFromApi } from './plan-from-api.js';
import { explainTrace, traceAll } from './core/tracer.js';

const USAGE = 'usage: tug trace --node NAME --src IP --dst IP --dport N [--proto tcp|udp] [--kubeconfig FILE] [--cluster-cidr 10.244.0.0/16]\n';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      node: { type: 'string' }, src: { type: 'string' }, dst: { type: 'string' }, dport: { type: 'string' },
      proto: { type: 'string', default: 'tcp' }, kubeconfig: { type: 'string' }, 'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dport = Number(values.dport);
  const proto = values.proto!.toLowerCase();
  if (!values.node || !values.src || !values.dst || !Number.isInteger(dport) || dport <= 0 || (proto !== 'tcp' && proto !== 'udp')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const client = new ApiClient(loadKubeconfig(values.kubeconfig));
  try {
    const { plan, nodeIP } = await planFromApi(client, values.node, values['cluster-cidr']!);
    const packet = { src: values.src, dst: values.dst, dport, proto: proto as 'tcp' | 'udp', origin: values.src === nodeIP ? 'local' as const : 'remote' as const };
    process.stdout.write(explainTrace(plan, packet, traceAll(plan, packet)));
    return 0;
  } finally {
    client.close();
  }
}
