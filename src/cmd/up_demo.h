/* `lakehouse up --demo` (src/cmd/up_demo.c): the demo driver `lakehouse
 * demo run` started as a child of the platform once every role is ready. */
#ifndef LH_CMD_UP_DEMO_H
#define LH_CMD_UP_DEMO_H

#include <uv.h>

#include "core/err.h"
#include "core/meta.h"

typedef struct lh_up_demo lh_up_demo_t;

/* Spawns `<this binary> demo run <args...>` (args: the configuration flags
 * `up` was given, nargs of them) on loop, with url (the REST API) and the
 * task credential in its environment and the terminal as its output. *out
 * is set to NULL again when the child has ended and its handle closed. */
int lh_up_demo_start(uv_loop_t *loop, lh_meta_t *meta, const char *url, char **args, int nargs,
                     lh_up_demo_t **out, lh_err_t *err);
/* SIGTERM to the child if it still runs (the platform is stopping). */
void lh_up_demo_stop(lh_up_demo_t *d);

#endif
