/**
 * Entry of tugboat/testapp (`node /app/main.js`, PID 1 in its container). PID 1 gets no default
 * signal handlers, so SIGTERM/SIGINT are handled explicitly: stop accepting, drain for up to
 * $SHUTDOWN_GRACE_MS (default 2000), exit 0.
 */
import { startTestApp } from './app.js';

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

startTestApp(process.env, log).then((app) => {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`received ${signal}, shutting down`);
    app.shutdown(Number(process.env.SHUTDOWN_GRACE_MS || 2000)).then(() => {
      log('bye');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}, (err: Error) => {
  log(`testapp failed to start: ${err.message}`);
  process.exit(1);
});
