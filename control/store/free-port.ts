/**
 * Ask the kernel for an unused loopback TCP port. The port is released before returning, so a
 * racing process could take it; callers that bind it themselves (etcd) fail loudly if so.
 */
import { createServer } from 'node:net';

export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('findFreePort: no TCP address'));
        return;
      }
      const port = address.port;
      server.close(() => resolve(port));
    });
  });
}
