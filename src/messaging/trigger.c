/*
 * trigger — stream triggers.  Layer: messaging.  See trigger.h.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 */
#include "messaging/trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/backoff.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/siphash.h"
#include "value/jdigest.h"
#include "value/jread.h"

extern char **environ;

#define TRG_RETRY_FIRST_MS 200
#define TRG_RETRY_MAX_MS 30000
#define TRG_LOOKUP_MS 2000   /* a table without a stream is looked up again this often */
#define TRG_LINE_MAX 4000    /* a longer output line is logged in pieces */
#define TRG_PATH_MAX 4096
#define TRG_STOP_GRACE_MS 5000 /* a running command's time to finish when the trigger stops */
#define TRG_MORE_RETRY_MS 1000 /* records a batch could not take (out of memory): tried again */
#define TRG_KILL_AFTER_MS 1000 /* then SIGTERM to its process group, SIGKILL this much later */
#define TRG_TICK_MS 100        /* how often a running command's deadlines are looked at */
#define TRG_FLOCK_POLL_MS 10   /* the on-failure file's lock held elsewhere: tried this often */
#define TRG_CLAIM_POLL_MS 500  /* the table's trigger held by another process: tried this often */
/* A trigger's files are DATA_DIR/triggers/<stem>.json, .json.tmp and .lock, the stem
 * "trigger-TABLE" (a named trigger's "trigger-NAME@TABLE", trg_set_stem) while that fits a
 * file name (NAME_MAX 255 with ".json.tmp": tables of up to 238 bytes, the names every
 * earlier version used, so their saved positions are found); a
 * longer name (DynamoDB allows 255 bytes) is cut to its first TRG_STEM_KEEP bytes and given
 * '~' and 16 hex digits of a SipHash of the whole name ('~' is not in a table name, so no
 * other table's stem can be it).  Before, such a table's files could not be created:
 * test_stream_triggers.py::test_a_table_name_of_255_bytes_is_triggered. */
#define TRG_STEM_PLAIN_MAX 238
#define TRG_STEM_KEEP 200
#define TRG_STEM_MAX (sizeof "trigger-" + TRG_STEM_PLAIN_MAX) /* with its NUL */
_Static_assert(TRG_STEM_KEEP + 1 + 16 <= TRG_STEM_PLAIN_MAX, "a hashed stem fits TRG_STEM_MAX");
/* the longest output line taken as the command's response (ReportBatchItemFailures): Lambda's
 * limit on a synchronous invocation's response payload */
#define TRG_RESPONSE_MAX (6 * 1024 * 1024)
/* a batch gathered over a batching window stops growing once one more GetRecords page (at most
 * 1 MB) could take it past Lambda's 6 MB invocation payload */
#define TRG_BATCH_BYTES_MAX (6 * 1024 * 1024)
#define TRG_PAGE_BYTES_MAX (1024 * 1024)

struct msg_trigger {
    msg_backend *b;
    char *table, *command, *state_dir;
    char *name; /* NULL: the table's unnamed trigger */
    char *id;   /* what the log, the files and /metrics know it by: TABLE, or NAME@TABLE */
    int batch, poll_ms, timeout_s;
    int max_attempts; /* 0: unlimited */
    int max_age_s;    /* 0: unlimited */
    bool bisect;
    bool report_failures; /* the command's response may name failed records (Lambda's
                           * FunctionResponseTypes ReportBatchItemFailures) */
    int par;              /* batches of one shard at once (Lambda's ParallelizationFactor) */
    int window_ms;        /* Lambda's MaximumBatchingWindowInSeconds (0: none) */
    const msg_trigger_filter *filter; /* borrowed; NULL: every record delivered */
    uint64_t n_filtered;  /* records skipped by it (relaxed atomic) */
    char hash_key[256];   /* the table's partition key attribute (par > 1), written once by
                           * the loop's thread, then hash_known set (release) */
    bool hash_known;      /* atomic */
    int64_t hash_key_at;  /* when it was last looked up (base_mono_ms) */
    bool hash_said;       /* a failed lookup was logged and none has worked since */
    long hash_unsaid;     /* failed lookups since, not logged */
    bool seconds;     /* a record time not on a whole minute seen: second precision */
    int skew_s;       /* how far the stream's clock may be ahead of ours */
    char *on_failure; /* NULL: none */
    msg_sr_start start;
    char stem[TRG_STEM_MAX]; /* its files' name in state_dir, without the extension */
    int lock_fd; /* state_dir/<stem>.lock, flock'd for the trigger's life (trg_claim) */
    bool claimed; /* lock_fd is flock'd: set before trg_main starts, or by trg_main */
    bool waiting; /* another process holds the lock: this trigger waits (relaxed atomic, for
                   * /metrics' ddbchat_trigger_waiting_for_lock) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    int64_t stop_at; /* when the stop was requested (base_mono_ms, under mu) */
    /* for /metrics (relaxed atomics: written by the trigger's thread, read by a scrape) */
    uint64_t n_records, n_batches, n_failures, n_discarded;
    int64_t age_ms; /* IteratorAge of the last batch started; 0 after a read found nothing */
    sigset_t child_mask; /* the thread's signal mask before it blocked SIGPIPE: the command's */
    /* the batches being delivered, one per shard at most (MSG_TRIGGER_SHARDS_AT_ONCE); a
     * slot's busy, finished and result are under mu */
    struct trg_slot *slots;
    bool reaped; /* under mu: a slot finished since the loop last looked */
};

/* One shard's batch being delivered by a thread of its own (trg_worker). */
typedef struct trg_slot {
    msg_trigger *t;
    pthread_t th;
    bool busy, finished, joinable;
    int result; /* TRG_DONE, TRG_DISCARDED, TRG_STOPPED */
    int64_t newest; /* the batch being delivered: its newest record's ApproximateCreationDateTime
                     * (epoch ms, 0: none; relaxed atomic, read by a scrape under mu) */
    msg_sr_page pg;
    char arn[MSG_SR_ARN_MAX];
    char shard[MSG_SR_SHARD_MAX];
    /* batching window (t->window_ms): the batch is being gathered by the loop's thread, not
     * delivered yet (no thread); due: when it goes anyway (base_mono_ms); bytes: its records'
     * text; more: records read that could not be added yet (out of memory) */
    bool gathering;
    int64_t due;
    size_t bytes;
    msg_sr_page more;
    msg_trigger_streak more_oom; /* adding `more` failing (out of memory): said once */
    /* ReportBatchItemFailures' checkpoint: the page is delivered in its order (in_order, set
     * before delivery), and the records up to ckpt (a SequenceNumber; ckpt_new, under t->mu,
     * until the loop saved it) are done while the rest is retried */
    bool in_order;
    bool ckpt_new;
    char ckpt[MSG_SR_SEQ_MAX];
} trg_slot;

/* The trigger's IteratorAge for /metrics (ms): the oldest of the batches being delivered, each
 * the age of its newest record now (a batch retried for a minute is a minute older), as the
 * operator needs the shard that lags most; with none being delivered, the last batch's age when
 * it started (0 once a read found nothing new).  Before, the last-started shard's age: a
 * poison record retried on one shard read as ~0 s while the other shards kept up
 * (test_stream_triggers.py::test_iterator_age_is_the_oldest_shards). */
static int64_t trg_iterator_age(msg_trigger *t)
{
    int64_t now = base_wall_ms(), age = -1;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
        const trg_slot *sl = &t->slots[i];
        int64_t newest = __atomic_load_n(&sl->newest, __ATOMIC_RELAXED);
        if (sl->busy && !sl->finished && newest > 0 && now - newest > age)
            age = now - newest;
    }
    pthread_mutex_unlock(&t->mu);
    return age >= 0 ? age : __atomic_load_n(&t->age_ms, __ATOMIC_RELAXED);
}

void msg_trigger_metrics(msg_trigger *const *ts, size_t n, buf_t *b)
{
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"ddbchat_trigger_iterator_age_seconds", "gauge",
         "Age of the newest record of the oldest batch being delivered, its most lagging "
         "shard's (Lambda's IteratorAge); 0 once the trigger has caught up"},
        {"ddbchat_trigger_records_total", "counter", "Records of batches the command finished"},
        {"ddbchat_trigger_batches_total", "counter", "Batches the command finished"},
        {"ddbchat_trigger_failures_total", "counter",
         "Runs of the command that did not finish their batch (it is retried)"},
        {"ddbchat_trigger_discarded_records_total", "counter",
         "Records of batches discarded after --trigger-retries (Lambda's "
         "MaximumRetryAttempts)"},
        {"ddbchat_trigger_filtered_records_total", "counter",
         "Records skipped by --trigger-filter (Lambda's FilterCriteria)"},
        {"ddbchat_trigger_waiting_for_lock", "gauge",
         "1 while this trigger waits for its lock, reading nothing: another process holds it "
         "(it triggers the table), or the lock cannot be taken (an flock error, said in the "
         "log); else 0"},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        met_prom_header(b, fam[f].name, fam[f].type, fam[f].help);
        for (size_t i = 0; i < n; i++) {
            const msg_trigger *t = ts[i];
            if (!t)
                continue;
            buf_append(b, fam[f].name, strlen(fam[f].name));
            buf_append(b, "{table=\"", 8);
            met_prom_escape(b, t->table);
            if (t->name) { /* one of several triggers on the table (msg_trigger_cfg.name) */
                buf_append(b, "\",trigger=\"", 11);
                met_prom_escape(b, t->name);
            }
            buf_append(b, "\"} ", 3);
            if (f == 0)
                met_prom_double(b, (double)trg_iterator_age(ts[i]) / 1e3);
            else if (f == 6)
                met_prom_u64(b, __atomic_load_n(&t->waiting, __ATOMIC_RELAXED) ? 1 : 0);
            else
                met_prom_u64(b, __atomic_load_n(f == 1   ? &t->n_records
                                                : f == 2 ? &t->n_batches
                                                : f == 3 ? &t->n_failures
                                                : f == 4 ? &t->n_discarded
                                                         : &t->n_filtered,
                                                __ATOMIC_RELAXED));
            buf_append(b, "\n", 1);
        }
    }
}

int msg_trigger_parse(const char *spec, char **table, const char **name, const char **command,
                      err_t *e)
{
    *table = NULL;
    *name = NULL;
    *command = NULL;
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return err_set(e, ERR_VALIDATION, "--trigger expects [NAME@]TABLE=COMMAND, got '%s'",
                       spec);
    const char *at = memchr(spec, '@', (size_t)(eq - spec));
    if (at) {
        size_t nl = (size_t)(at - spec);
        bool ok = nl >= 1 && nl <= MSG_TRIGGER_NAME_MAX;
        for (size_t i = 0; ok && i < nl; i++)
            ok = (spec[i] >= 'a' && spec[i] <= 'z') || (spec[i] >= 'A' && spec[i] <= 'Z') ||
                 (spec[i] >= '0' && spec[i] <= '9') || strchr("_.-", spec[i]);
        if (!ok)
            return err_set(e, ERR_VALIDATION,
                           "the trigger's name (before '@') must be 1 to %d of a-z, A-Z, 0-9, "
                           "'_', '-' and '.'", MSG_TRIGGER_NAME_MAX);
    }
    /* one copy, "TABLE\0NAME\0COMMAND\0" (the table first: the caller frees it) */
    const char *tb = at ? at + 1 : spec;
    size_t tl = (size_t)(eq - tb), nl = at ? (size_t)(at - spec) : 0, cl = strlen(eq + 1);
    char *t = malloc(tl + nl + cl + 3);
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(t, tb, tl);
    t[tl] = 0;
    memcpy(t + tl + 1, spec, nl);
    t[tl + 1 + nl] = 0;
    memcpy(t + tl + nl + 2, eq + 1, cl + 1);
    *table = t;
    *name = at ? t + tl + 1 : NULL;
    *command = t + tl + nl + 2;
    return 0;
}

