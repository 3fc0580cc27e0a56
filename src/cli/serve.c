/*
 * serve — `ddbchat serve`: opens the store, starts both listeners, waits for SIGINT/SIGTERM,
 * shuts down gracefully.  Layer: cli (wiring only: every piece of logic lives in server/,
 * api/, store/ and messaging/).
 *
 * Options are data: serve_optv, a row per option (its serve_opts field, its range), applied
 * by serve_opt_set; getopt_long reads the same rows.
 * Start-up (cli_serve, a function a step, each filling serve_run): parse flags -> bind the
 * ports -> credentials -> the engine (serve_open_engine: store_open, api_new) -> messaging
 * service (serve_open_service: embedded backend, or remote with --endpoint) -> --demo ->
 * events -> http_server_start -> print the URLs (serve_say_started) -> triggers.
 * Shut-down (serve_stop): triggers, event streams, stop accepting and finish in-flight
 * requests, free the service, store_close, exit 0.
 * SIGINT/SIGTERM are blocked before any thread starts and taken with sigwait, so no signal
 * handler runs inside a request.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_validate.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "cli/cli.h"
#include "cli/text.h"
#include "messaging/auth.h"
#include "messaging/backend.h"
#include "messaging/backend_remote.h"
#include "messaging/rest.h"
#include "messaging/service.h"
#include "messaging/trigger.h"
#include "messaging/trigger_filter.h"
#include "server/http.h"
#include "server/sigv4.h"
#include "store/store.h"

#define SERVE_MAX_TRIGGERS 64

/* A stop gives the remote backend's calls in flight (the event hub's feed Query, a REST read)
 * this long, then aborts them (msg_backend_abort), so that a hung or slow endpoint does not
 * hold the stop for its timeouts and retries (~50 s; final21 F1).  A call at a healthy
 * endpoint ends well within it.  The grace counts from the signal, so it includes the
 * triggers' own stop (up to 5 s): a stop with triggers may abort REST calls still in flight
 * at a healthy endpoint too (they answer as unavailable; the process is exiting). */
#define SERVE_STOP_GRACE_MS 2000

/* The stop's watchdog: aborts the backend's calls once the grace has passed, unless the stop
 * finished first (serve_watch_end). */
typedef struct serve_watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    msg_backend *backend;
    pthread_t th;
    bool started;
} serve_watch;

static void *serve_watch_main(void *arg)
{
    serve_watch *w = arg;
    struct timespec until = base_deadline(CLOCK_MONOTONIC, SERVE_STOP_GRACE_MS);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
    bool abort_now = !w->done;
    pthread_mutex_unlock(&w->mu);
    if (abort_now)
        msg_backend_abort(w->backend);
    return NULL;
}

/* Starts the watchdog for backend (NULL, or one whose calls cannot be aborted — the embedded
 * engine's are local and short: nothing to watch; a failed start: no watchdog). */
static void serve_watch_start(serve_watch *w, msg_backend *backend)
{
    w->done = false;
    w->backend = backend;
    w->started = false;
    if (!backend || !backend->ops->abort)
        return;
    pthread_mutex_init(&w->mu, NULL);
    base_cond_init_mono(&w->cv);
    w->started = pthread_create(&w->th, NULL, serve_watch_main, w) == 0;
    if (!w->started) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
}

/* The stop is past the backend's last users: the watchdog ends (before the backend is freed). */
static void serve_watch_end(serve_watch *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->started = false;
}

/* One trigger's settings, from its --trigger-* options (serve_opts.tdef, .trig). */
typedef struct serve_trig {
    long batch;          /* 0 = MSG_TRIGGER_BATCH_DEFAULT */
    long timeout;        /* 0 = MSG_TRIGGER_TIMEOUT_DEFAULT_S */
    bool trim_horizon;   /* --trigger-from trim-horizon */
    long retries;        /* --trigger-retries N: N + 1 (0 = unlimited) */
    long max_age;        /* --trigger-max-record-age S (0 = never) */
    bool bisect;         /* --trigger-bisect */
    bool report_failures; /* --trigger-report-batch-item-failures */
    long parallel;       /* --trigger-parallelization N (0 = 1) */
    long window;         /* --trigger-batch-window S (0 = none) */
    const char *on_failure; /* --trigger-on-failure FILE */
    bool any;            /* an option was given for it (tdef: one before every --trigger) */
    const char *first;   /* the first such option's name ("--trigger-retries"), or NULL */
} serve_trig;

typedef struct serve_opts {
    const char *data_dir;
    bool data_dir_given; /* --data-dir was on the command line */
    const char *host;
    int dynamodb_port;
    int api_port;
    bool dynamodb_only;
    bool quiet;
    unsigned max_connections;
    unsigned max_connections_per_ip; /* http_config's: 0 = default, HTTP_PER_IP_UNLIMITED */
    unsigned connection_timeout;
    unsigned threads;
    unsigned pool_threads;
    unsigned read_timeout;
    unsigned queue_limit;
    unsigned queue_timeout_ms;
    int gsi_lag_ms; /* opt-in realism (README "Realism switches") */
    uint64_t item_collection_limit; /* hidden, for tests: 0 = DynamoDB's 10 GiB */
    int backfill_delay_ms; /* hidden test aid: paces index creation / deletion (README) */
    int snapshot_warn_ms;  /* hidden test aid: an old snapshot is logged this soon */
    bool txn_conflicts;
    bool throttle;
    int table_delay_ms; /* --table-delay: CREATING / DELETING / UPDATING for this long */
    const char *credentials_file;
    bool namespace_tables;
    bool demo;
    const char *endpoint;
    const char *region;
    const char *jwt_secret_file;
    const char *cors_origin;
    const char *jwt_public_key;
    const char *jwt_claim;
    const char *jwt_issuer, *jwt_audience;
    long long jwt_max_lifetime; /* 0 = $DDBCHAT_JWT_MAX_LIFETIME or the default */
    long stream_shard_s;        /* 0 = the defaults (4 h, 24 h, 15 min) */
    long stream_retention_s;
    long stream_iterator_s;
    long stream_shards;         /* 0 = one shard per stream */
    long stream_split_s;        /* 0 = shards never split */
    const char *triggers[SERVE_MAX_TRIGGERS]; /* --trigger TABLE=COMMAND */
    size_t n_triggers;
    /* the --trigger-* settings (but the filters) given before any --trigger: every trigger's
     * defaults; trig[i]: trigger i's, those defaults with the options given after it (Lambda's
     * settings belong to one event source mapping) */
    serve_trig tdef;
    serve_trig trig[SERVE_MAX_TRIGGERS];
    /* --trigger-filter PATTERN, each the filter of the --trigger before it (Lambda's
     * FilterCriteria belong to one event source mapping): trigger_filter_of is that trigger's
     * index + 1, 0 when none came before (refused) */
    const char *trigger_filters[(SERVE_MAX_TRIGGERS + 1) * MSG_TRIGGER_FILTERS_MAX];
    size_t trigger_filter_of[(SERVE_MAX_TRIGGERS + 1) * MSG_TRIGGER_FILTERS_MAX];
    size_t n_trigger_filters;
} serve_opts;

