/**
 * This release's version, as `contentkv --version` prints it and the MCP server announces it.
 * A constant rather than a read of package.json, which a serverless bundle may not ship; a test
 * (test/cli/version.test.ts) keeps it equal to package.json.
 */
export const VERSION = '0.1.0';
