// js_streams — @aws-sdk/client-dynamodb-streams against a DynamoDB endpoint's streams.
// usage: node tests/e2e/js_streams.mjs <endpoint-url> <table-name> [pause-ms]
// Creates a table with a NEW_AND_OLD_IMAGES stream, writes an INSERT, a MODIFY and a REMOVE
// (pause-ms apart: a stream that splits meanwhile has them in a parent and its descendants),
// then reads the stream with the streams client (ListStreams, DescribeStream paged two shards
// at a time, GetShardIterator TRIM_HORIZON of every shard, a child after its parent as the
// KCL does, GetRecords paging with Limit 1) and prints one JSON line with what it saw; exits
// non-zero on any failure.  Driven by tests/e2e/test_streams.py and test_stream_shards.py.
// usage: node tests/e2e/js_streams.mjs <endpoint-url> <table-name> consume <write-seconds>
// A consumer written for AWS, run while the table is written (12 keys, each value one more
// than the last, for write-seconds): the KCL's loop over the streams client.  ListStreams
// finds the stream; DescribeStream, paged, lists the shards every 2 s (new roots, trimmed
// shards gone), and a shard that ends has its children found by DescribeStream's ShardFilter
// CHILD_SHARDS; a shard is read from TRIM_HORIZON once its parent is read to its end (or its
// parent is not listed: trimmed, a root now); GetRecords follows NextShardIterator until
// it is absent (a closed shard's end); an expired iterator is taken again after the last
// record read (AFTER_SEQUENCE_NUMBER).  Prints one JSON line: what was written and read per
// key, the shards seen, the splits, and the errors met (none expected).
import { clientConfig, sdk } from "./js_sdk.mjs";

const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, DeleteItemCommand,
  DeleteTableCommand,
} = sdk("@aws-sdk/client-dynamodb");
const {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
  GetRecordsCommand,
} = sdk("@aws-sdk/client-dynamodb-streams");

const [endpoint, table, pauseArg, writeSecondsArg] = process.argv.slice(2);
const pause = () => new Promise((ok) => setTimeout(ok, Number(pauseArg || 0)));
if (!endpoint || !table) {
  console.error("usage: js_streams.mjs <endpoint-url> <table-name>");
  process.exit(2);
}
const cfg = clientConfig(endpoint);
const ddb = new DynamoDBClient(cfg);
const streams = new DynamoDBStreamsClient(cfg);

let main = async function () {
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

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function consume() {
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
  }));
  const written = {};
  let writing = true;
  const writer = (async () => {
    const end = Date.now() + Number(writeSecondsArg) * 1000;
    for (let i = 0; Date.now() < end; i++) {
      const k = `k${i % 12}`;
      await ddb.send(new PutItemCommand({ TableName: table,
                                          Item: { pk: { S: k }, v: { N: String(i) } } }));
      (written[k] ??= []).push(i);
      await sleep(10);
    }
    writing = false;
  })();
  const errors = [];
  const note = (what, e) => errors.push(`${what}: ${e.name}: ${e.message}`);
  // the KCL's loop
  const listed = await streams.send(new ListStreamsCommand({ TableName: table }));
  const arn = listed.Streams[0].StreamArn;
  const shards = new Map(); // id -> {parent, iter, last, done, started}
  const seen = new Set();
  const got = {};
  let splits = 0, ended = 0, pages = 0, idle = 0, relist = true, listedAt = 0, childCalls = 0;
  const list = async () => {
    const ids = new Set();
    let start;
    do {
      const page = (await streams.send(new DescribeStreamCommand({
        StreamArn: arn, Limit: 4, ExclusiveStartShardId: start }))).StreamDescription;
      pages++;
      for (const s of page.Shards) {
        ids.add(s.ShardId);
        seen.add(s.ShardId);
        if (!shards.has(s.ShardId))
          shards.set(s.ShardId, { parent: s.ParentShardId, done: false, started: false });
      }
      start = page.LastEvaluatedShardId;
    } while (start);
    for (const [id, sh] of shards) // trimmed: gone from the listing
      if (!ids.has(id)) shards.delete(id);
    const kids = {};
    for (const sh of shards.values()) if (sh.parent) kids[sh.parent] = (kids[sh.parent] || 0) + 1;
    splits = Math.max(splits, Object.values(kids).filter((n) => n === 2).length);
    relist = false;
    listedAt = Date.now();
  };
  for (;;) {
    if (relist || Date.now() - listedAt > 2000) await list();
    let any = false;
    for (const [id, sh] of shards) {
      if (sh.done) continue;
      const parent = sh.parent && shards.get(sh.parent);
      if (parent && !parent.done) continue; // a child after its parent
      if (!sh.started) {
        try {
          sh.iter = (await streams.send(new GetShardIteratorCommand({
            StreamArn: arn, ShardId: id, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
          sh.started = true;
        } catch (e) {
          if (e.name === "ResourceNotFoundException") { sh.done = true; relist = true; continue; }
          throw e;
        }
      }
      let r;
      try {
        r = await streams.send(new GetRecordsCommand({ ShardIterator: sh.iter, Limit: 25 }));
      } catch (e) {
        if (e.name !== "ExpiredIteratorException") { note(`GetRecords ${id}`, e); throw e; }
        sh.iter = (await streams.send(new GetShardIteratorCommand(sh.last
          ? { StreamArn: arn, ShardId: id, ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
              SequenceNumber: sh.last }
          : { StreamArn: arn, ShardId: id, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
        continue;
      }
      for (const rec of r.Records) {
        const k = rec.dynamodb.Keys.pk.S;
        (got[k] ??= []).push(Number(rec.dynamodb.NewImage.v.N));
        sh.last = rec.dynamodb.SequenceNumber;
        any = true;
      }
      sh.iter = r.NextShardIterator;
      if (!sh.iter) { // ended: its children, by the CHILD_SHARDS filter (no full listing)
        sh.done = true;
        ended++;
        const kids = (await streams.send(new DescribeStreamCommand({
          StreamArn: arn, ShardFilter: { Type: "CHILD_SHARDS", ShardId: id } }))).StreamDescription;
        childCalls++;
        for (const c of kids.Shards) {
          seen.add(c.ShardId);
          if (c.ParentShardId !== id) note(`CHILD_SHARDS ${id}`, { name: "wrong", message: c.ShardId });
          if (!shards.has(c.ShardId))
            shards.set(c.ShardId, { parent: c.ParentShardId, done: false, started: false });
        }
        if (kids.Shards.length === 0) relist = true; // none yet: look again by listing
      }
    }
    if (any) idle = 0; else idle++;
    if (!writing && idle >= 3 && !relist) break; // written, and three rounds found nothing
    if (!any) await sleep(50);
  }
  await writer;
  console.log(JSON.stringify({ written, got, shards: seen.size, splits, ended, pages, childCalls,
                               errors }));
}

main = writeSecondsArg && pauseArg === "consume" ? consume : main;
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