static void serve_usage(FILE *f)
{
    fprintf(f,
            "usage: ddbchat serve [options]\n\n"
            "Runs the DynamoDB-compatible endpoint (JSON 1.0 protocol, SigV4) and the\n"
            "messaging REST API on one data directory.  Stops gracefully on SIGINT/SIGTERM.\n\n"
            "options:\n"
            "  --data-dir DIR            data directory (created if missing; default ./data;\n"
            "                            with --endpoint only where jwt-secret is kept)\n"
            "  --host ADDR               address to listen on (default 127.0.0.1)\n"
            "  --dynamodb-port N         DynamoDB endpoint port (default 8000; 0 = any free)\n"
            "  --api-port N              REST API port (default 4567; 0 = any free)\n"
            "  --dynamodb-only           do not start the REST API\n"
            "  --quiet                   no access log (one line per request on stderr)\n"
            "  --max-connections N       connections served per listener (default 1024;\n"
            "                            REST 4096, its event streams hold theirs);\n"
            "                            up to 256 more get the busy reply\n"
            "                            (ThrottlingException / 503) and are closed\n"
            "  --max-connections-per-ip N  of those, from one client address; more are\n"
            "                            closed at once (default 0 = no cap: a local\n"
            "                            database's clients often share one address)\n"
            "  --connection-timeout S    close connections idle S seconds between requests\n"
            "                            (default 300; 0 = never)\n"
            "  --read-timeout S          close a connection silent for S seconds while a\n"
            "                            request is read, or before its first (default 10);\n"
            "                            however it trickles, a request's head must be in\n"
            "                            within S seconds and its body within S more plus\n"
            "                            1 s per 64 KB; a client that closes mid-request\n"
            "                            frees its slot at once, and one that takes no\n"
            "                            byte of its reply for S seconds is dropped\n"
            "                            when replies hold over half their budget\n"
            "  --threads N               request threads per listener (default: one per CPU\n"
            "                            it may run on, taskset/cpuset included;\n"
            "                            PartiQL writes, compressed bodies, bodies over\n"
            "                            512 KB and the writes under --throttle or\n"
            "                            --transaction-conflicts wait for their commit on\n"
            "                            extra threads started on demand; PutItem,\n"
            "                            UpdateItem, DeleteItem, BatchWriteItem and\n"
            "                            TransactWriteItems on none)\n"
            "  --pool-threads N          at most N such threads, both listeners (default 256)\n"
            "  --queue-limit N           writes waiting for one of them (default 64); more\n"
            "                            get the busy reply at once (PutItem, UpdateItem,\n"
            "                            DeleteItem, BatchWriteItem, TransactWriteItems:\n"
            "                            beyond N + --pool-threads in flight)\n"
            "  --queue-timeout MS        a write that waited MS ms for one, or in the commit\n"
            "                            queue, gets the busy reply instead (default 1000)\n"
            "  --credentials-file FILE   verify SigV4 signatures against the keys in FILE,\n"
            "                            lines \"ACCESS_KEY_ID SECRET_ACCESS_KEY\"; also taken\n"
            "                            from DDBCHAT_ACCESS_KEY_ID/DDBCHAT_SECRET_ACCESS_KEY.\n"
            "                            With no keys, any signer is accepted (like DynamoDB\n"
            "                            Local)\n"
            "  --namespace-tables        separate tables per access key + region, like\n"
            "                            DynamoDB Local without -sharedDb\n"
            "  --demo                    create the messaging table and demo data when absent,\n"
            "                            then print the URLs, a bearer token and a curl line\n"
            "  --endpoint URL            serve the REST API from a remote DynamoDB-compatible\n"
            "                            endpoint instead of the local store (no local\n"
            "                            DynamoDB endpoint is started)\n"
            "  --region R                region of the remote endpoint (default: $AWS_REGION,\n"
            "                            $AWS_DEFAULT_REGION, the AWS profile's, else\n"
            "                            us-east-1) or of the local store's ARNs (default\n"
            "                            us-east-1)\n"
            "  --jwt-secret-file FILE    HS256 secret for REST bearer tokens (default:\n"
            "                            $DDBCHAT_JWT_SECRET or DATA_DIR/jwt-secret)\n"
            "  --jwt-public-key FILE     RS256 public key (PEM) for REST bearer tokens, as for\n"
            "                            Cognito (default: $DDBCHAT_JWT_PUBLIC_KEY_FILE)\n"
            "  --jwt-claim NAME          token claim naming the user (default: sub, or\n"
            "                            $DDBCHAT_JWT_CLAIM)\n"
            "  --jwt-issuer ISS          bearer tokens must carry iss ISS, as a Cognito user\n"
            "                            pool's URL (default: $DDBCHAT_JWT_ISSUER; unset: an\n"
            "                            HS256 token's iss, when present, must be ddbchat)\n"
            "  --jwt-audience AUD        bearer tokens must name AUD in aud (or client_id), as\n"
            "                            a Cognito app client id (default: $DDBCHAT_JWT_AUDIENCE;\n"
            "                            unset: an HS256 token's aud must name ddbchat)\n"
            "  --jwt-max-lifetime S      refuse bearer tokens that live longer than S seconds\n"
            "                            (exp - now, exp - iat; tokens must carry exp;\n"
            "                            default 86400, or $DDBCHAT_JWT_MAX_LIFETIME)\n"
            "  --stream-shard-seconds S  close a stream's shard and open its child every S\n"
            "                            seconds (default 14400, as DynamoDB: about 4 h)\n"
            "  --stream-shards N         a stream created from now on has N open shards\n"
            "                            (1..16, default 1), as AWS has one per partition: an\n"
            "                            item's records go to the shard its key hashes to\n"
            "  --stream-split-seconds S  a stream created from now on splits each open shard\n"
            "                            in two every S seconds (AWS's shards split with their\n"
            "                            partitions), up to 16 open shards (default: never)\n"
            "  --stream-retention-seconds S  trim stream records older than S seconds\n"
            "                            (default 86400: DynamoDB keeps them 24 h)\n"
            "  --stream-iterator-seconds S  shard iterators expire after S seconds\n"
            "                            (default 900, as DynamoDB)\n"
            "  --trigger [NAME@]TABLE=COMMAND  run COMMAND (/bin/sh -c) for each batch of\n"
            "                            TABLE's stream records, the Lambda event\n"
            "                            {\"Records\":[...]} on its stdin; exit 0 = done\n"
            "                            (position kept in DATA_DIR/triggers), else retried;\n"
            "                            repeatable.  Several on one table each need a NAME\n"
            "                            (1..64 of a-z A-Z 0-9 _ - .), but one of them.\n"
            "                            Each --trigger-* option below sets the --trigger\n"
            "                            before it (one event source mapping's settings);\n"
            "                            given before any --trigger, every trigger's default\n"
            "  --trigger-batch N         records per batch, 1..1000 (default 100)\n"
            "  --trigger-batch-window S  gather a batch until it is full or S s (0..300,\n"
            "                            default 0) after its first record (Lambda's\n"
            "                            MaximumBatchingWindowInSeconds)\n"
            "  --trigger-timeout S       a run of the command longer than S s is killed and\n"
            "                            retried, 1..86400 (default 900)\n"
            "  --trigger-from WHERE      latest (default) or trim-horizon: where a trigger\n"
            "                            without a saved position starts\n"
            "  --trigger-retries N       a batch whose command failed N more times (0..10000)\n"
            "                            is discarded and the trigger goes on (Lambda's\n"
            "                            MaximumRetryAttempts; default: retried until it works)\n"
            "  --trigger-max-record-age S  records older than S s (1..604800) are discarded\n"
            "                            before a run (Lambda's MaximumRecordAgeInSeconds;\n"
            "                            default: never)\n"
            "  --trigger-bisect          a failed batch is split in two, down to the failing\n"
            "                            record, before its retries count (Lambda's\n"
            "                            BisectBatchOnFunctionError)\n"
            "  --trigger-report-batch-item-failures  the command's last output line that is\n"
            "                            a JSON object may name failed records\n"
            "                            ({\"batchItemFailures\":[{\"itemIdentifier\":SEQ}]}):\n"
            "                            those before the first are done, the rest retried\n"
            "                            (Lambda's ReportBatchItemFailures)\n"
            "  --trigger-parallelization N  batches of one shard at once, 1..10 (default 1),\n"
            "                            a key's records in order (Lambda's\n"
            "                            ParallelizationFactor)\n"
            "  --trigger-filter PATTERN  the --trigger before it delivers only the records\n"
            "                            matching a Lambda filter pattern (JSON; repeatable,\n"
            "                            up to 5 a trigger: any matches; Lambda's\n"
            "                            FilterCriteria); the others are skipped\n"
            "  --trigger-on-failure FILE a discarded batch's on-failure record (Lambda's\n"
            "                            DDBStreamBatchInfo) is appended to FILE, a JSON line\n"
            "  --cors-origin ORIGIN      allowed browser origins for the REST API: one, a\n"
            "                            comma-separated list, or \"*\" (default:\n"
            "                            $DDBCHAT_CORS_ORIGIN; unset: none)\n"
            "realism (off by default; README \"Realism switches\"):\n"
            "  --gsi-lag MS              a read of a global secondary index sees a write\n"
            "                            only MS ms after it (as AWS's asynchronous index\n"
            "                            replication may)\n"
            "  --transaction-conflicts   a write to an item an ongoing TransactWriteItems\n"
            "                            holds fails with TransactionConflictException (a\n"
            "                            transaction: cancelled, reason TransactionConflict)\n"
            "  --throttle                provisioned tables and their GSIs get their configured\n"
            "                            capacity (300 s of burst credit), on-demand ones AWS's\n"
            "                            per-table limits; over it: ProvisionedThroughput-\n"
            "                            ExceededException / ThrottlingException, as on AWS\n"
            "  --table-delay MS          a new table stays CREATING, a deleted one DELETING,\n"
            "                            an updated one UPDATING (a new GSI CREATING) for MS\n"
            "                            ms, with AWS's errors meanwhile (AWS: seconds)\n"
            "  -h, --help                this text\n");
}

