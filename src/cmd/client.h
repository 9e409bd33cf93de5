/* The HTTP side of the CLI's REST clients (`lakehouse user`, `token`,
 * `dag`): one call to the running platform's REST API at core.url
 * (LAKEHOUSE_URL), with a bearer token when one is given (--token,
 * LAKEHOUSE_TOKEN), else HTTP Basic with core.access_key/core.secret_key
 * (LAKEHOUSE_ACCESS_KEY/LAKEHOUSE_SECRET_KEY). The caller runs
 * curl_global_init once. */
#ifndef LH_CMD_CLIENT_H
#define LH_CMD_CLIENT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"

typedef struct lh_client_reply {
    long status;
    lh_buf_t body; /* the caller's: lh_buf_init before, lh_buf_free after */
} lh_client_reply_t;

/* method on core.url + path with body (JSON text, or NULL). Returns 0 with
 * r filled (any HTTP status), 1 when nothing listens at core.url, -1 on
 * other errors; msg (cap bytes) says why when not 0. */
int lh_client_http(const lh_config_t *cfg, const char *token, const char *method, const char *path,
                   const char *body, lh_client_reply_t *r, char *msg, size_t cap);

#endif
