/*
 * trigger — stream triggers: runs a command for each batch of a table's stream records, the
 * way AWS Lambda runs a function for a DynamoDB stream.  Layer: messaging.
 *
 * One thread per trigger reads the table's stream through the backend seam (stream_reader.h:
 * embedded, a second ddbchat, or AWS with --endpoint), up to `batch` records of one shard at a
 * time, and hands each batch to a thread of its own, one batch per shard at a time (the shard
 * is not read again until its batch is done or discarded; a parent shard's batches finish
 * before its children's are read), up to MSG_TRIGGER_SHARDS_AT_ONCE shards at once; it
 * runs COMMAND through /bin/sh -c with the event Lambda delivers on its standard input:
 * {"Records":[...]} (each record with eventSourceARN).  Exit status 0 means the batch is done:
 * the position after it is saved (state_dir/trigger-<table>.json, trigger-<name>@<table>.json
 * for a named one (cfg.name), written atomically and synced; a shard whose batch is still running saved at its position before that batch)
 * before that shard's next batch is read, so a restart continues after the last finished batch
 * and never delivers a finished batch again (a batch cut off by a crash or a stop is delivered
 * again: at least once, in order).  Any other status, or a command killed by a signal, is
 * logged with the command's output and the batch is retried, with backoff (200 ms doubling to
 * 30 s), in order; so is a run past its timeout (cfg.timeout_s), killed.  By default a batch
 * is never skipped (a record the command always fails on stops its shard); with
 * cfg.max_attempts it is discarded after that many runs (its on-failure record written to
 * cfg.on_failure, its position saved) and the trigger goes on, and with cfg.bisect a failing
 * batch is first split down to the record that fails, as Lambda's event source mapping does;
 * with cfg.max_record_age_s records past that age are discarded before a run.  With
 * cfg.parallelization N > 1 a shard's page is split by partition key into N groups delivered
 * at once (each key's records in order); with cfg.filter only the records it passes are
 * delivered; with cfg.report_failures the command's response may name failed records (those
 * before the first are done, the rest retried).  The command's standard output and error go
 * to the log, line by line, each naming its shard.  With no saved position the trigger starts at the stream's LATEST (default) or
 * TRIM_HORIZON (LATEST names no record: until the first batch is done, a restart starts at
 * LATEST again).  A table without a stream (yet) is looked up again every few seconds.
 */
#ifndef DDB_MESSAGING_TRIGGER_H
#define DDB_MESSAGING_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "messaging/backend.h"
#include "messaging/stream_reader.h"
#include "messaging/trigger_filter.h"

#define MSG_TRIGGER_BATCH_DEFAULT 100
#define MSG_TRIGGER_BATCH_MAX 1000
#define MSG_TRIGGER_TIMEOUT_DEFAULT_S 900 /* Lambda's maximum function timeout */
#define MSG_TRIGGER_TIMEOUT_MAX_S 86400
/* A trigger delivers one batch per shard at a time, its shards concurrently (as Lambda's event
 * source mapping with ParallelizationFactor 1), at most this many batches at once: a stream
 * with more shards holding records has the rest wait for a free run. */
#define MSG_TRIGGER_SHARDS_AT_ONCE 16
/* Lambda's ParallelizationFactor's range: batches of one shard at once, each key's records in
 * one of them (so each slot of MSG_TRIGGER_SHARDS_AT_ONCE runs up to this many commands) */
#define MSG_TRIGGER_PARALLEL_MAX 10
/* Lambda's MaximumBatchingWindowInSeconds' range: 0..300 s */
#define MSG_TRIGGER_WINDOW_MAX_S 300

typedef struct msg_trigger_cfg {
    const char *table;
    const char *name;      /* NULL, or one of several triggers on the table (as Lambda allows
                            * several event source mappings on one stream): its files are
                            * state_dir/trigger-NAME@TABLE.{json,lock} (unnamed:
                            * trigger-TABLE.*), its log lines say "trigger NAME@TABLE", its
                            * /metrics series carry trigger="NAME" */
    const char *command;   /* run by /bin/sh -c */
    int batch;             /* records per event, 1..MSG_TRIGGER_BATCH_MAX */
    msg_sr_start start;    /* where to begin when no position was saved */
    const char *state_dir; /* where positions are saved (created if missing) */
    int poll_ms;           /* wait after an empty read (default 200) */
    int timeout_s;         /* a run longer than this is killed (its process group: SIGTERM,
                            * SIGKILL 1 s later) and counts as failed: retried in order, as a
                            * Lambda function's timeout (0: MSG_TRIGGER_TIMEOUT_DEFAULT_S) */
    int max_attempts;      /* runs of the command for one batch before the batch is discarded
                            * (Lambda's MaximumRetryAttempts + 1); 0: unlimited, retried until
                            * it succeeds (Lambda's default, -1, retries until the records
                            * expire) */
    int max_record_age_s;  /* records older than this (their ApproximateCreationDateTime) are
                            * discarded before a run, as Lambda's MaximumRecordAgeInSeconds;
                            * 0: never (Lambda's -1) */
    bool bisect;           /* a failed batch of several records is split in two and each half
                            * delivered in turn, down to one record, before its runs count
                            * (Lambda's BisectBatchOnFunctionError: a split uses no attempt) */
    bool report_failures;  /* the command's response (the last line of its output that is a
                            * JSON object) may name failed records, {"batchItemFailures":
                            * [{"itemIdentifier":SequenceNumber},...]}: those before the first
                            * named are done, the rest retried (Lambda's FunctionResponseTypes
                            * ReportBatchItemFailures) */
    int parallelization;   /* 1..MSG_TRIGGER_PARALLEL_MAX (0: 1): a shard's page of up to
                            * batch * this records split by partition key into this many
                            * groups delivered at once, each in order, batch by batch (Lambda's
                            * ParallelizationFactor: per-key order kept) */
    const msg_trigger_filter *filter; /* borrowed, must outlive the trigger (may be NULL):
                                       * records it does not pass are skipped, never
                                       * delivered, their position passed with their batch's
                                       * (Lambda's FilterCriteria) */
    const char *on_failure; /* a file (may be NULL): a discarded batch's on-failure record is
                             * appended to it, one JSON line (Lambda's on-failure destination
                             * record for a DynamoDB stream: DDBStreamBatchInfo), under an
                             * exclusive flock of the file (processes sharing it take turns);
                             * written,
                             * synced, before the batch is discarded: one that cannot be is
                             * tried again (backing off) and the batch kept meanwhile */
    int window_s;           /* 0..MSG_TRIGGER_WINDOW_MAX_S: a batch is gathered until it is full
                             * (batch records, or within a GetRecords page of Lambda's 6 MB
                             * payload) or this long after its first record was read, its
                             * shard read again meanwhile (Lambda's
                             * MaximumBatchingWindowInSeconds; 0: each read is a batch) */
    bool remote;            /* the stream is read through --endpoint: its clock may be up to
                             * MSG_SR_SKEW_S ahead of ours (max_record_age_s allows for it) */
} msg_trigger_cfg;