static int serve_parse_uint(const char *flag, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        char *shown = cli_text_escape(s, CLI_ARG_SHOWN_MAX);
        fprintf(stderr, "ddbchat serve: %s expects an integer in %ld..%ld, got '%s'\n", flag, min,
                max, shown ? shown : "");
        free(shown);
        return -1;
    }
    *out = v;
    return 0;
}

/* What an option sets in serve_opts: a string, a flag, an integer of the field's type in
 * [min, max] (serve_parse_uint's message otherwise), or one of five with a rule of their own
 * (serve_opt_set). */
typedef enum {
    SO_STR,
    SO_FLAG,
    SO_INT,
    SO_UINT,
    SO_LONG,
    SO_LLONG,
    SO_U64,
    SO_DATA_DIR,     /* the string, and data_dir_given */
    SO_PER_IP,       /* an integer; 0 is HTTP_PER_IP_UNLIMITED */
    SO_TRIGGER,      /* TABLE=COMMAND, appended; at most SERVE_MAX_TRIGGERS */
    SO_TRIGGER_FROM, /* latest | trim-horizon */
    SO_TRIGGER_RETRIES, /* an integer N, kept as N + 1 (0 stays "unlimited") */
    SO_TRIGGER_FILTER,  /* a filter pattern, checked and appended; at most
                         * MSG_TRIGGER_FILTERS_MAX */
} serve_opt_kind;

typedef struct serve_opt {
    const char *name; /* "--name" */
    serve_opt_kind kind;
    size_t off; /* offsetof(serve_opts, the field); per_trigger: offsetof(serve_trig, it) */
    long min, max;
    bool per_trigger; /* sets the --trigger before it (before any: tdef, every trigger's) */
} serve_opt;

/* A row whose kind follows its field's type. */
#define SO(name, field, min, max)                                                             \
    {name,                                                                                    \
     _Generic(((serve_opts *)0)->field, const char *: SO_STR, bool: SO_FLAG, int: SO_INT,       \
              unsigned: SO_UINT, long: SO_LONG, long long: SO_LLONG, uint64_t: SO_U64),         \
     offsetof(serve_opts, field), min, max, false}
#define SO_ARG(name, field) SO(name, field, 0, 0)
/* A row of a trigger's own setting (serve_trig's field). */
#define SOT(name, field, min, max)                                                            \
    {name,                                                                                    \
     _Generic(((serve_trig *)0)->field, const char *: SO_STR, bool: SO_FLAG, long: SO_LONG),   \
     offsetof(serve_trig, field), min, max, true}
#define SO_YEARS_S (10L * 366 * 86400)

