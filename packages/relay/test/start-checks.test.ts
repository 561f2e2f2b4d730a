/**
 * The start checks' words (docs/operations.md "Start"): the errno codes an operator meets become plain reasons with
 * the code once. Tests run as root here, so EACCES cannot be produced for real; the real EADDRINUSE and ENOTDIR
 * paths are covered through the program in cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fileSystemProblem } from '../src/shell/data-dir.js';
import { portError } from '../src/shell/port-check.js';

const errno = (code: string) => Object.assign(new Error(`${code}: raw text`), { code });

describe('start checks in words', () => {
  it('names the listener, the address and what to do for a port that cannot be bound', () => {
    const control = { listener: 'control', protocol: 'tcp', host: '127.0.0.1', port: 80 } as const;
    const privileged = portError(control, errno('EACCES'));
    expect(privileged.code).toBe('RELAY_ERR_PORT_UNAVAILABLE');
    expect(privileged.message).toBe(
      'the control port 127.0.0.1:80 (TCP) may not be used by this user (ports below 1024 need privileges): choose a port from 1024 up',
    );
    const media = { listener: 'media', protocol: 'udp', host: '::1', port: 5061 } as const;
    expect(portError(media, errno('EADDRNOTAVAIL')).message).toBe(
      'the media port [::1]:5061 (UDP) cannot be bound: ::1 is not an address of this machine',
    );
    expect(portError(media, errno('EADDRINUSE')).message).not.toContain('EADDRINUSE');
  });

  it('turns file-system errno codes into words with the code once', () => {
    expect(fileSystemProblem(errno('EACCES'))).toBe('permission denied (EACCES)');
    expect(fileSystemProblem(errno('EROFS'))).toBe('the file system is read-only (EROFS)');
    expect(fileSystemProblem(errno('ENOSPC'))).toBe('no space left on the device (ENOSPC)');
    expect(fileSystemProblem(errno('EWHATEVER'))).toBe('file system error (EWHATEVER)');
  });
});
