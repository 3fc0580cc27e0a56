// js_sdk — what the JavaScript clients of tests/e2e share: the AWS SDK for JavaScript v3
// packages that tools/oracle installs (`sdk(name)` loads one from there), and the client
// configuration of an endpoint (one attempt: a failure is the test's, not hidden by a retry;
// any credentials: ddbchat and DynamoDB Local accept every signer).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const sdk = createRequire(path.join(here, "..", "..", "tools", "oracle", "package.json"));

export function clientConfig(endpoint) {
  return { endpoint, region: "us-east-1", maxAttempts: 1,
           credentials: { accessKeyId: "x", secretAccessKey: "x" } };
}
