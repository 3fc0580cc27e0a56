/*
 * stream_reader — follows a table's DynamoDB stream through the backend seam.  Layer:
 * messaging.
 *
 * The reader calls only the DynamoDB and DynamoDB Streams operations (DescribeTable,
 * DescribeStream, GetShardIterator, GetRecords) through msg_backend_call, so it works the
 * same on the embedded engine, on a second ddbchat and on AWS (backend_remote: the Streams
 * endpoint streams.dynamodb.<region>.amazonaws.com).  It reads every shard of the table's
 * latest stream, as the Kinesis adapter's KCL does: AWS has one open shard per partition,
 * each with its own lineage, and a split closes a shard with two children.  It keeps a
 * position per shard; a shard is read only once its parent (ParentShardId), when that is
 * still listed, has been read to its end, so a key's records come in their order also across
 * a rotation or a split; new shards are found by DescribeStream (at once when a shard ends,
 * else every few seconds); shards no longer listed (trimmed) are dropped.  Each call returns
 * one shard's records (the shards taken in turn).  An expired iterator is replaced
 * (AFTER_SEQUENCE_NUMBER of the last record returned).  A stream read to its end (disabled)
 * is followed by the table's next stream, if it is enabled again, from that stream's first
 * record (looked up every 2 s while there is none).  Used by stream triggers (trigger.c),
 * `ddbchat streams tail` and the remote change feed.
 */
#ifndef DDB_MESSAGING_STREAM_READER_H
#define DDB_MESSAGING_STREAM_READER_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"
#include "messaging/backend.h"

#define MSG_SR_ARN_MAX 1100
#define MSG_SR_SHARD_MAX 80
#define MSG_SR_SEQ_MAX 48
/* how far a remote stream's clock (its ApproximateCreationDateTime) may be ahead of ours */
#define MSG_SR_SKEW_S 2

typedef enum msg_sr_start { MSG_SR_LATEST = 0, MSG_SR_TRIM_HORIZON } msg_sr_start;

typedef struct msg_stream_reader msg_stream_reader;

/* table's stream as DescribeTable shows it (through b): 1 when one is enabled (its ARN into
 * arn), 0 when none is -- no stream, or the latest one disabled, whose ARN stays on the table
 * (LatestStreamArn) though it never gets another record --, -1 when the table could not be
 * described.  For a change feed (backend_remote.c, backend_embedded.c): which stream to
 * follow, and whether the one followed is still it. */
int msg_stream_enabled(msg_backend *b, const char *table, char *arn, size_t cap);

/* Opens the latest stream of `table`.  resume (borrowed; may be NULL or of another stream):
 * a msg_stream_reader_state, to continue after it; else start at `start`.  A resume of the
 * older one-position form {"arn","shard","seq"} is carried over: that shard is read on after
 * seq, the shards before it in its lineage count as read, every other lineage is read from
 * its oldest record kept.  ERR_RESOURCE_NOT_FOUND (with a message) when the table has no
 * stream; the backend's errors. */
int msg_stream_reader_new(msg_backend *b, const char *table, msg_sr_start start,
                          const json_t *resume, msg_stream_reader **out, err_t *e);
void msg_stream_reader_free(msg_stream_reader *r);

/* The next records (GetRecords' shape), at most `max` (1..1000), as a new JSON array (empty
 * when nothing new arrived: the caller waits and asks again).  The reader's position moves
 * past them. */
int msg_stream_reader_next(msg_stream_reader *r, int max, json_t **out, err_t *e);
/* A page of records as text (msg_stream_reader_next_page): the GetRecords reply's text and
 * each record's place in it.  A record is parsed when it is used, one at a time
 * (msg_sr_page_record): a 1 MB page of wide images as one jansson tree took ~70 MB. */
typedef struct msg_sr_page {
    char *text;       /* the reply (malloc'ed) */
    size_t n;         /* records */
    size_t *off, *len; /* record i: text[off[i] .. off[i] + len[i]) (malloc'ed) */
} msg_sr_page;
/* msg_stream_reader_next with the records as text: *out filled (n 0 when nothing new); free
 * it with msg_sr_page_fini.  The backend's call_text when it has one, else its tree dumped. */
int msg_stream_reader_next_page(msg_stream_reader *r, int max, msg_sr_page *out, err_t *e);
/* Record i as a new jansson tree (NULL when out of memory). */
json_t *msg_sr_page_record(const msg_sr_page *p, size_t i);
/* Member k1 of record i (k2 set: member k2 of that member), its text's place: true and
 * *off, *len (in p->text), or false when absent.  k1, k2: plain names (no escapes). */
