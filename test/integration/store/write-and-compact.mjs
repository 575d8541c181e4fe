// Run as a separate process by etcd-store.test.ts: `count` puts of `size`-byte values under
// `prefix`, then a physical compaction at the last revision, which it prints.
import { Etcd3 } from 'etcd3';

const [endpoint, prefix, count, size] = process.argv.slice(2);
const client = new Etcd3({ hosts: endpoint });
const value = 'x'.repeat(Number(size));
let revision = 0;
for (let i = 0; i < Number(count); i++) {
  const res = await client.put(`${prefix}${i}`).value(value).exec();
  revision = Number(res.header.revision);
}
await client.kv.compact({ revision, physical: true });
console.log(revision);
client.close();