bool msg_trigger_streak_fail(msg_trigger_streak *s, int64_t now_ms)
{
    if (s->tries++ > 0)
        return false;
    s->since_ms = now_ms;
    return true;
}

bool msg_trigger_streak_ok(msg_trigger_streak *s, int64_t now_ms, long *tries, int64_t *ms)
{
    *tries = s->tries;
    *ms = s->tries ? now_ms - s->since_ms : 0;
    bool ended = s->tries > 0;
    *s = (msg_trigger_streak){0};
    return ended;
}

/* The absolute time ms from now on t->cv's clock (CLOCK_MONOTONIC, msg_trigger_start: a step
 * of the wall clock neither stalls a wait nor ends it early; before, CLOCK_REALTIME's waits
 * and deadlines did both, test_stream_triggers.py::test_a_clock_step_neither_kills_nor_stalls). */
static struct timespec trg_after(int ms)
{
    return base_deadline(CLOCK_MONOTONIC, ms);
}

/* Sleeps up to ms unless stopped; true when stopped. */
static bool trg_sleep(msg_trigger *t, int ms)
{
    struct timespec ts = trg_after(ms);
    pthread_mutex_lock(&t->mu);
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &ts) != ETIMEDOUT) {
    }
    bool s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

static bool trg_stopped(msg_trigger *t)
{
    pthread_mutex_lock(&t->mu);
    bool s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

/* ---- the saved position ------------------------------------------------------------ */

/* t->stem from t->id (TRG_STEM_PLAIN_MAX): "trigger-TABLE" for a table's unnamed trigger (the
 * files of every earlier version), "trigger-NAME@TABLE" for a named one ('@' is in no table
 * or trigger name, so no stem is another's). */
static void trg_set_stem(msg_trigger *t)
{
    static const unsigned char key[16] = "ddbchat-trigger";
    size_t len = strlen(t->id);
    if (len <= TRG_STEM_PLAIN_MAX) {
        snprintf(t->stem, sizeof t->stem, "trigger-%s", t->id);
        return;
    }
    uint64_t h = siphash24(key, (const unsigned char *)t->id, len);
    snprintf(t->stem, sizeof t->stem, "trigger-%.*s~%016llx", TRG_STEM_KEEP, t->id,
             (unsigned long long)h);
}

static int trg_state_path(const msg_trigger *t, char *out, size_t cap, const char *suffix)
{
    int n = snprintf(out, cap, "%s/%s.json%s", t->state_dir, t->stem, suffix);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The saved position (msg_stream_reader_state's object, or the one-position form
 * {"arn","shard","seq"} that sessions before 23 wrote, which the reader carries over), or
 * NULL when there is none. */
static json_t *trg_load(const msg_trigger *t)
{
    char p[TRG_PATH_MAX];
    if (trg_state_path(t, p, sizeof p, ""))
        return NULL;
    json_t *j = json_load_file(p, 0, NULL);
    const char *arn = json_string_value(json_object_get(j, "arn"));
    if (!arn || !arn[0]) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Writes the reader's position durably: temp file, fsync, rename, fsync of the directory. */
static int trg_save(const msg_trigger *t, const msg_stream_reader *rd, err_t *e)
{
    char p[TRG_PATH_MAX], tmp[TRG_PATH_MAX];
    if (trg_state_path(t, p, sizeof p, "") || trg_state_path(t, tmp, sizeof tmp, ".tmp"))
        return err_set(e, ERR_IO, "trigger state path too long");
    json_t *j = msg_stream_reader_state(rd);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
        rc = err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(text);
    if (rc == 0 && rename(tmp, p) != 0)
        rc = err_set(e, ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (rc == 0) {
        int dfd = open(t->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

/* ---- running the command ---------------------------------------------------------- */

/* Logs complete lines of out (keeps a partial last line). */
static void trg_log_lines(const msg_trigger *t, const char *shard, buf_t *out, bool flush)
{
    size_t start = 0;
    for (size_t i = 0; i < out->len; i++) {
        if (out->data[i] == '\n' || i - start >= TRG_LINE_MAX) {
            log_info("trigger %s shard %s: %.*s", t->id, shard, (int)(i - start),
                     out->data + start);
            start = i + 1;
        }
    }
    if (flush && start < out->len) {
        log_info("trigger %s shard %s: %.*s", t->id, shard, (int)(out->len - start),
                 out->data + start);
        start = out->len;
    }
    if (start == 0)
        return;
    memmove(out->data, out->data + start, out->len - start);
    out->len -= start;
}

/* The deadline (base_mono_ms) of a run that started at `started`: its timeout, or
 * TRG_STOP_GRACE_MS after a stop request when that comes first.  *timeout: whether it is the
 * timeout. */
static int64_t trg_deadline(msg_trigger *t, int64_t started, bool *timeout)
{
    int64_t d = started + (int64_t)t->timeout_s * 1000;
    pthread_mutex_lock(&t->mu);
    int64_t s = t->stop ? t->stop_at + TRG_STOP_GRACE_MS : INT64_MAX;
    pthread_mutex_unlock(&t->mu);
    *timeout = d <= s;
    return *timeout ? d : s;
}

/* A run's supervision: its start, the signals sent to its process group so far (0, 1, 2),
 * and whether its timeout (not a stop) killed it. */
typedef struct trg_watch {
    int64_t started;
    int sent;
    bool timed_out;
} trg_watch;

/* Past the deadline, the command's process group (what it started too) is sent SIGTERM,
 * TRG_KILL_AFTER_MS later SIGKILL.  true once TRG_KILL_AFTER_MS more have passed since the
 * SIGKILL: stop waiting for its output (a process that left the group may still hold the
 * pipe). */
static bool trg_enforce(msg_trigger *t, pid_t pid, trg_watch *w)
{
    bool timeout;
    int64_t d = trg_deadline(t, w->started, &timeout);
    int64_t now = base_mono_ms();
    int *sent = &w->sent;
    if (*sent == 0 && now >= d) {
        w->timed_out = timeout;
        kill(-pid, SIGTERM);
        *sent = 1;
    }
    if (*sent == 1 && now >= d + TRG_KILL_AFTER_MS) {
        kill(-pid, SIGKILL);
        *sent = 2;
    }
    return *sent == 2 && now >= d + 2 * TRG_KILL_AFTER_MS;
}

/* The command's response (ReportBatchItemFailures): its stdout, as Lambda takes the function's
 * return value apart from its logs (stderr is log only).  The response is the whole of stdout
 * when that is one JSON object (pretty-printed or not); else, stdout's lines before it being
 * log, the JSON object that ends stdout (from a line starting with '{') when it has a
 * batchItemFailures member, else the last one-line JSON object with that member.  Stdout that
 * names batchItemFailures but has no such object, or passed TRG_RESPONSE_MAX (Lambda's 6 MB
 * response limit), is an invalid response: the batch fails whole, so a reported failure is
 * never taken for done.  Output is fed as it comes; `want` false: not read. */
typedef struct trg_resp {
    bool want;
    bool over; /* stdout passed TRG_RESPONSE_MAX (or out of memory) */
    buf_t all; /* stdout so far */
} trg_resp;

static void trg_resp_feed(trg_resp *r, const char *p, size_t n)
{
    if (r->want && !r->over && buf_append(&r->all, p, n) != 0)
        r->over = true;
}

static bool trg_has_bif(const json_t *j)
{
    return json_is_object(j) && json_object_get(j, "batchItemFailures") != NULL;
}

/* The response of r (trg_resp), *out (owned; NULL: none, the batch done).  -1, why in `why`,
 * when it is invalid. */
static int trg_resp_take(trg_resp *r, json_t **out, char *why, size_t cap)
{
    *out = NULL;
    if (r->over) {
        snprintf(why, cap, "its stdout passed %d MB, Lambda's response limit",
                 TRG_RESPONSE_MAX >> 20);
        return -1;
    }
    const char *s = (const char *)r->all.data;
    size_t n = r->all.len;
    if (n == 0)
        return 0;
    json_t *doc = json_loadb(s, n, 0, NULL);
    if (json_is_object(doc)) {
        *out = doc;
        return 0;
    }
    json_decref(doc);
    json_t *line = NULL, *tail = NULL;
    for (size_t ls = 0; ls < n;) {
        const char *nl = memchr(s + ls, '\n', n - ls);
        size_t le = nl ? (size_t)(nl - s) : n, i = ls;
        while (i < le && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i < le && s[i] == '{') {
            json_t *j = json_loadb(s + i, le - i, 0, NULL);
            if (trg_has_bif(j)) {
                json_decref(line);
                line = j;
            } else if (!tail && json_is_object(j)) {
                /* a whole object on its line ends stdout when only blanks follow it: then it
                 * is the tail itself, not parsed a second time from here to the end */
                size_t k = le;
                while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
                    k++;
                if (k == n)
                    tail = j;
                else
                    json_decref(j);
            } else {
                json_decref(j);
                if (!tail) { /* the object that ends stdout, spanning lines */
                    j = json_loadb(s + i, n - i, 0, NULL);
                    if (json_is_object(j))
                        tail = j;
                    else
                        json_decref(j);
                }
            }
        }
        ls = le + 1;
    }
    if (trg_has_bif(tail)) {
        json_decref(line);
        *out = tail;
        return 0;
    }
    json_decref(tail);
    if (line) {
        *out = line;
        return 0;
    }
    if (memmem(s, n, "batchItemFailures", 17)) {
        snprintf(why, cap, "stdout names batchItemFailures, no JSON object has it");
        return -1;
    }
    return 0;
}

/* Runs the command with `input` on its stdin, in a process group of its own (a stop's
 * signals reach what it started; a terminal's Ctrl-C reaches serve, whose stop gives the
 * command its grace).  Returns the wait status, or -1 (could not run it; errno-style message
 * logged).  *timed_out: its timeout killed it.  resp: fed its output (trg_resp). */
static int trg_run(msg_trigger *t, const char *shard, const char *input, size_t in_len,
                   bool *timed_out, trg_resp *resp)
{
    *timed_out = false;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        log_error("trigger %s shard %s: pipe: %s", t->id, shard, strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2); /* apart: log only, not the response */
    /* the command gets the thread's mask from before SIGPIPE was blocked and SIGPIPE's
     * default action (serve ignores it, and an ignored signal stays ignored across exec) */
    posix_spawnattr_t sa;
    posix_spawnattr_init(&sa);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigmask(&sa, &t->child_mask);
    posix_spawnattr_setsigdefault(&sa, &def);
    posix_spawnattr_setpgroup(&sa, 0);
    posix_spawnattr_setflags(&sa,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    char *argv[] = {"/bin/sh", "-c", t->command, NULL};
    pid_t pid;
    pthread_mutex_lock(&t->mu);
    int src = t->stop ? ECANCELED : posix_spawn(&pid, "/bin/sh", &fa, &sa, argv, environ);
    pthread_mutex_unlock(&t->mu);
    posix_spawnattr_destroy(&sa);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in[0] = out[1] = err[1] = -1;
    if (src) {
        if (src != ECANCELED)
            log_error("trigger %s shard %s: cannot run /bin/sh: %s", t->id, shard,
                      strerror(src));
        goto fail;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    buf_t ob, eb; /* stdout's and stderr's partial lines, for the log */
    buf_init(&ob, 0);
    buf_init(&eb, 0);
    size_t sent = 0;
    trg_watch sigs = {.started = base_mono_ms()};
    if (in_len == 0) {
        close(in[1]);
        in[1] = -1;
    }
    while (out[0] >= 0 || err[0] >= 0) {
        struct pollfd pf[3] = {{in[1], POLLOUT, 0}, {out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
        int np = in[1] >= 0 ? 3 : 0; /* a negative fd is skipped by poll */
        int pr = poll(in[1] >= 0 ? pf : pf + 1, in[1] >= 0 ? 3 : 2, TRG_TICK_MS);
        if (trg_enforce(t, pid, &sigs))
            break; /* killed: what still holds its output is not waited for */
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (np && (pf[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in[1], input + sent, in_len - sent);
            if (w > 0)
                sent += (size_t)w;
            if (w < 0 && errno == EPIPE) { /* the command exited without reading it all */
                sigset_t pipe_set;
                sigemptyset(&pipe_set);
                sigaddset(&pipe_set, SIGPIPE);
                struct timespec now = {0, 0};
                while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR) {
                } /* takes the SIGPIPE this write raised (blocked in this thread) */
                errno = EPIPE;
            }
            if ((w < 0 && errno != EAGAIN) || sent == in_len) { /* done, or it stopped reading */
                close(in[1]);
                in[1] = -1;
            }
        }
        for (int k = 1; k <= 2; k++) {
            int *fd = k == 1 ? &out[0] : &err[0];
            buf_t *lb = k == 1 ? &ob : &eb;
            if (*fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t r = read(*fd, chunk, sizeof chunk);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) { /* EOF: the command (and anything holding it) is done with it */
                close(*fd);
                *fd = -1;
                continue;
            }
            if (k == 1)
                trg_resp_feed(resp, chunk, (size_t)r);
            if (buf_append(lb, chunk, (size_t)r) == 0)
                trg_log_lines(t, shard, lb, false);
        }
    }
    trg_log_lines(t, shard, &ob, true);
    trg_log_lines(t, shard, &eb, true);
    buf_fini(&ob);
    buf_fini(&eb);
    if (in[1] >= 0)
        close(in[1]);
    if (out[0] >= 0)
        close(out[0]);
    if (err[0] >= 0)
        close(err[0]);
    /* the output's end is not the command's (it may close its output and go on) */
    int status = 0;
    for (long us = 100;; us = us < TRG_TICK_MS * 1000L / 2 ? us * 2 : us) {
        pid_t w = waitpid(pid, &status, WNOHANG); /* at once, as a rule: its output ended */
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        trg_enforce(t, pid, &sigs);
        struct timespec tick = {0, us * 1000L};
        nanosleep(&tick, NULL);
    }
    *timed_out = sigs.timed_out;
    return status;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
    return -1;
}

/* ---- the loop ------------------------------------------------------------------------- */

/* The ARN as a JSON string (with its quotes), for trg_event_record; NULL when out of memory.
 * Freed by the caller. */
static char *trg_arn_json(const char *arn)
{
    json_t *ja = json_string(arn);
    char *out = ja ? json_dumps(ja, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(ja);
    return out;
}

/* The one builder of the record as the command gets it, for the event (trg_event) and for the
 * filter (trg_deliver_page), so the two cannot differ.
 * Record i of pg as AWS Lambda gets it (msg_stream_lambda_record's text) appended to b: its
 * own text with eventSourceARN (arn_json: the ARN as a JSON string) spliced in before its
 * closing brace, as that function appends it to the tree (the text is the compact JSON
 * json_dumps gives of the tree: stream_reader.h); a record with userIdentity (respelled) or
 * an eventSourceARN of its own goes through the tree (msg_sr_page_lambda_record), which
 * out_tree (may be NULL) takes instead of its text (the filter's: not written to b and read
 * back, as e0b12ffe did).  0, or -1 when out of memory. */
static int trg_event_record(buf_t *b, const msg_sr_page *pg, size_t i, const char *arn,
                            const char *arn_json, json_t **out_tree)
{
    size_t o, l;
    const char *t = pg->text + pg->off[i];
    size_t n = pg->len[i];
    if (!msg_sr_page_member(pg, i, "userIdentity", NULL, &o, &l) &&
        !msg_sr_page_member(pg, i, "eventSourceARN", NULL, &o, &l) && n >= 2 && t[n - 1] == '}') {
        bool empty = n == 2 && t[0] == '{';
        return buf_append(b, t, n - 1) || (!empty && buf_append(b, ",", 1)) ||
                       buf_append(b, "\"eventSourceARN\":", 17) ||
                       buf_append(b, arn_json, strlen(arn_json)) || buf_append(b, "}", 1)
                   ? -1
                   : 0;
    }
    json_t *lam = msg_sr_page_lambda_record(pg, i, arn);
    if (out_tree) {
        *out_tree = lam;
        return lam ? 0 : -1;
    }
    char *text = lam ? json_dumps(lam, JSON_COMPACT) : NULL;
    json_decref(lam);
    int rc = text && buf_append(b, text, strlen(text)) == 0 ? 0 : -1;
    free(text);
    return rc;
}

/* The event of a page of records, as AWS Lambda gets it ({"Records":[...]}, each record with
 * eventSourceARN), from the page's text: a page's records as one jansson tree took ~70 MB for
 * 1 MB of wide images.  Also the newest ApproximateCreationDateTime (epoch seconds on the
 * wire) in ms (0: none) and the first record's SequenceNumber.  NULL when out of memory. */
static char *trg_event(const msg_sr_page *pg, const char *arn, int64_t *newest, char *first,
                       size_t first_cap)
{
    buf_t b;
    buf_init(&b, 0);
    *newest = 0;
    snprintf(first, first_cap, "?");
    char *arn_json = trg_arn_json(arn);
    bool ok = arn_json && buf_append(&b, "{\"Records\":[", 12) == 0;
    for (size_t i = 0; ok && i < pg->n; i++) {
        json_t *ts = msg_sr_page_member_json(pg, i, "dynamodb", "ApproximateCreationDateTime");
        if (json_is_number(ts) && (int64_t)(json_number_value(ts) * 1000.0) > *newest)
            *newest = (int64_t)(json_number_value(ts) * 1000.0);
        json_decref(ts);
        if (i == 0) {
            json_t *sq = msg_sr_page_member_json(pg, i, "dynamodb", "SequenceNumber");
            if (json_is_string(sq))
                snprintf(first, first_cap, "%s", json_string_value(sq));
            json_decref(sq);
        }
        ok = (i == 0 || buf_append(&b, ",", 1) == 0) &&
             trg_event_record(&b, pg, i, arn, arn_json, NULL) == 0;
    }
    free(arn_json);
    char *out = NULL;
    if (ok && buf_append(&b, "]}", 3) == 0) { /* with its NUL; the buffer's memory handed over
                                                  (mem_realloc's, free() is its partner) */
        out = (char *)b.data;
        b.data = NULL;
    }
    buf_fini(&b);
    return out;
}

enum { TRG_DONE, TRG_DISCARDED, TRG_STOPPED }; /* what became of a batch */

/* The ISO-8601 UTC time of epoch ms (Lambda's on-failure record spells its times so). */
static void trg_iso(int64_t ms, char *out, size_t cap)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%s.%03dZ", s, (int)(ms % 1000));
}

/* Record i's dynamodb member `key` as text ("" when absent), into out. */
static void trg_member_text(const msg_sr_page *pg, size_t i, const char *key, char *out,
                            size_t cap)
{
    json_t *v = msg_sr_page_member_json(pg, i, "dynamodb", key);
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else if (json_is_number(v))
        trg_iso((int64_t)(json_number_value(v) * 1000.0), out, cap);
    else
        snprintf(out, cap, "%s", "");
    json_decref(v);
}

/* The on-failure file is shared by every trigger of the process: its appends are serialised
 * (the one lock of this module outside a trigger, as the file is outside any); between
 * processes by flock on the file (trg_lock_file). */
static pthread_mutex_t trg_on_failure_mu = PTHREAD_MUTEX_INITIALIZER;

/* Takes the exclusive flock of fd (waiting while another process, or another open of the
 * file, holds it), so two processes appending to one on-failure file (two serves, each with
 * --trigger-on-failure FILE) take turns: a record cut short and cut back (ftruncate to where
 * it started) would else cut away a record the other appended meanwhile.  0; -1 with errno
 * (ECANCELED: the trigger stopped while waiting). */
static int trg_lock_file(msg_trigger *t, int fd)
{
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return -1;
        if (trg_stopped(t)) {
            errno = ECANCELED;
            return -1;
        }
        struct timespec tick = {0, TRG_FLOCK_POLL_MS * 1000000L};
        nanosleep(&tick, NULL);
    }
    return 0;
}

/* fsyncs the directory holding path (after a file was created in it); 0, or -1 with errno. */
static int trg_fsync_dir(const char *path)
{
    char dir[TRG_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else {
        errno = ENAMETOOLONG;
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int rc = fsync(dfd);
    int err = errno;
    close(dfd);
    errno = err;
    return rc;
}

/* Appends the on-failure record of a discarded batch (pg's records, of shard `shard`) to
 * t->on_failure, one JSON line, synced (a new file's directory too); true when it is durable
 * (or there is no file), false (logged) when not: Lambda's record for a DynamoDB stream source
 * (requestContext.condition, RetryAttemptsExhausted or RecordAgeExceeded, and
 * approximateInvokeCount, version, timestamp, DDBStreamBatchInfo; a named trigger's name as
 * requestContext.trigger, ours), with the command's last result in responseContext (ours:
 * exitStatus, or signal, or timedOut; {} before any run). */
static bool trg_on_failure(msg_trigger *t, const msg_sr_page *pg, const char *arn,
                           const char *shard, const char *condition, int attempts, int st,
                           bool timed_out)
{
    if (!t->on_failure || pg->n == 0)
        return true;
    char first_seq[MSG_SR_SEQ_MAX], last_seq[MSG_SR_SEQ_MAX], first_at[40], last_at[40],
        now[40];
    trg_member_text(pg, 0, "SequenceNumber", first_seq, sizeof first_seq);
    trg_member_text(pg, pg->n - 1, "SequenceNumber", last_seq, sizeof last_seq);
    trg_member_text(pg, 0, "ApproximateCreationDateTime", first_at, sizeof first_at);
    trg_member_text(pg, pg->n - 1, "ApproximateCreationDateTime", last_at, sizeof last_at);
    trg_iso(base_wall_ms(), now, sizeof now);
    json_t *resp = attempts == 0     ? json_object()
                   : timed_out       ? json_pack("{s:b}", "timedOut", 1)
                   : st < 0          ? json_pack("{s:b}", "notRun", 1)
                   : WIFSIGNALED(st) ? json_pack("{s:i}", "signal", WTERMSIG(st))
                                     : json_pack("{s:i}", "exitStatus", WEXITSTATUS(st));
    json_t *rec = json_pack(
        "{s:{s:s,s:i},s:o,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:I,s:s}}", "requestContext",
        "condition", condition, "approximateInvokeCount", attempts,
        "responseContext", resp ? resp : json_object(), "version", "1.0", "timestamp", now,
        "DDBStreamBatchInfo", "shardId", shard, "startSequenceNumber", first_seq,
        "endSequenceNumber", last_seq, "approximateArrivalOfFirstRecord", first_at,
        "approximateArrivalOfLastRecord", last_at, "batchSize", (json_int_t)pg->n, "streamArn",
        arn);
    /* a named trigger says its name (ours: Lambda's record has the function's ARN), so the
     * records of several triggers on one table told apart in one file
     * (test_on_failure_records_name_their_trigger) */
    if (rec && t->name)
        json_object_set_new(json_object_get(rec, "requestContext"), "trigger",
                            json_string(t->name));
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    size_t len = text ? strlen(text) : 0;
    char *line = text ? realloc(text, len + 2) : NULL; /* the record and its newline: one write */
    if (line) {
        text = NULL;
        line[len++] = '\n';
        line[len] = 0;
    }
    const char *why = line ? NULL : "out of memory";
    /* one process-wide lock over open/write/fsync: the triggers share the file, and a record
     * must never be split by another's (review: two write() calls per record glued records
     * together; test_on_failure_records_of_several_triggers_stay_whole) */
    pthread_mutex_lock(&trg_on_failure_mu);
    bool created = false;
    int fd = -1;
    /* O_NONBLOCK: a FIFO in the file's place fails at once (ENXIO without a reader) instead
     * of waiting for one for good under the lock, and is refused below (a record must be
     * taken back when cut short, which a pipe cannot do); the trigger then keeps the batch
     * and retries as for any unwritable file
     * (test_an_on_failure_fifo_without_reader_does_not_hang) */
    if (line) {
        fd = open(t->on_failure, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT) {
            fd = open(t->on_failure, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
            created = fd >= 0;
            if (fd < 0 && errno == EEXIST) /* made meanwhile by another process */
                fd = open(t->on_failure, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
        }
    }
    int err = line && fd < 0 ? errno : 0;
    struct stat fst;
    if (fd >= 0 && fstat(fd, &fst) == 0 && (S_ISFIFO(fst.st_mode) || S_ISSOCK(fst.st_mode))) {
        why = "not a regular file";
        err = EINVAL;
    } else if (line && fd < 0 && errno == ENXIO) {
        why = "a FIFO without a reader: not a regular file";
    }
    if (fd >= 0 && !err && trg_lock_file(t, fd) != 0) /* released by close */
        err = errno;
    /* where this record starts: a write cut short (a full disk, the file-size limit) or a
     * failed fsync is cut back to it, so the retry's whole record starts a line of its own
     * (before, the part already written stayed, and the record written later was glued to it:
     * a line no JSON reader parses; test_a_record_cut_short_is_taken_back) */
    off_t start = fd >= 0 && !err ? lseek(fd, 0, SEEK_END) : -1; /* under the lock only */
    if (fd >= 0 && start < 0)
        err = errno;
    size_t done = 0;
    while (fd >= 0 && done < len && !err) { /* a short write goes on where it stopped */
        ssize_t w = write(fd, line + done, len - done);
        if (w > 0)
            done += (size_t)w;
        else if (w == 0)
            err = EIO;
        else if (errno != EINTR)
            err = errno;
    }
    if (fd >= 0 && !err && fsync(fd) != 0)
        err = errno;
    if (fd >= 0 && !err && created && trg_fsync_dir(t->on_failure) != 0)
        err = errno; /* a new file's name durable too */
    if (fd >= 0 && err && start >= 0 && ftruncate(fd, start) != 0)
        log_error("trigger %s shard %s: the on-failure file %s keeps part of a record: %s",
                  t->id, shard, t->on_failure, strerror(errno));
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&trg_on_failure_mu);
    bool ok = line && !err;
    if (!ok)
        log_error("trigger %s shard %s: the on-failure record of the batch from %s was not "
                  "written to %s: %s",
                  t->id, shard, first_seq, t->on_failure, why ? why : strerror(err));
    free(line);
    free(text);
    return ok;
}

/* Writes pg's on-failure record (trg_on_failure) until it is written: a failed write is tried
 * again after TRG_RETRY_FIRST_MS, doubling up to TRG_RETRY_MAX_MS, meanwhile the batch is
 * kept (not discarded, its position not saved).  False when the trigger stopped first (the
 * batch is then delivered again after a restart).  Before, a record that could not be written
 * (a full disk, an unwritable directory) was lost with its batch
 * (test_an_unwritable_on_failure_file_keeps_the_batch). */
static bool trg_record_failure(msg_trigger *t, const msg_sr_page *pg, const char *arn,
                               const char *shard, const char *condition, int attempts, int st,
                               bool timed_out)
{
    backoff bo;
    backoff_init(&bo, TRG_RETRY_FIRST_MS, TRG_RETRY_MAX_MS);
    while (!trg_on_failure(t, pg, arn, shard, condition, attempts, st, timed_out)) {
        int wait = (int)backoff_fail(&bo, NULL);
        log_error("trigger %s shard %s: the batch is kept until its on-failure record is "
                  "written (%s); trying again in %d ms",
                  t->id, shard, condition, wait);
        if (trg_sleep(t, wait))
            return false;
    }
    return true;
}

bool msg_trigger_surely_older(int64_t at_ms, bool seconds, int skew_s, int64_t now_ms,
                              int max_age_s)
{
    /* the record was made in [at, at + precision) by the stream's clock, which may run up to
     * skew_s ahead of ours: it is surely older than max_age_s when even the latest of those
     * times is */
    int64_t latest = at_ms + (seconds ? 1000 : 60000) + (int64_t)skew_s * 1000;
    return latest <= now_ms - (int64_t)max_age_s * 1000;
}

/* How many of pg's records [i0, i0 + n), from the first, are surely older than t->max_age_s
 * (msg_trigger_surely_older; a shard's records come in order).  ApproximateCreationDateTime
 * is rounded down, to the second by AWS and ddbchat, to the minute by DynamoDB Local: the
 * stream is taken as minute precision until a time not on a whole minute is seen, second
 * precision after (for good).  Before, a Local record up to 59 s old was taken as older than
 * 60 s and discarded unrun (test_trigger.c test_surely_older_allows_minute_times). */
static size_t trg_too_old(msg_trigger *t, const msg_sr_page *pg, size_t i0, size_t n)
{
    if (t->max_age_s <= 0)
        return 0;
    int64_t now = base_wall_ms();
    /* shared by the trigger's shards' runs: an atomic flag that only ever turns on */
    bool seconds = __atomic_load_n(&t->seconds, __ATOMIC_RELAXED);
    for (size_t k = 0; k < n && !seconds; k++) {
        json_t *ts = msg_sr_page_member_json(pg, i0 + k, "dynamodb", "ApproximateCreationDateTime");
        double at = json_is_number(ts) ? json_number_value(ts) : 0;
        seconds = at > 0 && ((double)(long long)at != at || (long long)at % 60);
        json_decref(ts);
    }
    if (seconds)
        __atomic_store_n(&t->seconds, true, __ATOMIC_RELAXED);
    size_t k = 0;
    for (; k < n; k++) {
        json_t *ts = msg_sr_page_member_json(pg, i0 + k, "dynamodb", "ApproximateCreationDateTime");
        bool old = json_is_number(ts) &&
                   msg_trigger_surely_older((int64_t)(json_number_value(ts) * 1000.0),
                                            seconds, t->skew_s, now, t->max_age_s);
        json_decref(ts);
        if (!old)
            break;
    }
    return k;
}

/* Discards records [i0, i0 + k) of pg for their age (Lambda's MaximumRecordAgeInSeconds):
 * their on-failure record written (trg_record_failure), then logged and counted (runs: the
 * command's runs so far).  False when the trigger stopped before the record was written (the
 * records are then not discarded). */
static bool trg_discard_old(msg_trigger *t, const msg_sr_page *pg, size_t i0, size_t k,
                            const char *arn, const char *shard, int runs, int st,
                            bool timed_out)
{
    msg_sr_page old = *pg;
    old.off = pg->off + i0;
    old.len = pg->len + i0;
    old.n = k;
    if (!trg_record_failure(t, &old, arn, shard, "RecordAgeExceeded", runs, st, timed_out))
        return false;
    log_error("trigger %s shard %s: %zu records older than %d s are discarded "
              "(--trigger-max-record-age)%s%s",
              t->id, shard, k, t->max_age_s, t->on_failure ? "; their record is in " : "",
              t->on_failure ? t->on_failure : "");
    __atomic_add_fetch(&t->n_discarded, k, __ATOMIC_RELAXED);
    return true;
}

/* What a command's response (trg_resp's object, may be NULL) says of its batch `view`, as
 * Lambda reads a function's StreamsEventResponse when ReportBatchItemFailures is on (Lambda
 * Developer Guide, "Configuring partial batch response with DynamoDB and Lambda"): no
 * response, no or a null batchItemFailures, or an empty one: every record done (*first_failed
 * = view->n); else the first record of the batch any itemIdentifier names (the lowest sequence
 * number: Lambda checkpoints there and retries from it).  -1, why in `why`, when the response
 * counts as the batch failing whole: batchItemFailures not a list, an item without an
 * itemIdentifier or with a null or empty one (Lambda's complete failures), or one naming no
 * record of the batch (ours: nothing is taken as done that the command did not vouch for). */
static int trg_batch_response(const json_t *resp, const msg_sr_page *view, size_t *first_failed,
                              char *why, size_t cap)
{
    *first_failed = view->n;
    const json_t *bif = resp ? json_object_get(resp, "batchItemFailures") : NULL;
    if (!bif || json_is_null(bif))
        return 0;
    if (!json_is_array(bif)) {
        snprintf(why, cap, "batchItemFailures is not a list");
        return -1;
    }
    /* each record's SequenceNumber found once, as its place in the page's text (digits: no
     * escapes), not parsed again per item (before: items x records parses) */
    size_t *so = json_array_size(bif) ? malloc((view->n ? view->n : 1) * 2 * sizeof *so) : NULL;
    if (json_array_size(bif) && !so) {
        snprintf(why, cap, "out of memory reading the response");
        return -1;
    }
    for (size_t k = 0; so && k < view->n; k++) {
        size_t o, l;
        bool str = msg_sr_page_member(view, k, "dynamodb", "SequenceNumber", &o, &l) && l >= 2 &&
                   view->text[o] == '"';
        so[2 * k] = str ? o + 1 : 0;
        so[2 * k + 1] = str ? l - 2 : SIZE_MAX; /* SIZE_MAX: no string, matches nothing */
    }
    int rc = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(bif, i, it)
    {
        const json_t *id = json_object_get(it, "itemIdentifier");
        if (!json_is_string(id) || json_string_length(id) == 0) {
            snprintf(why, cap, "batchItemFailures[%zu] has no itemIdentifier, or a null or "
                               "empty one", i);
            rc = -1;
            break;
        }
        size_t k = 0, il = json_string_length(id);
        for (; k < view->n; k++)
            if (so[2 * k + 1] == il && memcmp(view->text + so[2 * k], json_string_value(id), il) == 0)
                break;
        if (k == view->n) {
            snprintf(why, cap, "batchItemFailures[%zu]'s itemIdentifier %.60s is no record of "
                               "the batch", i, json_string_value(id));
            rc = -1;
            break;
        }
        if (k < *first_failed)
            *first_failed = k;
    }
    free(so);
    return rc;
}

/* The slot's page's records before record `failed` of batch `view` are done (the page being
 * delivered in order: the earlier batches of the page, the records its filter skipped, and
 * this batch's first `failed`): the position after the last of them is handed to the loop to
 * save at once (trg_reap), as Lambda checkpoints at the first record a ReportBatchItemFailures
 * response names.  Before, nothing was saved until the whole batch was done, so a kill -9
 * during the retries delivered the done records again
 * (test_report_batch_item_failures_checkpoints_at_once). */
static void trg_checkpoint(msg_trigger *t, trg_slot *sl, const msg_sr_page *view, size_t failed)
{
    if (!sl->in_order || failed >= view->n)
        return;
    size_t j = 0; /* the failed record in the slot's page (their places are in one text) */
    while (j < sl->pg.n && sl->pg.off[j] != view->off[failed])
        j++;
    if (j == 0 || j == sl->pg.n)
        return; /* the page's first record failed: nothing done yet */
    json_t *sq = msg_sr_page_member_json(&sl->pg, j - 1, "dynamodb", "SequenceNumber");
    if (json_is_string(sq) && json_string_length(sq) < sizeof sl->ckpt) {
        pthread_mutex_lock(&t->mu);
        if (strcmp(sl->ckpt, json_string_value(sq)) != 0) {
            snprintf(sl->ckpt, sizeof sl->ckpt, "%s", json_string_value(sq));
            sl->ckpt_new = true;
            t->reaped = true; /* the loop saves it */
            pthread_cond_broadcast(&t->cv);
        }
        pthread_mutex_unlock(&t->mu);
    }
    json_decref(sq);
}

/* Delivers records [i0, i0 + n) of pg (one shard's, of stream arn) as one batch until the
 * command succeeds (TRG_DONE), or the trigger stops (TRG_STOPPED), or the batch has had
 * t->max_attempts runs (TRG_DISCARDED: logged, its on-failure record written).  With
 * t->bisect a failed batch of several records is split in two and each half delivered in
 * turn (the split takes no attempt: Lambda's BisectBatchOnFunctionError).  Before each run
 * the records older than t->max_age_s are discarded (the rest delivered as a batch).  With
 * t->report_failures a run that exits 0 but reports failed records (trg_batch_response) has
 * the records before the first of them done and the rest retried as the batch (a run: an
 * attempt), as Lambda retries from its checkpoint at that record; the records before it are
 * checkpointed at once (trg_checkpoint: the loop saves the position past them) when the page
 * is delivered in order, so a restart meanwhile delivers from the failed record on
 * (test_report_batch_item_failures_checkpoints_at_once); a page split into key groups
 * (--trigger-parallelization) is saved when the whole of it is done or discarded. */
static int trg_deliver(msg_trigger *t, trg_slot *sl, const msg_sr_page *pg, size_t i0,
                       size_t n, const char *arn, const char *shard)
{
    size_t old = trg_too_old(t, pg, i0, n);
    if (old) {
        if (!trg_discard_old(t, pg, i0, old, arn, shard, 0, 0, false))
            return TRG_STOPPED;
        return old == n ? TRG_DISCARDED : trg_deliver(t, sl, pg, i0 + old, n - old, arn, shard);
    }
    msg_sr_page view = *pg; /* the batch's records: the page's text, its places from i0 */
    view.off = pg->off + i0;
    view.len = pg->len + i0;
    view.n = n;
    int64_t newest = 0;
    char first[MSG_SR_SEQ_MAX + 8];
    char *text = trg_event(&view, arn, &newest, first, sizeof first);
    int64_t age = base_wall_ms() - newest;
    __atomic_store_n(&t->age_ms, newest && age > 0 ? age : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->newest, newest, __ATOMIC_RELAXED);
    backoff bo;
    backoff_init(&bo, TRG_RETRY_FIRST_MS, TRG_RETRY_MAX_MS);
    int out = TRG_STOPPED;
    for (int attempt = 1;; attempt++) {
        bool timed_out = false;
        trg_resp resp = {.want = t->report_failures};
        buf_init(&resp.all, TRG_RESPONSE_MAX);
        int st = text ? trg_run(t, shard, text, strlen(text), &timed_out, &resp) : -1;
        size_t done = st == 0 ? n : 0; /* records the run finished, from the batch's first */
        char bad[160] = "";
        json_t *rj = NULL;
        if (st == 0 && t->report_failures &&
            (trg_resp_take(&resp, &rj, bad, sizeof bad) != 0 ||
             trg_batch_response(rj, &view, &done, bad, sizeof bad) != 0))
            done = 0;
        buf_fini(&resp.all);
        json_decref(rj);
        if (st == 0 && done == n) {
            __atomic_add_fetch(&t->n_records, n, __ATOMIC_RELAXED);
            __atomic_add_fetch(&t->n_batches, 1, __ATOMIC_RELAXED);
            out = TRG_DONE;
            break;
        }
        __atomic_add_fetch(&t->n_failures, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->n_records, done, __ATOMIC_RELAXED);
        bool partial = st == 0 && !bad[0]; /* records from view's `done` failed */
        if (partial) {
            log_warn("trigger %s shard %s: the command reported failed records of the batch "
                     "of %zu from %s (ReportBatchItemFailures): %zu done, the %zu from the "
                     "first failed are the batch now",
                     t->id, shard, n, first, done, n - done);
            trg_checkpoint(t, sl, &view, done);
            if (done) { /* the rest is the batch, retried (Lambda: from its checkpoint) */
                i0 += done;
                n -= done;
                view.off = pg->off + i0;
                view.len = pg->len + i0;
                view.n = n;
                free(text);
                text = trg_event(&view, arn, &newest, first, sizeof first);
            }
        }
        if (trg_stopped(t))
            break;
        if (t->bisect && n > 1 && !partial) {
            size_t h = n / 2;
            log_warn("trigger %s shard %s: the batch of %zu records from %s failed; "
                     "delivering it in two halves (%zu and %zu records)",
                     t->id, shard, n, first, h, n - h);
            free(text);
            text = NULL;
            out = trg_deliver(t, sl, pg, i0, h, arn, shard);
            if (out != TRG_STOPPED)
                out = trg_deliver(t, sl, pg, i0 + h, n - h, arn, shard) == TRG_STOPPED
                          ? TRG_STOPPED
                          : TRG_DONE;
            break;
        }
        size_t aged = trg_too_old(t, pg, i0, n);
        if (aged) { /* past the age while it was retried */
            free(text);
            text = NULL;
            if (!trg_discard_old(t, pg, i0, aged, arn, shard, attempt, st, timed_out))
                break;
            out = aged == n ? TRG_DISCARDED
                            : trg_deliver(t, sl, pg, i0 + aged, n - aged, arn, shard);
            break;
        }
        bool last = t->max_attempts > 0 && attempt >= t->max_attempts;
        int delay = last ? 0 : (int)backoff_fail(&bo, NULL);
        char what[160];
        if (timed_out)
            snprintf(what, sizeof what, "timed out after %d s and was killed", t->timeout_s);
        else if (st < 0)
            snprintf(what, sizeof what, "could not run");
        else if (partial)
            snprintf(what, sizeof what, "reported failed records");
        else if (bad[0])
            snprintf(what, sizeof what, "gave a response that fails its batch (%.80s)", bad);
        else if (WIFSIGNALED(st))
            snprintf(what, sizeof what, "was killed by signal %d", WTERMSIG(st));
        else
            snprintf(what, sizeof what, "exited with status %d", WEXITSTATUS(st));
        if (last) {
            if (t->on_failure)
                log_error("trigger %s shard %s: the command %s (batch of %zu records from "
                          "%s); %d runs failed: the batch is discarded (--trigger-retries) once "
                          "its on-failure record is written",
                          t->id, shard, what, n, first, attempt);
            if (!trg_record_failure(t, &view, arn, shard, "RetryAttemptsExhausted", attempt,
                                    st, timed_out))
                break;
            log_error("trigger %s shard %s: the command %s (batch of %zu records from %s); "
                      "%d runs failed: the batch is discarded (--trigger-retries)%s%s",
                      t->id, shard, what, n, first, attempt,
                      t->on_failure ? "; its record is in " : "",
                      t->on_failure ? t->on_failure : "");
            __atomic_add_fetch(&t->n_discarded, n, __ATOMIC_RELAXED);
            out = TRG_DISCARDED;
            break;
        }
        log_warn("trigger %s shard %s: the command %s (batch of %zu records from %s); retry %d "
                 "in %d ms",
                 t->id, shard, what, n, first, attempt, delay);
        if (trg_sleep(t, delay))
            break;
    }
    free(text);
    return out;
}

/* Delivers pg's records in order, as batches of at most t->batch records: TRG_STOPPED when the
 * trigger stopped (the rest not delivered), else TRG_DONE. */
static int trg_deliver_batches(msg_trigger *t, trg_slot *sl, const msg_sr_page *pg)
{
    for (size_t i = 0; i < pg->n; i += (size_t)t->batch) {
        size_t k = pg->n - i < (size_t)t->batch ? pg->n - i : (size_t)t->batch;
        if (trg_deliver(t, sl, pg, i, k, sl->arn, sl->shard) == TRG_STOPPED)
            return TRG_STOPPED;
    }
    return TRG_DONE;
}

/* Which of t->par groups record i of pg goes to: the digest (jdigest_json, the same for equal
 * values whatever their members' order) of its partition key's value (Keys' member
 * t->hash_key), so a key's records share one.  0 when it has none (or out of memory).
 * Before, the value's text (json_dumps with sorted keys) hashed with FNV-1a: a text written
 * and freed per record to be hashed. */
static size_t trg_key_group(const msg_trigger *t, const msg_sr_page *pg, size_t i)
{
    static const unsigned char key[16] = {0}; /* spreads keys, guards nothing */
    json_t *keys = msg_sr_page_member_json(pg, i, "dynamodb", "Keys");
    json_t *v = json_object_get(keys, t->hash_key);
    uint64_t h[2] = {0, 0};
    bool hashed = v && jdigest_json(key, v, h) == 0;
    json_decref(keys);
    return hashed ? (size_t)(h[0] % (uint64_t)t->par) : 0;
}

/* One partition-key group of a slot's page (ParallelizationFactor): its records as a page of
 * their own (the slot's text; their places owned), delivered by a thread of its own. */
typedef struct trg_group {
    msg_trigger *t;
    trg_slot *sl;
    msg_sr_page pg;
    pthread_t th;
    bool started;
    int result;
} trg_group;

static void *trg_group_worker(void *arg)
{
    trg_group *g = arg;
    g->result = trg_deliver_batches(g->t, g->sl, &g->pg);
    return NULL;
}

/* The slot's page delivered as Lambda does with a ParallelizationFactor above 1: its records
 * split by partition key into t->par groups, each delivered in order, batch by batch, the
 * groups at once; a key's records stay in one group, so in order (the next page of the shard
 * is read once every group is done).  Without the partition key's name (not known yet), or
 * out of memory: in order, one batch at a time. */
static int trg_deliver_groups(msg_trigger *t, trg_slot *sl, const msg_sr_page *pg)
{
    if (t->par <= 1 || !__atomic_load_n(&t->hash_known, __ATOMIC_ACQUIRE) || pg->n <= 1) {
        sl->in_order = true; /* one batch after another: a checkpoint is a prefix */
        return trg_deliver_batches(t, sl, pg);
    }
    trg_group g[MSG_TRIGGER_PARALLEL_MAX];
    memset(g, 0, sizeof g);
    size_t *which = malloc(pg->n * sizeof *which);
    size_t count[MSG_TRIGGER_PARALLEL_MAX] = {0};
    bool ok = which != NULL;
    for (size_t i = 0; ok && i < pg->n; i++)
        count[which[i] = trg_key_group(t, pg, i)]++;
    for (int j = 0; ok && j < t->par; j++) {
        g[j] = (trg_group){.t = t, .sl = sl, .pg = {.text = pg->text}};
        g[j].pg.off = count[j] ? malloc(count[j] * sizeof(size_t)) : NULL;
        g[j].pg.len = count[j] ? malloc(count[j] * sizeof(size_t)) : NULL;
        ok = !count[j] || (g[j].pg.off && g[j].pg.len);
    }
    int out = TRG_DONE;
    if (ok) {
        for (size_t i = 0; i < pg->n; i++) {
            trg_group *gi = &g[which[i]];
            gi->pg.off[gi->pg.n] = pg->off[i];
            gi->pg.len[gi->pg.n++] = pg->len[i];
        }
        for (int j = 0; j < t->par; j++)
            if (g[j].pg.n)
                g[j].started = pthread_create(&g[j].th, NULL, trg_group_worker, &g[j]) == 0;
        for (int j = 0; j < t->par; j++) {
            if (g[j].started)
                pthread_join(g[j].th, NULL);
            else if (g[j].pg.n) /* no thread: delivered here, after the others started */
                trg_group_worker(&g[j]);
            if (g[j].pg.n && g[j].result == TRG_STOPPED)
                out = TRG_STOPPED;
        }
    } else {
        sl->in_order = true;
        out = trg_deliver_batches(t, sl, pg);
    }
    for (int j = 0; j < MSG_TRIGGER_PARALLEL_MAX; j++) {
        free(g[j].pg.off);
        free(g[j].pg.len);
    }
    free(which);
    return out;
}

/* The slot's page delivered: its records that t->filter passes (Lambda's FilterCriteria, on
 * the record as the command gets it, msg_stream_lambda_record's: the others are skipped,
 * never delivered; their position moves with the page's), grouped by trg_deliver_groups.  A page none of whose records pass is done without a run.  Before,
 * every record was delivered (test_stream_triggers.py::test_filter_criteria_skip_records). */
static int trg_deliver_page(msg_trigger *t, trg_slot *sl)
{
    const msg_sr_page *pg = &sl->pg;
    if (!t->filter)
        return trg_deliver_groups(t, sl, pg);
    msg_sr_page kept = {.text = pg->text};
    int out = TRG_STOPPED;
    char *arn_json = NULL;
    buf_t rb; /* one record's text, as the event holds it */
    buf_init(&rb, 0);
    for (;;) { /* out of memory: tried again each second (never delivered unfiltered) */
        kept.off = malloc((pg->n ? pg->n : 1) * sizeof(size_t));
        kept.len = malloc((pg->n ? pg->n : 1) * sizeof(size_t));
        if (kept.off && kept.len)
            break;
        free(kept.off);
        free(kept.len);
        kept.off = kept.len = NULL;
        log_error("trigger %s shard %s: out of memory filtering a page; trying again in 1 s",
                  t->id, sl->shard);
        if (trg_sleep(t, 1000))
            goto done; /* not released: the page comes again after a restart */
    }
    arn_json = trg_arn_json(sl->arn);
    for (size_t i = 0; i < pg->n; i++) {
        /* matched as the command gets it (Lambda filters its event's record): the text
         * trg_event_record puts in the event (userIdentity respelled, eventSourceARN added),
         * read back; before, GetRecords' record, so AWS's TTL pattern
         * {"userIdentity":{"type":["Service"],...}} matched nothing */
        jread_error je;
        buf_reset(&rb);
        json_t *rec = NULL; /* the tree of a record trg_event_record builds as one */
        if (arn_json && trg_event_record(&rb, pg, i, sl->arn, arn_json, &rec) == 0 && !rec)
            rec = jread_jansson((const char *)rb.data, rb.len, &je);
        bool pass = rec ? msg_trigger_filter_match(t->filter, rec) : true; /* kept: unsure */
        json_decref(rec);
        if (pass) {
            kept.off[kept.n] = pg->off[i];
            kept.len[kept.n++] = pg->len[i];
        }
    }
    __atomic_add_fetch(&t->n_filtered, pg->n - kept.n, __ATOMIC_RELAXED);
    out = kept.n ? trg_deliver_groups(t, sl, &kept) : TRG_DONE;
done:
    free(arn_json);
    buf_fini(&rb);
    free(kept.off);
    free(kept.len);
    return out;
}

/* The table's partition key attribute into t->hash_key (DescribeTable through the seam), for
 * t->par > 1: looked up at most every TRG_LOOKUP_MS until found; meanwhile pages are delivered
 * one batch at a time. */
static void trg_find_hash_key(msg_trigger *t)
{
    int64_t now = base_mono_ms();
    if (t->par <= 1 || __atomic_load_n(&t->hash_known, __ATOMIC_ACQUIRE) ||
        (t->hash_key_at && now - t->hash_key_at < TRG_LOOKUP_MS))
        return;
    t->hash_key_at = now;
    err_t e;
    err_clear(&e);
    json_t *req = json_pack("{s:s}", "TableName", t->table), *resp = NULL;
    int rc = req ? msg_backend_call(t->b, "DescribeTable", req, &resp, &e) : ERR_NOMEM;
    json_decref(req);
    size_t i;
    const json_t *ks;
    bool found = false;
    json_array_foreach(json_object_get(json_object_get(resp, "Table"), "KeySchema"), i, ks)
    {
        const char *type = json_string_value(json_object_get(ks, "KeyType"));
        const json_t *name = json_object_get(ks, "AttributeName");
        if (!found && type && strcmp(type, "HASH") == 0 && json_is_string(name) &&
            json_string_length(name) < sizeof t->hash_key &&
            strlen(json_string_value(name)) == json_string_length(name)) {
            snprintf(t->hash_key, sizeof t->hash_key, "%s", json_string_value(name));
            found = true;
        }
    }
    json_decref(resp);
    if (found) {
        __atomic_store_n(&t->hash_known, true, __ATOMIC_RELEASE);
        if (t->hash_said)
            log_info("trigger %s: its partition key is known: %s (%ld more failed lookups)",
                     t->id, t->hash_key, t->hash_unsaid);
    } else if (!t->hash_said) {
        /* said once until a lookup works, as the events hub says a failing scan
         * (ev_fail_note); before, a line every TRG_LOOKUP_MS for as long as DescribeTable
         * failed (test_a_failing_partition_key_lookup_is_logged_once) */
        log_warn("trigger %s: its partition key is not known (%s): a shard's records are "
                 "delivered one batch at a time until it is; looking again every %d ms "
                 "(logged once until it is known)",
                 t->id, rc ? e.msg : "no HASH key in DescribeTable", TRG_LOOKUP_MS);
        t->hash_said = true;
    } else {
        t->hash_unsaid++;
    }
}

/* A slot's thread: its page delivered (trg_deliver_page), then the loop woken. */
static void *trg_worker(void *arg)
{
    trg_slot *sl = arg;
    msg_trigger *t = sl->t;
    int got = trg_deliver_page(t, sl);
    pthread_mutex_lock(&t->mu);
    sl->result = got;
    sl->finished = true;
    t->reaped = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Waits up to ms for a slot to finish (or a stop). */
static void trg_wait_slot(msg_trigger *t, int ms)
{
    struct timespec ts = trg_after(ms);
    pthread_mutex_lock(&t->mu);
    while (!t->stop && !t->reaped && pthread_cond_timedwait(&t->cv, &t->mu, &ts) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&t->mu);
}

/* The finished slots joined: a batch done or discarded releases its shard (the position
 * moves past it) and the position is saved; a stopped one keeps its shard held (its batch
 * comes again after a restart).  Returns the slots still busy. */
static size_t trg_reap(msg_trigger *t, msg_stream_reader *rd)
{
    size_t busy = 0;
    bool save = false;
    pthread_mutex_lock(&t->mu);
    t->reaped = false;
    pthread_mutex_unlock(&t->mu);
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
        trg_slot *sl = &t->slots[i];
        char ckpt[MSG_SR_SEQ_MAX] = "";
        pthread_mutex_lock(&t->mu);
        bool fin = sl->busy && sl->finished;
        busy += sl->busy && !sl->finished;
        if (sl->busy && sl->ckpt_new) { /* part of its batch done: saved at once */
            snprintf(ckpt, sizeof ckpt, "%s", sl->ckpt);
            sl->ckpt_new = false;
        }
        pthread_mutex_unlock(&t->mu);
        if (ckpt[0]) {
            msg_stream_reader_checkpoint(rd, sl->shard, ckpt);
            save = true;
        }
        if (!fin)
            continue;
        if (sl->joinable)
            pthread_join(sl->th, NULL);
        if (sl->result != TRG_STOPPED) {
            msg_stream_reader_release(rd, sl->shard);
            save = true;
        }
        msg_sr_page_fini(&sl->pg);
        pthread_mutex_lock(&t->mu);
        sl->busy = sl->finished = sl->joinable = false;
        pthread_mutex_unlock(&t->mu);
    }
    err_t e;
    err_clear(&e);
    if (save && trg_save(t, rd, &e))
        log_error("trigger %s: a batch is done but its position was not saved: %s", t->id,
                  e.msg);
    return busy;
}

/* A slot not in use, or NULL. */
static trg_slot *trg_free_slot(msg_trigger *t)
{
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++)
        if (!t->slots[i].busy)
            return &t->slots[i];
    return NULL;
}

/* Starts delivering slot sl's page in a thread of its own; run here when no thread can be
 * started (the other shards then wait for it, as they all did before). */
static void trg_launch(trg_slot *sl)
{
    sl->gathering = false;
    sl->joinable = pthread_create(&sl->th, NULL, trg_worker, sl) == 0;
    if (!sl->joinable)
        trg_worker(sl);
}

static size_t trg_page_bytes(const msg_sr_page *pg)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++)
        n += pg->len[i];
    return n;
}

/* Is a batch of sl's records full for a page of `page` records: as many, or one more
 * GetRecords page could take it past Lambda's 6 MB payload? */
static bool trg_full(const trg_slot *sl, int page)
{
    return sl->pg.n >= (size_t)page || sl->bytes + TRG_PAGE_BYTES_MAX > TRG_BATCH_BYTES_MAX;
}

/* Appends the records of `more` to pg (its text after pg's, their places shifted): 0, with
 * `more` emptied; -1 when out of memory, pg's records as they were and `more` kept. */
static int trg_page_append(msg_sr_page *pg, msg_sr_page *more)
{
    size_t tl = pg->n ? pg->off[pg->n - 1] + pg->len[pg->n - 1] : 0; /* pg's text in use */
    size_t ml = more->n ? more->off[more->n - 1] + more->len[more->n - 1] : 0;
    char *text = realloc(pg->text, tl + ml + 1);
    if (!text)
        return -1;
    pg->text = text;
    size_t *off = realloc(pg->off, (pg->n + more->n) * sizeof *off);
    if (!off)
        return -1;
    pg->off = off;
    size_t *len = realloc(pg->len, (pg->n + more->n) * sizeof *len);
    if (!len)
        return -1;
    pg->len = len;
    memcpy(pg->text + tl, more->text, ml);
    pg->text[tl + ml] = 0;
    for (size_t i = 0; i < more->n; i++) {
        pg->off[pg->n + i] = tl + more->off[i];
        pg->len[pg->n + i] = more->len[i];
    }
    pg->n += more->n;
    msg_sr_page_fini(more);
    return 0;
}

/* Takes pg (taken over) of shard `shard` into slot sl: delivered at once (trg_launch), or with
 * a batching window and room left, gathered first (trg_gather). */
static void trg_dispatch(msg_trigger *t, trg_slot *sl, msg_sr_page *pg, const char *arn,
                         const char *shard, int page)
{
    sl->t = t;
    sl->pg = *pg;
    memset(pg, 0, sizeof *pg);
    snprintf(sl->arn, sizeof sl->arn, "%s", arn);
    snprintf(sl->shard, sizeof sl->shard, "%s", shard);
    sl->finished = false;
    __atomic_store_n(&sl->newest, 0, __ATOMIC_RELAXED);
    sl->in_order = sl->ckpt_new = false;
    sl->ckpt[0] = 0;
    sl->busy = true;
    sl->bytes = trg_page_bytes(&sl->pg);
    sl->more_oom = (msg_trigger_streak){0};
    if (t->window_ms > 0 && !trg_full(sl, page)) {
        sl->gathering = true;
        sl->due = base_mono_ms() + t->window_ms;
        return;
    }
    trg_launch(sl);
}

/* Adds the records read into sl->more (held back by an out-of-memory) to its batch: true
 * when none are left over. */
static bool trg_add_more(msg_trigger *t, trg_slot *sl)
{
    if (sl->more.n == 0)
        return true;
    size_t add = trg_page_bytes(&sl->more);
    long tries;
    int64_t ms;
    if (trg_page_append(&sl->pg, &sl->more) == 0) {
        sl->bytes += add;
        if (msg_trigger_streak_ok(&sl->more_oom, base_mono_ms(), &tries, &ms))
            log_info("trigger %s shard %s: the records held back are in the batch now, after "
                     "%ld tries failed over %lld ms (out of memory)", t->id, sl->shard, tries,
                     (long long)ms);
        return true;
    }
    /* kept until it can be added: never delivered without it.  Said once, then summed up
     * when it works (msg_trigger_streak); before, a line at every try, every
     * TRG_MORE_RETRY_MS or at each pass of the loop */
    if (msg_trigger_streak_fail(&sl->more_oom, base_mono_ms()))
        log_error("trigger %s shard %s: out of memory gathering a batch; trying again (logged "
                  "once until it works)", t->id, sl->shard);
    return false;
}

/* The batching window (Lambda's MaximumBatchingWindowInSeconds): each slot gathering a batch
 * reads more of its shard (held meanwhile: msg_stream_reader_next_page_of), up to `page`
 * records; a batch that is full, or whose shard is read to its end, or whose window has
 * passed, is delivered.  *next_due: lowered to the earliest window still open. */
static void trg_gather(msg_trigger *t, msg_stream_reader *rd, int page, int64_t *next_due)
{
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
        trg_slot *sl = &t->slots[i];
        if (!sl->busy || !sl->gathering)
            continue;
        bool ended = false;
        if (sl->more.n == 0 && !trg_full(sl, page) && base_mono_ms() < sl->due) {
            err_t e;
            err_clear(&e);
            if (msg_stream_reader_next_page_of(rd, sl->shard, page - (int)sl->pg.n, &sl->more,
                                               &ended, &e) != 0)
                ended = false; /* a failed read: the main read reports it; tried again */
        }
        trg_add_more(t, sl);
        if (sl->more.n == 0 && (ended || trg_full(sl, page) || base_mono_ms() >= sl->due))
            trg_launch(sl);
        else if (sl->due < *next_due)
            *next_due = sl->due;
    }
}

/* While reads back off: each batch being gathered whose window has passed is delivered with
 * what it has (its shard is not read further); *next_due: lowered to the earliest window
 * still open.  A batch with records read but not yet added to it (sl->more: out of memory)
 * has them added first, and is delivered once they are (never without them), tried again
 * every TRG_MORE_RETRY_MS.  Before, such a batch was skipped here, so it waited for the
 * reads' back-off to end (up to TRG_RETRY_MAX_MS past its window) before trg_gather added
 * them. */
static void trg_launch_due(msg_trigger *t, int64_t *next_due)
{
    int64_t now = base_mono_ms();
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
        trg_slot *sl = &t->slots[i];
        if (!sl->busy || !sl->gathering)
            continue;
        if (now < sl->due) {
            if (sl->due < *next_due)
                *next_due = sl->due;
        } else if (trg_add_more(t, sl)) {
            trg_launch(sl);
        } else if (now + TRG_MORE_RETRY_MS < *next_due) {
            *next_due = now + TRG_MORE_RETRY_MS;
        }
    }
}

/* A read of the stream failed (e): the next is due at *read_at, after reread's back-off;
 * said when a streak of failures starts. */
static void trg_read_failed(const msg_trigger *t, backoff *reread, const err_t *e,
                            int64_t *read_at)
{
    bool started;
    int wait = (int)backoff_fail(reread, &started);
    if (started)
        log_warn("trigger %s: reading the stream failed: %s; reading it again after %d ms, "
                 "doubling up to %d ms while it fails (logged once until a read succeeds)",
                 t->id, e->msg, TRG_LOOKUP_MS, TRG_RETRY_MAX_MS);
    *read_at = base_mono_ms() + wait;
}

/* One try at the table's trigger: an exclusive flock on t->lock_fd, never waited for.  0: got
 * it (this process's id written into the file, for a second process to name); 1: another
 * process holds it; else -errno. */
static int trg_try_claim(msg_trigger *t)
{
    int r;
    while ((r = flock(t->lock_fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR)
        ;
    if (r != 0)
        return errno == EWOULDBLOCK ? 1 : -errno;
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(t->lock_fd, 0) != 0 || pwrite(t->lock_fd, pid, (size_t)n, 0) != n)
        log_warn("trigger %s: cannot write the process id into %s.lock: %s", t->id, t->stem,
                 strerror(errno));
    t->claimed = true;
    return 0;
}

/* Claims the table's trigger for this process: an exclusive flock on state_dir/<stem>.lock,
 * held until msg_trigger_stop (the descriptor is close-on-exec, so the commands run hold
 * nothing).  Another process on the same state dir (a second `serve` on the data dir) with a
 * trigger on the table may hold it: its positions file is this one's and each record would be
 * delivered once per process (both ran before, every record delivered twice, each overwriting
 * the other's positions), so this trigger reads nothing until it gets the lock (trg_wait_claim,
 * in its thread).  0 with t->claimed false is that case; an error only when the file cannot be
 * opened or locked at all. */
static int trg_claim(msg_trigger *t, err_t *e)
{
    char p[TRG_PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s.lock", t->state_dir, t->stem);
    if (n < 0 || (size_t)n >= sizeof p)
        return err_set(e, ERR_IO, "trigger state path too long");
    t->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (t->lock_fd < 0)
        return err_set(e, ERR_IO, "cannot open %s: %s", p, strerror(errno));
    int r = trg_try_claim(t);
    if (r < 0)
        return err_set(e, ERR_IO, "cannot lock %s: %s", p, strerror(-r));
    return 0;
}

/* The trigger's thread, before reading anything: the lock another process holds is tried every
 * TRG_CLAIM_POLL_MS until it is free (that process stopped: a replacement `serve` started while
 * the old one still finishes its batch, up to 6 s) and the wait is said once, naming it.
 * Before, the second serve exited whole, having printed its endpoints:
 * test_stream_triggers.py::test_a_second_process_waits_for_the_trigger_on_the_same_table.
 * false: stopped meanwhile. */
static bool trg_wait_claim(msg_trigger *t)
{
    bool said = false;
    for (;;) {
        int r = trg_try_claim(t);
        __atomic_store_n(&t->waiting, r != 0, __ATOMIC_RELAXED);
        if (r == 0) {
            if (said)
                log_info("trigger %s: the other process let it go; this one triggers the table",
                         t->id);
            return true;
        }
        if (!said) {
            char pid[32] = "";
            ssize_t n = pread(t->lock_fd, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            if (r == 1)
                log_warn("trigger %s: another process (pid %s) triggers this table on %s (%s.lock "
                         "is locked): one process triggers a table; waiting for it to stop, "
                         "trying every %d ms (logged once)",
                         t->id, pid[0] ? pid : "unknown", t->state_dir, t->stem,
                         TRG_CLAIM_POLL_MS);
            else
                log_warn("trigger %s: cannot lock %s/%s.lock: %s; trying every %d ms (logged "
                         "once)", t->id, t->state_dir, t->stem, strerror(-r),
                         TRG_CLAIM_POLL_MS);
            said = true;
        }
        if (trg_sleep(t, TRG_CLAIM_POLL_MS))
            return false;
    }
}

static void *trg_main(void *arg)
{
    msg_trigger *t = arg;
    msg_stream_reader *rd = NULL;
    /* a command that exits without reading its input makes the write to it raise SIGPIPE,
     * whose default action ends the process: blocked in this thread, the write fails with
     * EPIPE instead (a process that does not ignore SIGPIPE, like a test, died of it) */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &t->child_mask);
    if (!t->claimed && !trg_wait_claim(t))
        return NULL;
    /* Reads of the stream that fail (an IAM policy without dynamodb:GetRecords, say) are
     * tried again after TRG_LOOKUP_MS, doubling up to TRG_RETRY_MAX_MS, and said once until
     * one succeeds; a table without a stream is looked at every TRG_LOOKUP_MS (enabling one
     * is noticed at once), said once until it has one.  Before, both every 2 s for good,
     * with a warning (and, for a failing read, the "reading" line) each time
     * (test_stream_triggers test_failing_reads_back_off). */
    backoff reread;
    backoff_init(&reread, TRG_LOOKUP_MS, TRG_RETRY_MAX_MS);
    bool said_none = false;
    bool start_saved = false, said_unsaved = false; /* the reader's start is saved */
    bool announce = false;                          /* the "reading" line is due */
    bool announced = false;                         /* it was said once */
    const char *from = "";
    int64_t read_at = 0; /* after a failed read: not before this (base_mono_ms) */
    /* Lambda's event source mapping processes the shards concurrently, one batch per shard at
     * a time, in order within a shard: each batch read goes to a slot's thread and its shard
     * is held (not read again, its children not opened) until the batch is done or discarded,
     * while the other shards are read; at most MSG_TRIGGER_SHARDS_AT_ONCE batches at once.
     * Before, one batch at a time across all shards: a failing one held every shard back
     * (test_stream_triggers test_a_poison_record_blocks_only_its_own_shard). */
    for (;;) {
        size_t busy = rd ? trg_reap(t, rd) : 0;
        if (trg_stopped(t)) {
            /* the runs end within the stop's grace (trg_enforce): joined, then reaped.  Not
             * waited for in trg_wait_slot, which returns at once once stopped (a stop while a
             * run went on spun here: test_stop_while_the_command_hangs's CPU time) */
            for (size_t i = 0; busy && i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
                trg_slot *sl = &t->slots[i];
                if (sl->busy && sl->joinable) {
                    pthread_join(sl->th, NULL);
                    sl->joinable = false;
                }
            }
            if (busy)
                trg_reap(t, rd);
            break;
        }
        err_t e;
        err_clear(&e);
        int64_t now = base_mono_ms();
        if (now < read_at) {
            /* batches being gathered whose window ends meanwhile are delivered then, not at
             * the next read (up to TRG_RETRY_MAX_MS later); not read further while reads fail
             * (test_batch_window_ends_while_reads_back_off) */
            int64_t until = read_at;
            if (t->window_ms > 0)
                trg_launch_due(t, &until);
            int64_t left = until - now;
            trg_wait_slot(t, (int)(left < 1 ? 1 : left < TRG_LOOKUP_MS ? left : TRG_LOOKUP_MS));
            continue;
        }
        if (!rd) {
            json_t *pos = trg_load(t);
            bool have = pos != NULL;
            int rc = msg_stream_reader_new(t->b, t->table, t->start, pos, &rd, &e);
            json_decref(pos);
            if (rc && rc != ERR_RESOURCE_NOT_FOUND) {
                /* a start refused for another reason than a missing table or stream
                 * (DescribeStream or GetShardIterator refused, the endpoint unreachable)
                 * backs off as a failed read does, said once, and nothing is said to be read
                 * until it can (test_failing_reads_back_off) */
                rd = NULL;
                trg_read_failed(t, &reread, &e, &read_at);
                continue;
            }
            if (rc) {
                if (!said_none)
                    log_warn("trigger %s: %s; looking again every %d ms (logged once until "
                             "it is found)", t->id, e.msg, TRG_LOOKUP_MS);
                said_none = true;
                rd = NULL;
                trg_sleep(t, TRG_LOOKUP_MS); /* also in a streak of failed reads */
                continue;
            }
            msg_stream_reader_hold(rd, true);
            said_none = false;
            start_saved = have;
            /* said once; after a streak of failed reads (the reader is opened again) not
             * again */
            announce = !announced || !backoff_failing(&reread);
            from = have ? "after the last finished batch"
                   : t->start == MSG_SR_TRIM_HORIZON ? "from TRIM_HORIZON"
                                                     : "from LATEST";
        }
        if (!start_saved) {
            /* the start is a position before any read: TRIM_HORIZON, or LATEST saved as the
             * time each shard was opened at it on the stream's clock (msg_stream_reader_state's
             * "since"; every shard's LATEST iterator is taken first), so a restart before the first batch
             * does not start at LATEST again and skip what was written meanwhile
             * (test_latest_trigger_restart_loses_nothing).  A start that cannot be saved is
             * not read from: tried again every TRG_LOOKUP_MS, said once */
            if (trg_save(t, rd, &e)) {
                if (!said_unsaved)
                    log_warn("trigger %s: its start is not saved (%s); trying again every %d "
                             "ms before reading the stream (logged once)",
                             t->id, e.msg, TRG_LOOKUP_MS);
                said_unsaved = true;
                trg_sleep(t, TRG_LOOKUP_MS);
                continue;
            }
            start_saved = true;
            said_unsaved = false;
        }
        /* said once the start is saved: a record written after the line is delivered, across
         * a kill -9 too.  Before, the line came first and the trigger read on when the save
         * failed: a restart then started at LATEST again, past what was written meanwhile
         * (test_a_trigger_says_reading_once_its_start_is_saved) */
        if (announce) {
            log_info("trigger %s: reading %s (%s)", t->id, msg_stream_reader_arn(rd), from);
            announce = false;
            announced = true;
        }
        trg_find_hash_key(t);
        /* with a ParallelizationFactor, a page for each group to get a batch's worth */
        int page = t->par > 1 && __atomic_load_n(&t->hash_known, __ATOMIC_ACQUIRE)
                       ? t->batch * t->par
                       : t->batch;
        if (page > MSG_TRIGGER_BATCH_MAX)
            page = MSG_TRIGGER_BATCH_MAX;
        int64_t due = INT64_MAX; /* the earliest batching window still open */
        if (t->window_ms > 0)
            trg_gather(t, rd, page, &due);
        int wait = t->poll_ms;
        if (due != INT64_MAX) {
            int64_t left = due - base_mono_ms();
            wait = left < 1 ? 1 : left < wait ? (int)left : wait;
        }
        trg_slot *sl = trg_free_slot(t);
        if (!sl) { /* as many batches as it may run at once: wait for one to finish */
            trg_wait_slot(t, wait);
            continue;
        }
        msg_sr_page pg;
        int rc = msg_stream_reader_next_page(rd, page, &pg, &e);
        if (rc) {
            if (!busy) { /* opened again from the saved position: none of its shards held */
                msg_stream_reader_free(rd);
                rd = NULL;
            }
            trg_read_failed(t, &reread, &e, &read_at);
            continue;
        }
        if (backoff_ok(&reread))
            log_info("trigger %s: reading %s works again", t->id, msg_stream_reader_arn(rd));
        if (pg.n == 0) {
            msg_sr_page_fini(&pg);
            if (!busy)
                __atomic_store_n(&t->age_ms, 0, __ATOMIC_RELAXED);
            trg_wait_slot(t, wait);
            continue;
        }
        trg_dispatch(t, sl, &pg, msg_stream_reader_arn(rd), msg_stream_reader_last_shard(rd),
                     page);
    }
    /* batches still being gathered at the stop: not delivered, their shards held (a restart
     * delivers them) */
    for (size_t i = 0; i < MSG_TRIGGER_SHARDS_AT_ONCE; i++) {
        if (t->slots[i].busy && t->slots[i].gathering) {
            msg_sr_page_fini(&t->slots[i].pg);
            msg_sr_page_fini(&t->slots[i].more);
            t->slots[i].busy = t->slots[i].gathering = false;
        }
    }
    msg_stream_reader_free(rd);
    return NULL;
}

/* Ends t's claim (its lock) and frees it: its thread, when it ran, is done, and its commands
 * with it. */
static void trg_free(msg_trigger *t)
{
    if (t->lock_fd >= 0)
        close(t->lock_fd); /* after the thread and its commands are done: the claim ends */
    free(t->table);
    free(t->name);
    free(t->id);
    free(t->command);
    free(t->state_dir);
    free(t->on_failure);
    free(t->slots);
    free(t);
}

int msg_trigger_start(msg_backend *b, const msg_trigger_cfg *cfg, msg_trigger **out, err_t *e)
{
    *out = NULL;
    msg_trigger *t = calloc(1, sizeof *t);
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    t->lock_fd = -1;
    t->b = b;
    t->table = strdup(cfg->table);
    t->name = cfg->name ? strdup(cfg->name) : NULL;
    if (!cfg->name)
        t->id = strdup(cfg->table);
    else if (asprintf(&t->id, "%s@%s", cfg->name, cfg->table) < 0)
        t->id = NULL;
    t->command = strdup(cfg->command);
    t->state_dir = strdup(cfg->state_dir);
    t->batch = cfg->batch < 1 ? MSG_TRIGGER_BATCH_DEFAULT
                              : cfg->batch > MSG_TRIGGER_BATCH_MAX ? MSG_TRIGGER_BATCH_MAX
                                                                    : cfg->batch;
    t->poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : 200;
    t->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : MSG_TRIGGER_TIMEOUT_DEFAULT_S;
    t->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 0;
    t->max_age_s = cfg->max_record_age_s > 0 ? cfg->max_record_age_s : 0;
    t->bisect = cfg->bisect;
    t->report_failures = cfg->report_failures;
    t->filter = cfg->filter && msg_trigger_filter_count(cfg->filter) ? cfg->filter : NULL;
    t->par = cfg->parallelization < 1                          ? 1
             : cfg->parallelization > MSG_TRIGGER_PARALLEL_MAX ? MSG_TRIGGER_PARALLEL_MAX
                                                               : cfg->parallelization;
    t->skew_s = cfg->remote ? MSG_SR_SKEW_S : 0;
    t->window_ms = (cfg->window_s < 0                          ? 0
                    : cfg->window_s > MSG_TRIGGER_WINDOW_MAX_S ? MSG_TRIGGER_WINDOW_MAX_S
                                                               : cfg->window_s) *
                   1000;
    t->on_failure = cfg->on_failure ? strdup(cfg->on_failure) : NULL;
    t->start = cfg->start;
    if (t->id)
        trg_set_stem(t);
    t->slots = calloc(MSG_TRIGGER_SHARDS_AT_ONCE, sizeof *t->slots);
    if (!t->table || (cfg->name && !t->name) || !t->id || !t->command || !t->state_dir ||
        (cfg->on_failure && !t->on_failure) ||
        !t->slots) {
        msg_trigger_stop(t);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    /* a file-size limit must fail the write of a state or on-failure record that crosses it
     * (EFBIG: the batch kept, the record taken back), not kill the process: store_open does
     * the same, but a trigger over --endpoint has no store (the kill was seen in
     * test_a_record_cut_short_is_taken_back against DynamoDB Local); a program's handler stays */
    struct sigaction sa;
    if (sigaction(SIGXFSZ, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGXFSZ, SIG_IGN);
    if (mkdir(t->state_dir, 0700) != 0 && errno != EEXIST) {
        int rc = err_set(e, ERR_IO, "cannot create %s: %s", t->state_dir, strerror(errno));
        msg_trigger_stop(t);
        return rc;
    }
    int crc = trg_claim(t, e);
    if (crc) {
        msg_trigger_stop(t);
        return crc;
    }
    pthread_mutex_init(&t->mu, NULL);
    base_cond_init_mono(&t->cv);
    if (pthread_create(&t->thread, NULL, trg_main, t) != 0) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        trg_free(t);
        return err_set(e, ERR_INTERNAL, "cannot start the trigger thread");
    }
    *out = t;
    return 0;
}

void msg_trigger_request_stop(msg_trigger *t)
{
    if (!t || !t->thread)
        return;
    pthread_mutex_lock(&t->mu);
    if (!t->stop) {
        t->stop = true;
        t->stop_at = base_mono_ms();
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void msg_trigger_stop(msg_trigger *t)
{
    if (!t)
        return;
    if (t->thread) {
        /* a running command gets TRG_STOP_GRACE_MS from the stop request to finish its batch
         * (then it counts as done), then its process group SIGTERM and SIGKILL (its batch is
         * delivered again after a restart): trg_run's trg_enforce */
        msg_trigger_request_stop(t);
        pthread_join(t->thread, NULL);
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
    }
    trg_free(t);
}
