// js_vector — the AWS SDK for JavaScript v3 against a vector index: CreateTable with
// VectorIndexes, PutItem, DescribeTable, SearchVectors (the SDK in tools/oracle models it).
// usage: node tests/e2e/js_vector.mjs <endpoint-url> <table-name>
// Prints one JSON line with what it observed; exits non-zero on any failure.  Driven by
// tests/e2e/test_vector_search.py (test_js_sdk).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tools", "oracle", "package.json"));
const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, SearchVectorsCommand,
  DeleteTableCommand,
} = require("@aws-sdk/client-dynamodb");

const [endpoint, table] = process.argv.slice(2);
if (!endpoint || !table) {
  console.error("usage: js_vector.mjs <endpoint-url> <table-name>");
  process.exit(2);
}

const client = new DynamoDBClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "x", secretAccessKey: "x" },
});
const vec = (...xs) => ({ L: xs.map((x) => ({ N: String(x) })) });

async function main() {
  await client.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    VectorIndexes: [{
      IndexName: "emb", VectorAttribute: { AttributeName: "e" }, Dimensions: 2,
      DistanceFunction: "EUCLIDEAN", Projection: { ProjectionType: "KEYS_ONLY" },
    }],
  }));
  for (const [pk, e] of [["near", [1, 1]], ["mid", [2, 2]], ["far", [9, 9]]])
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, e: vec(...e) } }));
  const d = await client.send(new DescribeTableCommand({ TableName: table }));
  const r = await client.send(new SearchVectorsCommand({
    TableName: table, IndexName: "emb", SearchVector: [{ N: "1" }, { N: "1" }], TopK: 2,
    ReturnConsumedCapacity: "TOTAL",
  }));
  await client.send(new DeleteTableCommand({ TableName: table }));
  console.log(JSON.stringify({
    indexStatus: d.Table.VectorIndexes[0].IndexStatus,
    ids: r.SearchResults.map((h) => h.Item.pk.S),
    top: r.SearchResults[0].Score,
    bytes: r.ConsumedCapacity.VectorSearchRequestBytes > 0,
  }));
}

main().catch((e) => {
  console.error(e.name, e.message);
  process.exit(1);
});
