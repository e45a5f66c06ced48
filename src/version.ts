/** nasd's version, reported by /api/health and the OpenAPI document. */
export const NASD_VERSION = '0.1.0';
