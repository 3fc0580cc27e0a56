// js_streams_api — each DynamoDB Streams call of @aws-sdk/client-dynamodb-streams, as an
// application written for AWS makes it, against a DynamoDB endpoint's streams.
// usage: node tests/e2e/js_streams_api.mjs <endpoint-url> <table-prefix> api
//   Three tables with streams; ListStreams one stream a page (Limit 1, ExclusiveStartStreamArn
//   from LastEvaluatedStreamArn) until the last page; DescribeStream one shard a page (Limit,
//   ExclusiveStartShardId); four records a, b, c, d in one shard read with GetShardIterator of
//   every type (TRIM_HORIZON paged by GetRecords Limit 2, AT_SEQUENCE_NUMBER and
//   AFTER_SEQUENCE_NUMBER of b's, LATEST before d is written); then the stream disabled and
//   its shard read to its end (a closed shard: no NextShardIterator).
// usage: node tests/e2e/js_streams_api.mjs <endpoint-url> <table-prefix> errors
//   Against a server whose iterators live 1 s and records 2 s (ddbchat serve
//   --stream-iterator-seconds 1 --stream-retention-seconds 2): GetRecords with an expired
//   iterator, and GetShardIterator AT_SEQUENCE_NUMBER of a trimmed record, as the SDK parses
//   them (name, message, HTTP status, fault).
// Prints one JSON line with what it saw; exits non-zero on an unexpected failure.  Driven by
// tests/e2e/test_streams.py (test_js_streams_client_api, test_js_streams_client_errors).
import { clientConfig, sdk } from "./js_sdk.mjs";

const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, UpdateTableCommand,
  DeleteTableCommand,
} = sdk("@aws-sdk/client-dynamodb");
const {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
  GetRecordsCommand,
} = sdk("@aws-sdk/client-dynamodb-streams");

const [endpoint, prefix, mode] = process.argv.slice(2);
if (!endpoint || !prefix || !["api", "errors"].includes(mode)) {
  console.error("usage: js_streams_api.mjs <endpoint-url> <table-prefix> api|errors");
  process.exit(2);
}
const cfg = clientConfig(endpoint);
const ddb = new DynamoDBClient(cfg);
const streams = new DynamoDBStreamsClient(cfg);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function streamTable(name) {
  await ddb.send(new CreateTableCommand({
    TableName: name, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
  }));
  return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table.LatestStreamArn;
}

const put = (name, k) =>
  ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: k } } }));
const keys = (recs) => recs.map((r) => r.dynamodb.Keys.pk.S);
const iter = async (arn, shard, type, seq) => (await streams.send(new GetShardIteratorCommand({
  StreamArn: arn, ShardId: shard, ShardIteratorType: type, SequenceNumber: seq }))).ShardIterator;
const failure = (e) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode,
                          fault: e.$fault });

