/*
 * log — leveled logging to stderr.  Layer: base.
 *
 * The level is process configuration set once at start-up (log_set_level) before threads
 * start; messages are written with one write() each so lines from threads do not interleave.
 */
#ifndef DDB_BASE_LOG_H
#define DDB_BASE_LOG_H

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(int level);
int log_get_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