bool msg_sr_page_member(const msg_sr_page *p, size_t i, const char *k1, const char *k2,
                        size_t *off, size_t *len);
/* That member as a new jansson tree; NULL when absent or out of memory. */
json_t *msg_sr_page_member_json(const msg_sr_page *p, size_t i, const char *k1, const char *k2);
void msg_sr_page_fini(msg_sr_page *p);

/* The position after the last records returned, as a new JSON object (NULL: out of memory):
 * {"v":2,"arn":A,"shards":[{"shard":ID,"seq":S},...]}, one entry per shard being read
 * (seq "" : from its start; "since":MS instead: opened at LATEST at that time on the
 * stream's clock (the GetShardIterator answer's Date; ours when it sent none; builds before
 * this wrote ours, and are read the same way), nothing returned yet, so resumed from TRIM_HORIZON skipping records older than MS less
 * SR_SKEW_S (2 s); "latest":true with no time, written by 6787f1ee..4063a4cd only, is read
 * from TRIM_HORIZON: older records again rather than a loss; with "boot" and "since_boot",
 * this boot's id and CLOCK_BOOTTIME at that start, a resume in the same boot takes MS back
 * by as much as the stream's clock stepped back since) or read to its end
 * ("done":true) while DescribeStream still lists it. */
json_t *msg_stream_reader_state(const msg_stream_reader *r);
/* Hold mode (a trigger's per-shard delivery, as Lambda's event source mapping: one batch per
 * shard at a time, the shards concurrently).  With hold on, the shard whose records
 * msg_stream_reader_next* returned is held until msg_stream_reader_release names it: it is not
 * read again, its children are not opened (a parent's records are finished before its
 * children's), the stream is not left for the table's next one, and msg_stream_reader_state
 * gives its position from before those records (a restart delivers them again).  The other
 * shards are read meanwhile.  Off by default. */
void msg_stream_reader_hold(msg_stream_reader *r, bool on);
/* The records last returned from shard `shard` are finished: its position moves past them
 * and it is read again (a shard read to its end: its children are opened by the next read).
 * A shard not held, or no longer known: nothing. */
void msg_stream_reader_release(msg_stream_reader *r, const char *shard);
/* More records of held shard `shard` (hold mode), read after those returned from it so far, at
 * most `max` (1..1000), into *out (n 0: nothing new; msg_sr_page_fini): its held position
 * stays where it was (msg_stream_reader_state: a restart delivers all of them again), and
 * msg_stream_reader_release moves it past every record returned.  For a trigger's batching
 * window (Lambda's MaximumBatchingWindowInSeconds: a batch gathered over several reads).
 * *ended: the shard is read to its end, or not held, or not known (nothing more will come).
 * The backend's errors. */
int msg_stream_reader_next_page_of(msg_stream_reader *r, const char *shard, int max,
                                   msg_sr_page *out, bool *ended, err_t *e);
/* Part of held shard `shard`'s records is finished: its position (msg_stream_reader_state)
 * moves to after `seq`, one of the records returned from it, while it stays held (Lambda's
 * checkpoint at a ReportBatchItemFailures response: a restart delivers the rest only).  A
 * shard not held, or no longer known: nothing. */
void msg_stream_reader_checkpoint(msg_stream_reader *r, const char *shard, const char *seq);
/* How many shards are held. */
size_t msg_stream_reader_held(const msg_stream_reader *r);
/* The stream's ARN. */
const char *msg_stream_reader_arn(const msg_stream_reader *r);
/* The ShardId the records last returned came from ("" before any); valid until the next
 * msg_stream_reader_next* or _free. */
const char *msg_stream_reader_last_shard(const msg_stream_reader *r);

/* A record as AWS Lambda delivers it: GetRecords' record plus eventSourceARN, userIdentity
 * spelled {"type","principalId"}.  New reference; NULL when out of memory. */
json_t *msg_stream_lambda_record(const json_t *rec, const char *arn);
/* Record i of p as AWS Lambda delivers it (msg_stream_lambda_record's), read from its text
 * with no copy of the tree.  New reference; NULL when out of memory. */
json_t *msg_sr_page_lambda_record(const msg_sr_page *p, size_t i, const char *arn);

#endif