async function api() {
  const out = {};
  const names = [0, 1, 2].map((i) => `${prefix}${i}`);
  const arns = [];
  for (const n of names) arns.push(await streamTable(n));
  // ListStreams, one stream a page, over every stream of the endpoint
  const listed = [];
  let start, pages = 0;
  do {
    const page = await streams.send(new ListStreamsCommand({ Limit: 1,
                                                             ExclusiveStartStreamArn: start }));
    pages++;
    if (page.Streams.length > 1) throw new Error(`Limit 1 gave ${page.Streams.length}`);
    listed.push(...page.Streams.map((s) => s.StreamArn));
    start = page.LastEvaluatedStreamArn;
  } while (start && pages < 5000); // an ExclusiveStartStreamArn ignored: listedDistinct false
  out.listedOurs = arns.map((a) => listed.filter((x) => x === a).length);
  out.listedDistinct = new Set(listed).size === listed.length;
  out.listPagesAtLeast3 = pages >= 3;
  const one = await streams.send(new ListStreamsCommand({ TableName: names[1] }));
  out.byTable = one.Streams.map((s) => [s.StreamArn === arns[1], s.TableName, s.StreamLabel === arns[1].split("/stream/")[1]]);

  const [name, arn] = [names[0], arns[0]];
  for (const k of ["a", "b", "c"]) await put(name, k);
  // DescribeStream: Limit 1, then after the one shard there is
  const d1 = (await streams.send(new DescribeStreamCommand({ StreamArn: arn, Limit: 1 })))
    .StreamDescription;
  const shard = d1.Shards[0].ShardId;
  out.describe = { shards: d1.Shards.length, status: d1.StreamStatus, view: d1.StreamViewType,
                   tableName: d1.TableName, keySchema: d1.KeySchema,
                   creation: typeof d1.CreationRequestDateTime?.getTime,
                   startingSeq: typeof d1.Shards[0].SequenceNumberRange.StartingSequenceNumber,
                   open: d1.Shards[0].SequenceNumberRange.EndingSequenceNumber === undefined };
  const d2 = (await streams.send(new DescribeStreamCommand({
    StreamArn: arn, ExclusiveStartShardId: shard }))).StreamDescription;
  out.describeAfterLast = { shards: d2.Shards.length, lek: d2.LastEvaluatedShardId ?? null };

  // TRIM_HORIZON, two records a page
  const trimPages = [];
  let it = await iter(arn, shard, "TRIM_HORIZON");
  for (let i = 0; i < 5 && it; i++) {
    const r = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
    if (r.Records.length === 0) break;
    trimPages.push(keys(r.Records));
    it = r.NextShardIterator;
  }
  out.trimHorizonPages = trimPages;
  const all = (await streams.send(new GetRecordsCommand({
    ShardIterator: await iter(arn, shard, "TRIM_HORIZON") }))).Records;
  const seqB = all[1].dynamodb.SequenceNumber;
  const read = async (type, seq) => keys((await streams.send(new GetRecordsCommand({
    ShardIterator: await iter(arn, shard, type, seq) }))).Records);
  out.atB = await read("AT_SEQUENCE_NUMBER", seqB);
  out.afterB = await read("AFTER_SEQUENCE_NUMBER", seqB);
  const latest = await iter(arn, shard, "LATEST");
  const r0 = await streams.send(new GetRecordsCommand({ ShardIterator: latest }));
  out.latestBefore = keys(r0.Records);
  await put(name, "d");
  out.latestAfter = keys((await streams.send(new GetRecordsCommand({
    ShardIterator: r0.NextShardIterator }))).Records);

  // disabled: the shard is closed (EndingSequenceNumber); read to its end, the last answer
  // has no NextShardIterator
  await ddb.send(new UpdateTableCommand({ TableName: name,
                                          StreamSpecification: { StreamEnabled: false } }));
  let closed = null;
  for (let i = 0; i < 300 && !closed; i++) {
    const d = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
      .StreamDescription;
    const s = d.Shards.find((x) => x.ShardId === shard);
    if (s?.SequenceNumberRange?.EndingSequenceNumber) closed = { status: d.StreamStatus, s };
    else await sleep(100);
  }
  out.closed = closed !== null;
  if (closed) {
    out.closedStatus = closed.status;
    const got = [];
    let next = await iter(arn, shard, "TRIM_HORIZON"), answers = 0, lastHadNext = true;
    while (next && answers < 50) {
      const r = await streams.send(new GetRecordsCommand({ ShardIterator: next, Limit: 3 }));
      answers++;
      got.push(...keys(r.Records));
      next = r.NextShardIterator;
      lastHadNext = "NextShardIterator" in r && r.NextShardIterator !== undefined;
    }
    out.closedRead = got;
    out.closedEnded = next === undefined || next === null;
    out.closedLastHadNext = lastHadNext;
    out.endingIsLast = closed.s.SequenceNumberRange.EndingSequenceNumber ===
      (await streams.send(new GetRecordsCommand({ ShardIterator: await iter(arn, shard,
        "TRIM_HORIZON") }))).Records.at(-1)?.dynamodb.SequenceNumber;
  }
  for (const n of names) await ddb.send(new DeleteTableCommand({ TableName: n }));
  console.log(JSON.stringify(out));
}

async function errors() {
  const out = {};
  const name = `${prefix}e`;
  const arn = await streamTable(name);
  await put(name, "x");
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
    .StreamDescription.Shards[0].ShardId;
  const it = await iter(arn, shard, "TRIM_HORIZON");
  const t0 = Date.now();
  const seq = (await streams.send(new GetRecordsCommand({ ShardIterator: it })))
    .Records[0].dynamodb.SequenceNumber;
  await sleep(Math.max(0, 1300 - (Date.now() - t0)));
  try {
    await streams.send(new GetRecordsCommand({ ShardIterator: it }));
    out.expired = "accepted";
  } catch (e) {
    out.expired = failure(e);
  }
  // the record is trimmed once older than the retention: waited for, 60 s at most
  const deadline = Date.now() + 60000;
  while (!out.trimmed && Date.now() < deadline) {
    try {
      await iter(arn, shard, "AT_SEQUENCE_NUMBER", seq);
      await sleep(200);
    } catch (e) {
      out.trimmed = failure(e);
    }
  }
  await ddb.send(new DeleteTableCommand({ TableName: name }));
  console.log(JSON.stringify(out));
}

(mode === "api" ? api : errors)().catch((e) => {
  console.error(e);
  process.exit(1);
});
