/** @packageDocumentation @leitung/relay — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/relay';
