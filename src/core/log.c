/* Log lines to stderr: "2026-11-26T10:00:00.123Z info [req] message" or one
 * JSON object per line ({"ts","level","req","msg"}). */
#include "core/log.h"
#include "core/err.h"
#include "core/timefmt.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_json = 0;
static int g_level = LH_LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

int lh_log_init(const char *format, const char *level)
{
    int json = g_json, lvl = g_level;
    if (format) {
        if (!strcmp(format, "json"))
            json = 1;
        else if (!strcmp(format, "text"))
            json = 0;
        else
            return LH_EINVAL;
    }
    if (level) {
        int found = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(level, names[i])) found = i;
        if (found < 0) return LH_EINVAL;
        lvl = found;
    }
    g_json = json;
    g_level = lvl;
    return 0;
}

void lh_log(int level, const char *reqid, const char *fmt, ...)
{
    if (level < g_level || level < 0 || level > LH_LOG_ERROR) return;
    char msg[2048], ts[40], line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    lh_time_iso8601_format((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, 3, ts, sizeof ts);
    int len;
    if (g_json) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "ts", ts, "level", names[level], "msg", msg);
        if (o && reqid) json_object_set_new(o, "req", json_string(reqid));
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        len = snprintf(line, sizeof line, "%s\n", s ? s : msg);
        free(s);
        json_decref(o);
    } else if (reqid) {
        len = snprintf(line, sizeof line, "%s %s [%s] %s\n", ts, names[level], reqid, msg);
    } else {
        len = snprintf(line, sizeof line, "%s %s %s\n", ts, names[level], msg);
    }
    if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
    ssize_t w = write(STDERR_FILENO, line, (size_t)len);
    (void)w;
}
