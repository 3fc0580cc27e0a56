// js_smoke — the AWS SDK for JavaScript v3 against a DynamoDB endpoint.
// usage: node tests/e2e/js_smoke.mjs <endpoint-url> <table-name>
// Credentials: JS_SMOKE_KEY / JS_SMOKE_SECRET (default "x"/"x").
// The SDK comes from tools/oracle/node_modules (resolved from there with createRequire, so
// it works whatever NODE_PATH says; ESM imports ignore NODE_PATH).  Prints one JSON line
// with what it observed; exits non-zero on any failure.  Driven by tests/e2e/test_clients.py.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tools", "oracle", "package.json"));
const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand,
  QueryCommand, DeleteTableCommand, ConditionalCheckFailedException,
} = require("@aws-sdk/client-dynamodb");

const [endpoint, table] = process.argv.slice(2);
if (!endpoint || !table) {
  console.error("usage: js_smoke.mjs <endpoint-url> <table-name>");
  process.exit(2);
}

const client = new DynamoDBClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: process.env.JS_SMOKE_KEY || "x",
                 secretAccessKey: process.env.JS_SMOKE_SECRET || "x" },
});

async function main() {
  const out = {};
  await client.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" },
                           { AttributeName: "sk", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  }));
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table.TableStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const sk of [1, 2, 3]) {
    await client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "js" }, sk: { N: String(sk) }, msg: { S: `hello ${sk}` } },
    }));
  }
  const g = await client.send(new GetItemCommand({
    TableName: table, Key: { pk: { S: "js" }, sk: { N: "2" } },
  }));
  out.get = g.Item.msg.S;
  const q = await client.send(new QueryCommand({
    TableName: table, KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": { S: "js" } }, ScanIndexForward: false,
  }));
  out.query = q.Items.map((it) => Number(it.sk.N));
  out.requestId = g.$metadata.requestId;
  try {
    await client.send(new PutItemCommand({
      TableName: table, Item: { pk: { S: "js" }, sk: { N: "1" } },
      ConditionExpression: "attribute_not_exists(pk)",
    }));
    out.conditional = "no error";
  } catch (e) {
    out.conditional = e instanceof ConditionalCheckFailedException ? e.name : `other: ${e.name}`;
    out.conditionalStatus = e.$metadata.httpStatusCode;
  }
  await client.send(new DeleteTableCommand({ TableName: table }));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(`js_smoke failed: ${e.name}: ${e.message}`);
  process.exit(1);
});
