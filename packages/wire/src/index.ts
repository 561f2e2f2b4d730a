/** @packageDocumentation @leitung/wire — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/wire';
