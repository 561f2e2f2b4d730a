/** @packageDocumentation @leitung/session — the session layer shared by client and relay. */
export const PACKAGE_NAME = '@leitung/session';