/* Every option but --help, in getopt_long's order (its abbreviations and ambiguities). */
static const serve_opt serve_optv[] = {
    {"--data-dir", SO_DATA_DIR, offsetof(serve_opts, data_dir), 0, 0, false},
    SO_ARG("--host", host),
    SO("--dynamodb-port", dynamodb_port, 0, 65535),
    SO("--api-port", api_port, 0, 65535),
    SO_ARG("--dynamodb-only", dynamodb_only),
    SO_ARG("--quiet", quiet),
    SO("--max-connections", max_connections, 1, HTTP_MAX_CONNECTIONS_LIMIT),
    {"--max-connections-per-ip", SO_PER_IP, offsetof(serve_opts, max_connections_per_ip), 0,
     1000000, false},
    SO("--connection-timeout", connection_timeout, 0, 86400),
    SO("--threads", threads, 1, 1024),
    SO("--pool-threads", pool_threads, 1, 4096),
    SO("--read-timeout", read_timeout, 1, 3600),
    SO("--queue-limit", queue_limit, 1, 1000000),
    SO("--queue-timeout", queue_timeout_ms, 1, 3600000),
    SO_ARG("--credentials-file", credentials_file),
    SO_ARG("--namespace-tables", namespace_tables),
    SO_ARG("--demo", demo),
    SO_ARG("--endpoint", endpoint),
    SO_ARG("--region", region),
    SO_ARG("--jwt-secret-file", jwt_secret_file),
    SO_ARG("--cors-origin", cors_origin),
    SO_ARG("--jwt-public-key", jwt_public_key),
    SO_ARG("--jwt-claim", jwt_claim),
    SO("--jwt-max-lifetime", jwt_max_lifetime, 1, SO_YEARS_S),
    SO_ARG("--jwt-issuer", jwt_issuer),
    SO_ARG("--jwt-audience", jwt_audience),
    SO("--stream-shard-seconds", stream_shard_s, 1, SO_YEARS_S),
    SO("--stream-retention-seconds", stream_retention_s, 1, SO_YEARS_S),
    SO("--stream-shards", stream_shards, 1, STORE_STREAM_SHARDS_MAX),
    SO("--stream-split-seconds", stream_split_s, 1, SO_YEARS_S),
    SO("--stream-iterator-seconds", stream_iterator_s, 1, SO_YEARS_S),
    {"--trigger", SO_TRIGGER, 0, 0, 0, false},
    SOT("--trigger-batch", batch, 1, MSG_TRIGGER_BATCH_MAX),
    SOT("--trigger-batch-window", window, 0, MSG_TRIGGER_WINDOW_MAX_S),
    SOT("--trigger-timeout", timeout, 1, MSG_TRIGGER_TIMEOUT_MAX_S),
    {"--trigger-from", SO_TRIGGER_FROM, 0, 0, 0, true},
    {"--trigger-retries", SO_TRIGGER_RETRIES, offsetof(serve_trig, retries), 0, 10000, true},
    SOT("--trigger-max-record-age", max_age, 1, 604800),
    SOT("--trigger-bisect", bisect, 0, 0),
    SOT("--trigger-report-batch-item-failures", report_failures, 0, 0),
    SOT("--trigger-parallelization", parallel, 1, MSG_TRIGGER_PARALLEL_MAX),
    {"--trigger-filter", SO_TRIGGER_FILTER, 0, 0, 0, false},
    SOT("--trigger-on-failure", on_failure, 0, 0),
    SO("--gsi-lag", gsi_lag_ms, 0, 3600000),
    SO("--backfill-batch-delay-ms", backfill_delay_ms, 0, 60000), /* not in the help: a test aid */
    SO("--old-snapshot-warn-ms", snapshot_warn_ms, 1, 3600000),   /* not in the help: a test aid */
    SO_ARG("--transaction-conflicts", txn_conflicts),
    SO_ARG("--throttle", throttle),
    /* at most 10 minutes: AWS's windows are seconds (api_tstate.c keeps what a DELETING table
     * needs for that long) */
    SO("--table-delay", table_delay_ms, 0, 600000),
    /* hidden (not in --help): a smaller item collection limit, so that tests reach
     * ItemCollectionSizeLimitExceededException with small items */
    SO("--item-collection-limit", item_collection_limit, 1, (long)STORE_ITEM_COLLECTION_LIMIT),
};
#define SERVE_NOPTS (sizeof serve_optv / sizeof serve_optv[0])

/* Applies option so with its argument arg (NULL for a flag): 0, or -1 with the message said. */
static int serve_opt_set(serve_opts *o, const serve_opt *so, const char *arg)
{
    /* a trigger's setting: the --trigger before it, or every trigger's default */
    serve_trig *tr = o->n_triggers ? &o->trig[o->n_triggers - 1] : &o->tdef;
    void *field = so->per_trigger ? (char *)tr + so->off : (char *)o + so->off;
    if (so->per_trigger) {
        if (!tr->any)
            tr->first = so->name;
        tr->any = true;
    }
    long v = 0;
    bool num = so->kind == SO_INT || so->kind == SO_UINT || so->kind == SO_LONG ||
               so->kind == SO_LLONG || so->kind == SO_U64 || so->kind == SO_PER_IP ||
               so->kind == SO_TRIGGER_RETRIES;
    if (num && serve_parse_uint(so->name, arg, so->min, so->max, &v))
        return -1;
    switch (so->kind) {
    case SO_STR:
        *(const char **)field = arg;
        break;
    case SO_FLAG:
        *(bool *)field = true;
        break;
    case SO_INT:
        *(int *)field = (int)v;
        break;
    case SO_UINT:
        *(unsigned *)field = (unsigned)v;
        break;
    case SO_LONG:
        *(long *)field = v;
        break;
    case SO_LLONG:
        *(long long *)field = v;
        break;
    case SO_U64:
        *(uint64_t *)field = (uint64_t)v;
        break;
    case SO_DATA_DIR:
        o->data_dir = arg;
        o->data_dir_given = true;
        break;
    case SO_PER_IP:
        o->max_connections_per_ip = v ? (unsigned)v : HTTP_PER_IP_UNLIMITED;
        break;
    case SO_TRIGGER:
        if (o->n_triggers == SERVE_MAX_TRIGGERS || !strchr(arg, '=') || arg[0] == '=') {
            fprintf(stderr, "ddbchat serve: --trigger expects [NAME@]TABLE=COMMAND (at most "
                            "%d)\n",
                    SERVE_MAX_TRIGGERS);
            return -1;
        }
        o->trig[o->n_triggers] = o->tdef; /* the defaults, then the options after it */
        o->trig[o->n_triggers].any = false;
        o->trig[o->n_triggers].first = NULL;
        o->triggers[o->n_triggers++] = arg;
        break;
    case SO_TRIGGER_RETRIES:
        tr->retries = v + 1;
        break;
    case SO_TRIGGER_FILTER: {
        /* checked now (a bad pattern is a usage error, as Lambda's CreateEventSourceMapping
         * refuses it); the triggers' set is built from the texts at their start */
        size_t mine = 0;
        for (size_t i = 0; i < o->n_trigger_filters; i++)
            mine += o->trigger_filter_of[i] == o->n_triggers;
        msg_trigger_filter *f = msg_trigger_filter_new();
        err_t fe = {0};
        int frc = !f ? err_set(&fe, ERR_NOMEM, "out of memory")
                  : mine == MSG_TRIGGER_FILTERS_MAX
                      ? err_set(&fe, ERR_VALIDATION, "at most %d filters a trigger",
                                MSG_TRIGGER_FILTERS_MAX)
                      : msg_trigger_filter_add(f, arg, &fe);
        msg_trigger_filter_free(f);
        if (frc) {
            fprintf(stderr, "ddbchat serve: --trigger-filter: %s\n", fe.msg);
            return -1;
        }
        o->trigger_filter_of[o->n_trigger_filters] = o->n_triggers;
        o->trigger_filters[o->n_trigger_filters++] = arg;
        break;
    }
    case SO_TRIGGER_FROM:
        if (strcmp(arg, "trim-horizon") != 0 && strcmp(arg, "latest") != 0) {
            fprintf(stderr, "ddbchat serve: --trigger-from expects latest or trim-horizon\n");
            return -1;
        }
        tr->trim_horizon = strcmp(arg, "trim-horizon") == 0;
        break;
    }
    return 0;
}

