/*
 * cpugate — at most N threads doing CPU work at once.  Layer: base.
 *
 * The server runs requests that may block on extra threads (server/http_pool.h), as many as
 * there are blocked requests.  Blocked is fine; running is not: 64 writers that all wake at
 * once to parse or answer would preempt each other and the polling threads mid-request.  So
 * such a thread enters the gate before its work and leaves after it, and code that waits for
 * long while inside (a group-commit follower, an fsync, a call to a remote endpoint) pauses
 * the gate around the wait, letting another thread in.
 *
 * Process-wide; off (every call a no-op) until cpugate_init.  A thread that has not entered
 * may call pause/resume freely (no-ops), so library code can mark its waits unconditionally.
 */
#ifndef DDB_BASE_CPUGATE_H
#define DDB_BASE_CPUGATE_H

/* Allows n threads inside at once.  The first call with n > 0 sets the gate up; later calls
 * change nothing (several servers in one process share it). */
void cpugate_init(unsigned n);
/* Waits for a place and takes it.  Not re-entrant: a thread inside must not enter again. */
void cpugate_enter(void);
/* Gives the place back (no-op if this thread is not inside). */
void cpugate_leave(void);
/* Around a long wait inside: pause gives the place back, resume takes one again.  No-ops
 * for a thread that is not inside; pause twice without resume is one pause. */
void cpugate_pause(void);
void cpugate_resume(void);

#endif
