/** @packageDocumentation @leitung/client — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/client';
