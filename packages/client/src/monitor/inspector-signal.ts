/**
 * SIGUSR1 opens the Node inspector of a running process (docs/client.md "SecurityMonitor findings"):
 * anyone who may signal the process (same user, root) gets a debugger on 127.0.0.1:9229 and can read the
 * vault passphrase and every key. Node 20 has no `--disable-sigusr1`; a JavaScript SIGUSR1 listener
 * replaces the default action, so the inspector stays closed while one is installed.
 *
 * The guard is permanent: removing the last SIGUSR1 listener would not bring back a harmless default but
 * the signal's default action (the process dies), or, depending on the Node version, the inspector.
 */
let installed = false;

/**
 * Makes SIGUSR1 inert for the rest of the process's life (idempotent). Call it as early as possible in a
 * program that holds secrets; the SecurityMonitor calls it on `start()` and reports each such signal.
 * Returns false where the platform has no SIGUSR1 (Windows).
 */
export function disableInspectorSignal(): boolean {
  if (process.platform === 'win32') return false;
  if (!installed) {
    // The listener itself does nothing: its presence is what keeps the inspector closed.
    process.on('SIGUSR1', inert);
    installed = true;
  }
  return true;
}

function inert(): void {}
