/* Logging: one line per event, text or JSON, with a request id when there is one.
 * Thread-safe (one write(2) per line). */
#ifndef LH_CORE_LOG_H
#define LH_CORE_LOG_H

enum { LH_LOG_DEBUG, LH_LOG_INFO, LH_LOG_WARN, LH_LOG_ERROR };

/* format: "text" or "json"; level: "debug", "info", "warn", "error".
 * Returns 0 or LH_EINVAL on an unknown name (settings unchanged). */
int lh_log_init(const char *format, const char *level);
/* reqid may be NULL. msg follows the house style: lower case, no full stop. */
void lh_log(int level, const char *reqid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define lh_debug(...) lh_log(LH_LOG_DEBUG, NULL, __VA_ARGS__)
#define lh_info(...) lh_log(LH_LOG_INFO, NULL, __VA_ARGS__)
#define lh_warn(...) lh_log(LH_LOG_WARN, NULL, __VA_ARGS__)
#define lh_error(...) lh_log(LH_LOG_ERROR, NULL, __VA_ARGS__)

#endif
