/* Error helpers: format a message into the caller's lh_err_t. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

int lh_err_set(lh_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

const char *lh_strerror(int code)
{
    static const char *names[] = {
        "OK",     "ENOMEM",  "EINVAL",    "ENOENT",    "EEXIST",    "EIO",
        "EPERM",  "ETOOBIG", "EBUSY",     "EPRECOND",  "ENOTEMPTY", "ECORRUPT",
        "EPROTO", "EAUTH",   "ECONFLICT", "ECANCELED", "ETIMEDOUT",
    };
    int i = -code;
    if (i < 0 || i >= (int)(sizeof names / sizeof names[0])) return "EUNKNOWN";
    return names[i];
}