/* 0 ok, 1 help printed, 2 usage error */
static int serve_parse(int argc, char **argv, serve_opts *o)
{
    struct option longopts[SERVE_NOPTS + 2];
    for (size_t i = 0; i < SERVE_NOPTS; i++)
        longopts[i] = (struct option){serve_optv[i].name + 2,
                                      serve_optv[i].kind == SO_FLAG ? no_argument
                                                                    : required_argument,
                                      NULL, 256 + (int)i};
    longopts[SERVE_NOPTS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[SERVE_NOPTS + 1] = (struct option){NULL, 0, NULL, 0};
    memset(o, 0, sizeof *o);
    o->data_dir = "./data";
    o->host = "127.0.0.1";
    o->dynamodb_port = 8000;
    o->api_port = 4567;
    o->connection_timeout = HTTP_DEFAULT_TIMEOUT_S;
    o->region = NULL;
    optind = 1;
    opterr = 1;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            serve_usage(stdout);
            return 1;
        }
        if (c < 256 || c >= 256 + (int)SERVE_NOPTS) {
            serve_usage(stderr);
            return 2;
        }
        if (serve_opt_set(o, &serve_optv[c - 256], optarg))
            return 2;
    }
    if (optind < argc) {
        char *shown = cli_text_escape(argv[optind], CLI_ARG_SHOWN_MAX);
        fprintf(stderr, "ddbchat serve: unexpected argument '%s'\n\n", shown ? shown : "");
        free(shown);
        serve_usage(stderr);
        return 2;
    }
    const char *life = getenv(MSG_JWT_MAX_LIFETIME_ENV);
    if (!o->jwt_max_lifetime && life && *life &&
        serve_parse_uint("$" MSG_JWT_MAX_LIFETIME_ENV, life, 1, 10L * 366 * 86400, &v))
        return 2;
    /* trigger options that would do nothing are refused, as other bad combinations are: an
     * on-failure file is written only for a discarded batch, and nothing is discarded without
     * --trigger-retries or --trigger-max-record-age (test_bad_trigger_flags) */
    if (!o->n_triggers && (o->tdef.any || o->n_trigger_filters)) {
        fprintf(stderr, "ddbchat serve: the --trigger-* options need a --trigger\n");
        return 2;
    }
    /* a filter before every --trigger would belong to none; one for every trigger is what lost
     * the other tables' records (their position saved past them) */
    if (o->n_trigger_filters && o->trigger_filter_of[0] == 0) {
        fprintf(stderr, "ddbchat serve: --trigger-filter applies to the --trigger before it; "
                        "give it after that --trigger\n");
        return 2;
    }
    /* options only after the last of several --trigger: before session 29 every trigger's, now
     * the last one's alone; refused rather than changing an old command line's meaning silently
     * (test_bad_trigger_flags) */
    if (o->n_triggers >= 2 && o->trig[o->n_triggers - 1].any) {
        bool earlier = false;
        for (size_t i = 0; i + 1 < o->n_triggers; i++)
            earlier |= o->trig[i].any;
        if (!earlier) {
            char *shown = cli_text_escape(o->triggers[o->n_triggers - 1], CLI_ARG_SHOWN_MAX);
            fprintf(stderr, "ddbchat serve: %s after the last --trigger '%s' sets that trigger "
                            "only (since session 29), not the others; give it before the "
                            "first --trigger to set it for every trigger\n",
                    o->trig[o->n_triggers - 1].first, shown ? shown : "");
            free(shown);
            return 2;
        }
    }
    for (size_t i = 0; i < o->n_triggers; i++) {
        const serve_trig *tr = &o->trig[i];
        if (tr->on_failure && !tr->retries && !tr->max_age) {
            char *shown = cli_text_escape(o->triggers[i], CLI_ARG_SHOWN_MAX);
            fprintf(stderr, "ddbchat serve: --trigger-on-failure needs --trigger-retries or "
                            "--trigger-max-record-age (else no batch is ever discarded): "
                            "--trigger '%s' has none\n", shown ? shown : "");
            free(shown);
            return 2;
        }
    }
    /* several triggers on one table, as Lambda allows several event source mappings on one
     * stream, each with its own positions and lock (DATA_DIR/triggers/trigger-NAME@TABLE.*):
     * all but one need a name, and no two the same, else two would share one positions file
     * (a second unnamed one was refused as "already runs in another process" and serve exited
     * 1 after printing its endpoints;
     * test_stream_triggers.py::test_two_triggers_on_one_table_need_names) */
    for (size_t i = 0; i < o->n_triggers; i++) {
        size_t li = strcspn(o->triggers[i], "=");
        for (size_t j = 0; j < i; j++) {
            if (strcspn(o->triggers[j], "=") != li || memcmp(o->triggers[i], o->triggers[j], li))
                continue;
            char *shown = cli_text_escape(o->triggers[i], CLI_ARG_SHOWN_MAX);
            fprintf(stderr, "ddbchat serve: --trigger '%s' is the second trigger on its table "
                            "with that name (or none): its positions would be the other's; "
                            "give each trigger on a table but one a name of its own, "
                            "--trigger NAME@TABLE=COMMAND\n", shown ? shown : "");
            free(shown);
            return 2;
        }
    }
    if (o->n_triggers && o->endpoint && !o->data_dir_given) {
        fprintf(stderr, "ddbchat serve: --trigger with --endpoint needs --data-dir (where the "
                        "triggers' positions are kept)\n");
        return 2;
    }
    if (o->dynamodb_only && o->endpoint) {
        fprintf(stderr, "ddbchat serve: --dynamodb-only and --endpoint exclude each other\n");
        return 2;
    }
    /* a trigger's TABLE is a DynamoDB table name (3..255 of [a-zA-Z0-9_.-]): the trigger's
     * files are named by it, so 'a/b' made serve exit 1 after printing its endpoints
     * ("cannot open .../trigger-a/b.lock"), and no such table can exist anyway
     * (test_stream_triggers.py::test_a_trigger_on_an_invalid_table_name_is_refused); checked
     * last, so the other options' messages come first as before */
    for (size_t i = 0; i < o->n_triggers; i++) {
        char *table;
        const char *name, *cmd;
        err_t pe;
        err_clear(&pe);
        int prc = msg_trigger_parse(o->triggers[i], &table, &name, &cmd, &pe);
        bool ok = prc == 0 && strlen(table) >= 3 && api_name_valid(table);
        free(table);
        if (ok)
            continue;
        char *shown = cli_text_escape(o->triggers[i], CLI_ARG_SHOWN_MAX);
        fprintf(stderr, "ddbchat serve: --trigger '%s': %s\n", shown ? shown : "",
                prc ? pe.msg
                    : "the table name must be 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'");
        free(shown);
        return 2;
    }
    /* the DynamoDB Streams developer guide: no more than two processes should read a shard at
     * once, more may be throttled; said, not refused (an embedded stream is not throttled) */
    for (size_t i = 0; i < o->n_triggers; i++) {
        const char *ti = strchr(o->triggers[i], '@');
        size_t ei = strcspn(o->triggers[i], "=");
        const char *tbl = ti && (size_t)(ti - o->triggers[i]) < ei ? ti + 1 : o->triggers[i];
        size_t tl = (size_t)(o->triggers[i] + ei - tbl), same = 0, first = i;
        for (size_t j = 0; j < o->n_triggers; j++) {
            const char *tj = strchr(o->triggers[j], '@');
            size_t ej = strcspn(o->triggers[j], "=");
            const char *tb2 = tj && (size_t)(tj - o->triggers[j]) < ej ? tj + 1 : o->triggers[j];
            if ((size_t)(o->triggers[j] + ej - tb2) == tl && !memcmp(tbl, tb2, tl)) {
                same++;
                if (j < first)
                    first = j;
            }
        }
        if (same > 2 && first == i)
            fprintf(stderr, "ddbchat serve: warning: %zu triggers read table %.*s's stream; "
                            "DynamoDB Streams advises at most two readers a shard (more may "
                            "be throttled)\n", same, (int)tl, tbl);
    }
    return 0;
}

/* "http://HOST:PORT", with IPv6 literals in brackets. */
/* /metrics collector for the triggers (ctx: serve's array of SERVE_MAX_TRIGGERS). */
static void serve_trigger_metrics(void *ctx, buf_t *b)
{
    msg_trigger_metrics(ctx, SERVE_MAX_TRIGGERS, b);
}

