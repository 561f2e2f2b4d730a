/** @packageDocumentation @leitung/merkle — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/merkle';
