export interface TestKeyPair {
  /** SPKI, PEM. */
  readonly publicKeyPem: string;
  /** PKCS#8, PEM (unencrypted; test-only). */
  readonly privateKeyPem: string;
}
export declare const TEST_KEY_DIR: string;
/** The named test key pair (RSA-4096, e = 65537), generated once and cached under node_modules/.cache. */
export declare function testKeyPair(name: string): Promise<TestKeyPair>;