static void serve_url(const char *host, int port, char *out, size_t n)
{
    if (strchr(host, ':'))
        snprintf(out, n, "http://[%s]:%d", host, port);
    else
        snprintf(out, n, "http://%s:%d", host, port);
}

static bool serve_dir_is_empty(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return true;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    return stat(p, &st) != 0;
}

/* Loads --credentials-file and the DDBCHAT_* environment keys.  *out NULL when none. */
static int serve_load_creds(const serve_opts *o, sigv4_creds **out, err_t *e)
{
    int rc;
    sigv4_creds *c = NULL;
    *out = NULL;
    if ((rc = sigv4_creds_new(&c, e)))
        return rc;
    if (o->credentials_file && (rc = sigv4_creds_load_file(c, o->credentials_file, e)))
        goto fail;
    const char *ak = getenv("DDBCHAT_ACCESS_KEY_ID"), *sk = getenv("DDBCHAT_SECRET_ACCESS_KEY");
    if ((ak && *ak) || (sk && *sk)) {
        if (!ak || !*ak || !sk || !*sk) {
            rc = err_set(e, ERR_VALIDATION,
                         "DDBCHAT_ACCESS_KEY_ID and "
                         "DDBCHAT_SECRET_ACCESS_KEY must be set together");
            goto fail;
        }
        if ((rc = sigv4_creds_add(c, ak, sk, e)))
            goto fail;
    }
    if (sigv4_creds_count(c) == 0) {
        sigv4_creds_free(c);
        return 0;
    }
    if ((rc = sigv4_crypto_load(e))) /* now, not at the first signed request */
        goto fail;
    *out = c;
    return 0;
fail:
    sigv4_creds_free(c);
    return rc;
}

/* --demo, after start-up: print how to try the REST API as the demo user. */
static int serve_demo_banner(const msg_service *svc, const msg_user *u, msg_demo_outcome how,
                             bool remote, const char *api_url, const unsigned char *secret, size_t secret_len,
                             err_t *e)
{
    char *token = NULL;
    long long ttl = msg_service_config((msg_service *)svc)->jwt_max_lifetime;
    if (ttl <= 0)
        ttl = MSG_JWT_MAX_LIFETIME_DEFAULT;
    int rc = msg_jwt_mint_hs256_for(msg_service_config((msg_service *)svc), secret, secret_len,
                                    "sub", u->uuid, ttl, &token, e);
    if (rc)
        return rc;
    /* made elsewhere: another serve --demo racing on the data dir (or another client of the
     * endpoint); its demo data may still be coming (test_serve.py
     * test_two_demo_serves_racing_on_one_data_dir_say_which_made_the_data) */
    const char *said = how == MSG_DEMO_CREATED ? "created"
                       : how == MSG_DEMO_PRESENT
                           ? "already present"
                       : remote ? "created by another client of the endpoint just now"
                                : "created by another process on this data dir just now";
    printf("ddbchat: demo data %s (table %s); demo user @%s (%s)\n", said,
           msg_service_table((msg_service *)svc), u->handle, u->uuid);
    printf("ddbchat: bearer token (valid %lld s): %s\n", ttl, token);
    /* the token rides in the fragment, which the browser never sends to the server */
    printf("ddbchat: open the page (signed in as @%s): %s/#token=%s\n", u->handle, api_url,
           token);
    printf("ddbchat: try: curl -H 'Authorization: Bearer %s' %s/api/message_groups\n", token,
           api_url);
    free(token);
    return 0;
}

/* What serve runs, in the order it starts; serve_stop releases it in the order a stop needs. */
typedef struct serve_run {
    sigv4_creds *creds;
    store_t *store;
    met_t *metrics; /* GET /metrics on the DynamoDB port */
    api_t *api;
    msg_backend *backend;
    unsigned char *jwt_secret;
    size_t jwt_secret_len;
    msg_service *svc;
    msg_events *events;
    http_server *srv;
    msg_backend *tbackend; /* the triggers' own (calls from their threads) */
    msg_trigger *triggers[SERVE_MAX_TRIGGERS];
    msg_trigger_filter *tfilter[SERVE_MAX_TRIGGERS]; /* each trigger's --trigger-filter set
                                                       * (NULL: none) */
    int ddb_fd, api_fd; /* the listeners' sockets until the server takes them */
} serve_run;

/* The embedded engine (not with --endpoint): the store, the metrics, the api. */
static int serve_open_engine(const serve_opts *o, const char *region, serve_run *s, err_t *e)
{
    store_opts so;
    store_opts_default(&so);
    so.ttl_thread = true;
    so.stream_shard_ms = o->stream_shard_s * 1000LL;
    so.stream_retention_ms = o->stream_retention_s * 1000LL;
    so.stream_shards = (int)o->stream_shards;
    so.stream_split_ms = o->stream_split_s * 1000LL;
    so.gsi_lag_ms = o->gsi_lag_ms;
    so.item_collection_limit = o->item_collection_limit;
    so.backfill_delay_ms = o->backfill_delay_ms;
    so.snapshot_warn_ms = o->snapshot_warn_ms;
    so.index_phase_ms = o->table_delay_ms;
    /* a write answered later (no pool thread) meets --queue-timeout in the store's queue */
    so.later_wait_ms = o->queue_timeout_ms ? o->queue_timeout_ms : HTTP_DEFAULT_QUEUE_TIMEOUT_MS;
    api_store_opts(&so); /* api_new's secrets made by the open's commit */
    if (store_open(o->data_dir, &so, &s->store, e))
        return -1;
    if (met_new(&s->metrics))
        return err_set(e, ERR_NOMEM, "out of memory");
    api_opts ao = {.region = region, .account_id = NULL, .metrics = s->metrics,
                   .iterator_ttl_ms = o->stream_iterator_s * 1000LL,
                   .transaction_conflicts = o->txn_conflicts,
                   .throttle = o->throttle,
                   .table_delay_ms = o->table_delay_ms,
                   .resume_jobs = true};
    return api_new(s->store, &ao, &s->api, e) ? -1 : 0;
}

/* The messaging service (not with --dynamodb-only): its backend (the engine, or the remote
 * endpoint, checked), the JWT secret, the service's configuration. */
static int serve_open_service(const serve_opts *o, bool remote, serve_run *s, err_t *e)
{
    if (remote) {
        ddbc_config dc;
        if (ddbc_config_load(&dc, o->endpoint, o->region, e) ||
            msg_backend_remote_new(&dc, &s->backend, e) || msg_backend_remote_check(s->backend, e))
            return -1;
    } else if (msg_backend_embedded_new(s->api, &s->backend, e)) {
        return -1;
    }
    /* --endpoint has no data dir of its own unless one is named: the JWT secret then
     * comes from --jwt-secret-file or DDBCHAT_JWT_SECRET (README, "Running on AWS"). */
    const char *secret_dir = remote && !o->data_dir_given ? NULL : o->data_dir;
    if (msg_jwt_secret_load(secret_dir, o->jwt_secret_file, &s->jwt_secret, &s->jwt_secret_len,
                            e))
        return -1;
    msg_config mc;
    msg_config_default(&mc);
    mc.jwt_secret = s->jwt_secret;
    mc.jwt_secret_len = s->jwt_secret_len;
    mc.cors_origin = o->cors_origin;
    if (o->jwt_public_key)
        mc.jwt_public_key_file = o->jwt_public_key;
    if (o->jwt_claim)
        mc.jwt_claim = o->jwt_claim;
    if (o->jwt_issuer && *o->jwt_issuer)
        mc.jwt_issuer = o->jwt_issuer;
    if (o->jwt_audience && *o->jwt_audience)
        mc.jwt_audience = o->jwt_audience;
    if (o->jwt_max_lifetime)
        mc.jwt_max_lifetime = o->jwt_max_lifetime;
    return msg_service_new(s->backend, &mc, &s->svc, e) ? -1 : 0;
}

