/** @packageDocumentation @leitung/crypto — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/crypto';
