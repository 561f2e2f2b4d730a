/**
 * Entry point of leitung-phonebook. Before anything else is loaded, SIGUSR1 is made inert: on Node 20 the
 * signal opens the inspector on 127.0.0.1:9229, and a debugger attached to a phonebook reads the vault
 * passphrase and every key (docs/client.md "SecurityMonitor findings"). A JavaScript listener replaces
 * that default; Node 20 has no --disable-sigusr1. The listener stays for the life of the process (removing
 * it would restore the default); the SecurityMonitor adds its own to report each such signal. The program
 * itself is imported only afterwards, so the unguarded window is Node's own start-up.
 */
process.on('SIGUSR1', () => {});
await import('./program.js');