/* The listeners' configuration from the options and the bound ports; the sockets pass to
 * hc (s->ddb_fd / api_fd -1: http_server_start's now, whatever it answers). */
static void serve_http_config(const serve_opts *o, bool remote, bool want_rest, int ddb_port,
                              int api_port, const char *region, serve_run *s, http_config *hc)
{
    http_config_default(hc);
    hc->host = o->host;
    hc->dynamodb_port = remote ? -1 : ddb_port;
    hc->api_port = want_rest ? api_port : -1;
    hc->dynamodb_fd = s->ddb_fd;
    hc->api_fd = s->api_fd;
    s->ddb_fd = s->api_fd = -1; /* http_server_start's now, whatever it answers */
    hc->threads = o->threads;
    hc->pool_threads = o->pool_threads;
    if (o->read_timeout)
        hc->read_timeout = o->read_timeout;
    hc->queue_limit = o->queue_limit;
    hc->queue_timeout_ms = o->queue_timeout_ms;
    hc->rest_blocking = remote; /* every REST request then waits for the remote endpoint */
    hc->max_connections = o->max_connections;
    hc->max_connections_per_ip = o->max_connections_per_ip;
    hc->connection_timeout = o->connection_timeout;
    hc->quiet = o->quiet;
    hc->namespace_tables = o->namespace_tables;
    hc->region = region;
    hc->metrics = s->metrics;
}

/* Live delivery (GET /api/events) for the service: the hub (its share of the REST slots is
 * http_server_start's, from the REST limit as a low RLIMIT_NOFILE leaves it). */
static int serve_open_events(serve_run *s, err_t *e)
{
    if (msg_events_new(s->svc, &s->events, e))
        return -1;
    msg_service_set_events(s->svc, s->events);
    /* removed before the hub is freed (serve_stop) */
    if (s->metrics && met_add_collector(s->metrics, msg_events_metrics, s->events))
        log_warn("event stream metrics not rendered: too many metric collectors");
    return 0;
}

/* The started server's URLs on stdout (the REST one into api_url, "" without), how requests
 * are signed on stderr. */
static void serve_say_started(const serve_opts *o, bool remote, bool want_rest,
                              const serve_run *s, char *api_url, size_t api_url_n)
{
    char url[300];
    if (!remote) {
        serve_url(o->host, http_server_dynamodb_port(s->srv), url, sizeof url);
        printf("ddbchat: DynamoDB endpoint on %s (data dir %s)\n", url, o->data_dir);
    }
    if (want_rest) {
        serve_url(o->host, http_server_api_port(s->srv), api_url, api_url_n);
        printf("ddbchat: REST API on %s%s%s\n", api_url, remote ? " over " : "",
               remote ? o->endpoint : "");
    }
    if (!remote) {
        if (s->creds)
            fprintf(stderr, "ddbchat: verifying SigV4 signatures (%zu access key%s)\n",
                    sigv4_creds_count(s->creds), sigv4_creds_count(s->creds) == 1 ? "" : "s");
        else
            fprintf(stderr, "ddbchat: no credentials configured: accepting any signer (like "
                            "DynamoDB Local)\n");
        if (o->namespace_tables)
            fprintf(stderr, "ddbchat: tables are namespaced per access key and region\n");
    }
}

/* --trigger: their own backend, the state dir, each trigger started, one metrics collector. */
static int serve_start_triggers(const serve_opts *o, bool remote, serve_run *s, err_t *e)
{
    ddbc_config tdc;
    if (remote ? (ddbc_config_load(&tdc, o->endpoint, o->region, e) ||
                  msg_backend_remote_new(&tdc, &s->tbackend, e))
               : msg_backend_embedded_new(s->api, &s->tbackend, e))
        return -1;
    char sdir[4096];
    snprintf(sdir, sizeof sdir, "%s/triggers", o->data_dir);
    if (remote && mkdir(o->data_dir, 0700) != 0 && errno != EEXIST) {
        /* --endpoint: the data dir holds only such state */
        return err_set(e, ERR_IO, "cannot create %s: %s", o->data_dir, strerror(errno));
    }
    for (size_t i = 0; i < o->n_triggers; i++) {
        for (size_t j = 0; j < o->n_trigger_filters; j++) {
            if (o->trigger_filter_of[j] != i + 1)
                continue;
            if (!s->tfilter[i] && !(s->tfilter[i] = msg_trigger_filter_new()))
                return err_set(e, ERR_NOMEM, "out of memory");
            if (msg_trigger_filter_add(s->tfilter[i], o->trigger_filters[j], e))
                return -1;
        }
        char *table;
        const char *cmd, *name;
        if (msg_trigger_parse(o->triggers[i], &table, &name, &cmd, e))
            return -1;
        const serve_trig *tr = &o->trig[i];
        msg_trigger_cfg tc = {.table = table, .name = name, .command = cmd,
                              .batch = (int)tr->batch,
                              .timeout_s = (int)tr->timeout,
                              .max_attempts = (int)tr->retries,
                              .max_record_age_s = (int)tr->max_age,
                              .bisect = tr->bisect,
                              .report_failures = tr->report_failures,
                              .parallelization = (int)tr->parallel,
                              .window_s = (int)tr->window,
                              .filter = s->tfilter[i],
                              .on_failure = tr->on_failure,
                              .remote = remote,
                              .start = tr->trim_horizon ? MSG_SR_TRIM_HORIZON : MSG_SR_LATEST,
                              .state_dir = sdir};
        int trc = msg_trigger_start(s->tbackend, &tc, &s->triggers[i], e);
        if (trc == 0)
            fprintf(stderr, "ddbchat: trigger on %s%s%s: %s\n", name ? name : "",
                    name ? "@" : "", table, cmd);
        free(table);
        if (trc)
            return -1;
    }
    /* one collector for all of them (each family once); removed before they stop */
    if (s->metrics && met_add_collector(s->metrics, serve_trigger_metrics, s->triggers))
        log_warn("trigger metrics not rendered: too many metric collectors");
    return 0;
}

/* Stops and frees everything s holds (any of it may be missing), in the order a stop needs:
 * triggers, event streams, the server, the service, the backends, the engine. */
