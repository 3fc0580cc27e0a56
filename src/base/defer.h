/*
 * defer — a thread's calls put off to the end of a scope.  Layer: base.
 *
 * A thread that runs many callbacks in a row (the store's committer answering a round's
 * writes, store/commit.c) opens a scope around them; a callback that wakes another thread
 * (the HTTP layer's resume of a connection: an eventfd write that wakes a polling thread)
 * queues that step with defer_call instead, so the wake-ups of the whole batch come together
 * at defer_scope_end and the woken thread finds all of them at once, instead of waking once
 * per callback while the rest are still being built.  Outside a scope defer_call does
 * nothing and says so: the caller then runs the step itself, as before.  Scopes nest (the
 * calls run at the outermost end).  Per thread: no locks; nothing is shared between threads.
 */
#ifndef DDB_BASE_DEFER_H
#define DDB_BASE_DEFER_H

#include <stdbool.h>

typedef void (*defer_fn)(void *arg);

/* Opens a scope on this thread. */
void defer_scope_begin(void);
/* Closes it; at the outermost end runs every call queued in it, in the order queued (a call
 * queued meanwhile by one of them runs too), and the thread's queue is empty again. */
void defer_scope_end(void);
/* Queues fn(arg) to this thread's scope's end: true; false (nothing queued: the caller runs
 * fn now) when no scope is open on this thread or the queue could not grow (out of memory). */
bool defer_call(defer_fn fn, void *arg);

#endif
