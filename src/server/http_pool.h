/*
 * http_pool — threads for the requests that block.  Layer: server.
 *
 * libmicrohttpd's polling threads are few (about one per CPU) so that requests never
 * oversubscribe the cores.  A request that would block one of them for long — a durable write
 * waiting for its group commit (store/commit.c), a call to a remote DynamoDB endpoint — is
 * handed to this pool instead while its connection is suspended (http.c): reads keep being
 * served, and every waiting writer can be in the same group commit.
 *
 * Threads are started on demand (an idle server has none) up to max_threads and then kept;
 * a job submitted while all of them are busy waits in FIFO order.  Thread-safe.
 */
#ifndef DDB_SERVER_HTTP_POOL_H
#define DDB_SERVER_HTTP_POOL_H

typedef struct http_pool http_pool;

typedef struct http_pool_job {
    void (*run)(struct http_pool_job *job); /* runs on a pool thread; owns the job after */
    struct http_pool_job *next;             /* the pool's */
} http_pool_job;

/* 0, or ERR_NOMEM. */
int http_pool_new(unsigned max_threads, http_pool **out);
/* Makes sure a thread will run the next job: 0, or -1 when none exists and none can be
 * started (the caller then runs the work itself).  Call before the point of no return
 * (suspending the connection), then http_pool_submit. */
int http_pool_reserve(http_pool *p);
/* Queues the job (after a successful http_pool_reserve). */
void http_pool_submit(http_pool *p, http_pool_job *job);
/* Runs every queued job, stops and joins the threads, frees.  Accepts NULL. */
void http_pool_free(http_pool *p);
/* Jobs submitted and not yet taken by a thread (http.c's admission: a full queue is
 * answered "busy" at once instead of waiting). */
unsigned http_pool_queued(http_pool *p);
/* Threads started so far (for tests and the benchmark notes). */
unsigned http_pool_threads(http_pool *p);

#endif