static void serve_stop(serve_run *s)
{
    serve_watch watch;
    serve_watch_start(&watch, s->backend);
    met_remove_collector(s->metrics, serve_trigger_metrics, s->triggers);
    for (size_t i = 0; i < SERVE_MAX_TRIGGERS; i++) /* all at once: 5 s grace in total */
        msg_trigger_request_stop(s->triggers[i]);
    /* The triggers' backend makes only their stream reads, which a stop may cut short (the
     * position moves only once a batch is done): aborted at once, so a read hung at a remote
     * endpoint does not hold the stop for its timeouts and retries (5 x 10 s before;
     * test_remote_backend.py::test_stop_while_a_triggers_read_hangs).  A running command
     * keeps its grace (msg_trigger_stop). */
    msg_backend_abort(s->tbackend);
    for (size_t i = 0; i < SERVE_MAX_TRIGGERS; i++) /* before the store and the server go */
        msg_trigger_stop(s->triggers[i]);
    for (size_t i = 0; i < SERVE_MAX_TRIGGERS; i++)
        msg_trigger_filter_free(s->tfilter[i]);
    msg_backend_free(s->tbackend);
    msg_events_stop(s->events); /* open event streams end first: the server's drain then is quick */
    http_server_stop(s->srv);
    if (s->ddb_fd >= 0) /* a start that failed before the server took them */
        close(s->ddb_fd);
    if (s->api_fd >= 0)
        close(s->api_fd);
    met_remove_collector(s->metrics, msg_events_metrics, s->events);
    msg_events_free(s->events);
    /* the start-up handle fold may still wait on a remote endpoint: its call ends now, not
     * after the endpoint's timeouts and retries (review21 MEDIUM 6: ~50 s) */
    msg_service_stop(s->svc);
    msg_backend_abort(s->backend);
    msg_service_free(s->svc);
    serve_watch_end(&watch);
    msg_backend_free(s->backend);
    api_free(s->api);
    store_close(s->store);
    met_free(s->metrics);
    sigv4_creds_free(s->creds);
    free(s->jwt_secret);
}

/* --demo's outcome (serve_demo_ensure), for its banner once the server is up. */
typedef struct serve_demo {
    long long since_ms; /* when this serve started (wall clock): a table made since is not ours */
    msg_user user;
    msg_demo_outcome how;
    bool ok;
} serve_demo;

/* --demo, before the server answers: the table and the demo data when absent.  A failure is
 * said and the start goes on without the banner.  The note on a data dir that was not empty
 * only when the table was there before this serve started: a second serve --demo started
 * with the first on a new data dir found the first's data.mdb and said so, though the dir
 * was empty and the demo data was being added (by the other process). */
static void serve_demo_ensure(serve_run *s, bool remote, bool was_empty, serve_demo *d)
{
    err_t de = {0};
    if (msg_demo_ensure(s->svc, d->since_ms, &d->user, &d->how, &de)) {
        fprintf(stderr, "ddbchat: --demo failed: %s\n", de.msg);
        return;
    }
    d->ok = true;
    if (!was_empty && !remote && d->how == MSG_DEMO_PRESENT)
        fprintf(stderr, "ddbchat: --demo: data dir not empty; demo data is only added when "
                        "the messaging table is missing\n");
}

/* Everything before the server answers, in order: the ports bound, the credentials, the
 * engine, the service (--demo's data first), live delivery, the listeners.  On failure *step
 * names the step that failed (serve_say_failed). */
static int serve_start(const serve_opts *o, const char *region, serve_run *s, serve_demo *d,
                       const char **step, err_t *e)
{
    bool remote = o->endpoint != NULL, want_rest = !o->dynamodb_only;
    /* The ports are bound first: one in use is refused before a data dir is created or
     * opened.  They listen only once everything is ready (http_server_start): a connection
     * accepted is a server that answers, --demo's data included. */
    int ddb_port = o->dynamodb_port, api_port = o->api_port;
    *step = "binding the DynamoDB port";
    if (!remote && http_bind_listener(o->host, o->dynamodb_port, "--dynamodb-port", &s->ddb_fd,
                                      &ddb_port, e))
        return -1;
    *step = "binding the REST API port";
    if (want_rest && http_bind_listener(o->host, o->api_port, "--api-port", &s->api_fd, &api_port,
                                       e))
        return -1;
    *step = "loading the credentials";
    if (serve_load_creds(o, &s->creds, e))
        return -1;
    bool was_empty = serve_dir_is_empty(o->data_dir);
    *step = "opening the data dir";
    if (!remote && serve_open_engine(o, region, s, e))
        return -1;
    *step = "opening the messaging service";
    if (want_rest && serve_open_service(o, remote, s, e))
        return -1;
    if (o->demo && s->svc) /* table + demo data exist before the first request is accepted */
        serve_demo_ensure(s, remote, was_empty, d);
    *step = "starting the messaging service";
    if (s->svc && msg_service_start(s->svc, e)) /* after --demo: the table exists */
        return -1;
    *step = "starting live delivery";
    if (s->svc && serve_open_events(s, e))
        return -1;
    /* the sockets pass to the server last: until then a failed start closes them (serve_stop;
     * test_serve.py::test_event_hub_failing_to_start_frees_the_ports_at_once) */
    http_config hc;
    serve_http_config(o, remote, want_rest, ddb_port, api_port, region, s, &hc);
    *step = "starting the listeners";
    return http_server_start(&hc, s->api, s->creds, s->svc, &s->srv, e) ? -1 : 0;
}

/* A failed start in words: the failing step's own, or, when it gave none, which step it was
 * (it used to print "ddbchat serve: OK"; test_serve.py
 * test_a_step_failing_without_words_is_named). */
static void serve_say_failed(const char *step, const err_t *e)
{
    if (e->msg[0])
        fprintf(stderr, "ddbchat serve: %s\n", e->msg);
    else if (e->code)
        fprintf(stderr, "ddbchat serve: %s failed (%s)\n", step, err_name(e->code));
    else
        fprintf(stderr, "ddbchat serve: %s failed (no reason given)\n", step);
}

int cli_serve(int argc, char **argv)
{
    serve_opts o;
    /* getopt_long prefixes its messages with argv[0]: "ddbchat serve: unrecognized option
     * '--frob'", as serve's own messages (test_serve_names_an_unknown_option_as_ddbchat_serve) */
    char *argv0 = argv[0];
    argv[0] = (char *)"ddbchat serve";
    int prc = serve_parse(argc, argv, &o);
    argv[0] = argv0;
    if (prc)
        return prc == 1 ? 0 : 2;

    int status = 1;
    err_t e = {0};
    serve_run s = {.ddb_fd = -1, .api_fd = -1};
    serve_demo demo = {.since_ms = base_wall_ms()};
    const char *step = "starting";
    bool remote = o.endpoint != NULL;
    bool want_rest = !o.dynamodb_only;
    const char *region = o.region ? o.region : "us-east-1";

    /* malloc's settings for a long-running server: before any thread exists (base/mem.h) */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    mem_tune_server(ncpu > 0 ? (unsigned)ncpu : 1);

    /* Block the stop signals before any thread exists; sigwait takes them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (serve_start(&o, region, &s, &demo, &step, &e))
        goto fail;
    char api_url[300] = "";
    serve_say_started(&o, remote, want_rest, &s, api_url, sizeof api_url);
    if (demo.ok) {
        err_t de = {0};
        if (serve_demo_banner(s.svc, &demo.user, demo.how, remote, api_url, s.jwt_secret,
                              s.jwt_secret_len, &de))
            fprintf(stderr, "ddbchat: --demo: %s\n", de.msg);
    }
    /* stream triggers: after the endpoint is up (their tables may be created through it) */
    step = "starting the stream triggers";
    if (o.n_triggers && serve_start_triggers(&o, remote, &s, &e))
        goto fail;
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "ddbchat: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
    goto out;
fail:
    serve_say_failed(step, &e);
out:
    serve_stop(&s);
    fflush(stdout);
    return status;
}
