// js_streams — @aws-sdk/client-dynamodb-streams against a DynamoDB endpoint's streams.
// usage: node tests/e2e/js_streams.mjs <endpoint-url> <table-name> [pause-ms]
// Creates a table with a NEW_AND_OLD_IMAGES stream, writes an INSERT, a MODIFY and a REMOVE
// (pause-ms apart: a stream that splits meanwhile has them in a parent and its descendants),
// then reads the stream with the streams client (ListStreams, DescribeStream paged two shards
// at a time, GetShardIterator TRIM_HORIZON of every shard, a child after its parent as the
// KCL does, GetRecords paging with Limit 1) and prints one JSON line with what it saw; exits
// non-zero on any failure.  Driven by tests/e2e/test_streams.py and test_stream_shards.py.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tools", "oracle", "package.json"));
const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, DeleteItemCommand,
  DeleteTableCommand,
} = require("@aws-sdk/client-dynamodb");
const {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
  GetRecordsCommand,
} = require("@aws-sdk/client-dynamodb-streams");

const [endpoint, table, pauseArg] = process.argv.slice(2);
const pause = () => new Promise((ok) => setTimeout(ok, Number(pauseArg || 0)));
if (!endpoint || !table) {
  console.error("usage: js_streams.mjs <endpoint-url> <table-name>");
  process.exit(2);
}
const cfg = { endpoint, region: "us-east-1", maxAttempts: 1,
              credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const ddb = new DynamoDBClient(cfg);
const streams = new DynamoDBStreamsClient(cfg);

async function main() {
  const out = {};
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  }));
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table.LatestStreamArn;
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" }, v: { N: "1" } } }));
  if (pauseArg) await pause();
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" }, v: { N: "2" } } }));
  if (pauseArg) await pause();
  await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: "a" } } }));
  const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
  out.listed = listed.Streams.map((s) => s.StreamArn === arn);
  const desc = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  out.status = desc.StreamDescription.StreamStatus;
  out.view = desc.StreamDescription.StreamViewType;
  // every shard (a stream of several, as AWS's: ddbchat serve --stream-shards), listed two at
  // a time (Limit, ExclusiveStartShardId, LastEvaluatedShardId); one key: all in one shard
  const listing = [];
  let start;
  do {
    const page = (await streams.send(new DescribeStreamCommand({
      StreamArn: arn, Limit: 2, ExclusiveStartShardId: start }))).StreamDescription;
    listing.push(...page.Shards);
    start = page.LastEvaluatedShardId;
  } while (start);
  out.shards = listing.length;
  out.splits = listing.filter((p) => listing.filter((c) => c.ParentShardId === p.ShardId)
    .length === 2).length;
  // a child after its parent (ParentShardId), as the KCL reads a lineage
  const shards = [];
  const placed = new Set();
  while (shards.length < listing.length) {
    const before = shards.length;
    for (const s of listing) {
      const known = listing.some((p) => p.ShardId === s.ParentShardId);
      if (!placed.has(s.ShardId) && (!known || placed.has(s.ParentShardId))) {
        shards.push(s.ShardId);
        placed.add(s.ShardId);
      }
    }
    if (shards.length === before) throw new Error("a shard lineage with a cycle");
  }
  const recs = [];
  out.ended = 0;
  for (const shard of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({
      StreamArn: arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let i = 0; i < 10 && it; i++) {
      const r = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1 }));
      recs.push(...r.Records);
      it = r.NextShardIterator;
      if (!it) out.ended++; // a closed shard read to its end
      if (r.Records.length === 0) break;
    }
  }
  out.events = recs.map((r) => r.eventName);
  out.newV = recs.map((r) => r.dynamodb.NewImage?.v?.N ?? null);
  out.oldV = recs.map((r) => r.dynamodb.OldImage?.v?.N ?? null);
  out.dateType = recs.length ? typeof recs[0].dynamodb.ApproximateCreationDateTime.getTime : "";
  try {
    await streams.send(new GetRecordsCommand({ ShardIterator: "garbage" }));
    out.badIterator = "accepted";
  } catch (e) {
    out.badIterator = e.name;
    out.badIteratorStatus = e.$metadata?.httpStatusCode;
  }
  await ddb.send(new DeleteTableCommand({ TableName: table }));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
