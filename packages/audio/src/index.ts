/** @packageDocumentation @leitung/audio — implementation lands with its issue. */
export const PACKAGE_NAME = '@leitung/audio';