typedef struct msg_trigger msg_trigger;

/* The max_record_age_s rule: true when a record whose ApproximateCreationDateTime is at_ms
 * (rounded down to the second when `seconds`, else to the minute, as DynamoDB Local does),
 * read from a stream whose clock may be up to skew_s ahead of ours, is surely older than
 * max_age_s at now_ms (every time it may have been made at is). */
bool msg_trigger_surely_older(int64_t at_ms, bool seconds, int skew_s, int64_t now_ms,
                              int max_age_s);

/* A condition retried until it clears (records a batch could not take for want of memory):
 * said once when it starts, and once, with how many tries and how long, when it ends, not at
 * every try.  Zeroed: none. */
typedef struct msg_trigger_streak {
    long tries;       /* failed tries in this streak (0: none) */
    int64_t since_ms; /* the first one's time */
} msg_trigger_streak;

/* A try failed at now_ms: true when it starts a streak (say so). */
bool msg_trigger_streak_fail(msg_trigger_streak *s, int64_t now_ms);
/* A try worked at now_ms: true when it ends a streak (say how many tries failed, *tries, over
 * how long, *ms); the streak is then over. */
bool msg_trigger_streak_ok(msg_trigger_streak *s, int64_t now_ms, long *tries, int64_t *ms);

/* A trigger's name (NAME@TABLE=COMMAND): 1 to MSG_TRIGGER_NAME_MAX of [a-zA-Z0-9_.-], the
 * characters of a table name, so a file name and a metrics label as it is */
#define MSG_TRIGGER_NAME_MAX 64

/* Parses "[NAME@]TABLE=COMMAND" (the --trigger flag) into *table, *name (NULL when not named)
 * and *command (pointers into a copy the caller frees with free(*table)).  The table name is
 * not checked (api_name_valid); the trigger name is.  ERR_VALIDATION with a message. */
int msg_trigger_parse(const char *spec, char **table, const char **name, const char **command,
                      err_t *e);

/* Starts the trigger's thread (cfg's strings are copied; b borrowed, must outlive it). */
int msg_trigger_start(msg_backend *b, const msg_trigger_cfg *cfg, msg_trigger **out, err_t *e);
/* Asks the trigger to stop without waiting (several triggers then stop at once).  Accepts
 * NULL. */
void msg_trigger_request_stop(msg_trigger *t);
/* Renders the triggers' families for /metrics into b (a met collector's body: the serving
 * process registers one for all its triggers, so each family's HELP and TYPE come once).
 * ts[0..n-1] may hold NULLs.  Labels: table, and trigger (its name) for a named trigger.
 *   ddbchat_trigger_iterator_age_seconds  Lambda's IteratorAge, the most lagging shard's: the
 *                                         oldest of the batches being delivered (each the age
 *                                         of its newest record now, growing while it is
 *                                         retried); none being delivered, the last batch's
 *                                         when it started; 0 once a read finds nothing new
 *   ddbchat_trigger_records_total         records of batches the command finished
 *   ddbchat_trigger_batches_total         batches the command finished
 *   ddbchat_trigger_failures_total        runs of the command that did not finish its batch
 *   ddbchat_trigger_discarded_records_total  records of batches discarded after max_attempts
 *   ddbchat_trigger_filtered_records_total   records the filter skipped (cfg.filter)
 *   ddbchat_trigger_waiting_for_lock      1 while this one waits for the trigger's lock
 *                                         (reading nothing): another process holds it, or
 *                                         flock fails */
void msg_trigger_metrics(msg_trigger *const *ts, size_t n, buf_t *b);

/* Stops the thread and frees the trigger: a running command gets 5 s from the stop request to
 * finish (its batch is then done), else its process group (the command and what it started)
 * is sent SIGTERM, and SIGKILL 1 s later, and its batch is not marked done; the stop waits
 * 7 s at most for it (then its output is no longer read: a process that left the group may
 * hold it).  Accepts NULL. */
void msg_trigger_stop(msg_trigger *t);

#endif
