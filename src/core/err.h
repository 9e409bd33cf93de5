/* Error codes and the caller-supplied error struct.
 * Functions return 0 or a negative LH_E* code; details go into lh_err_t. */
#ifndef LH_CORE_ERR_H
#define LH_CORE_ERR_H

enum {
    LH_OK = 0,
    LH_ENOMEM = -1,     /* allocation failed */
    LH_EINVAL = -2,     /* invalid argument or input */
    LH_ENOENT = -3,     /* no such thing */
    LH_EEXIST = -4,     /* already exists */
    LH_EIO = -5,        /* I/O error (errno in detail) */
    LH_EPERM = -6,      /* not allowed */
    LH_ETOOBIG = -7,    /* over a hard limit */
    LH_EBUSY = -8,      /* in use (lock held) */
    LH_EPRECOND = -9,   /* a precondition (If-Match, If-None-Match) failed */
    LH_ENOTEMPTY = -10, /* container not empty */
    LH_ECORRUPT = -11,  /* on-disk data is damaged */
    LH_EPROTO = -12,    /* protocol violation by the peer */
    LH_EAUTH = -13,     /* authentication failed */
    LH_ECONFLICT = -14, /* concurrent modification */
    LH_ECANCELED = -15, /* cancelled: before or while running, or at shutdown */
    LH_ETIMEDOUT = -16, /* a deadline passed */
};

typedef struct lh_err {
    int code;      /* last LH_E* code, 0 if none */
    char msg[512]; /* human message: lower case, no full stop, problem first */
} lh_err_t;

/* No error yet, as `lh_err_t e = {0}` reads, without zeroing the whole
 * message: for an error made per row or per value. */
static inline void lh_err_init(lh_err_t *err)
{
    err->code = 0;
    err->msg[0] = 0;
}

/* Sets err (if non-NULL) and returns code, so callers can `return lh_err_set(...)`. */
int lh_err_set(lh_err_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Static name of a code ("ENOENT"). */
const char *lh_strerror(int code);

#endif
