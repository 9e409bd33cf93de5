/* The launcher's wire format (exec_launch.c writes it, launcher.c reads it):
 * one request per task try on a local stream socket, in the host's byte
 * order (both ends are the same binary on the same machine).
 *
 *   request: u32 body length, then the body:
 *            i64 timeout_ms, i64 memory, i32 memory_mode,
 *            str log, str status, str cwd ("" for none),
 *            u32 argc, argc x str, u32 envc, envc x str
 *   str:     u32 length (with the NUL), the bytes and a NUL
 *   answer:  i32 pid (or -errno), i32 0, i64 the pid's /proc start time
 *
 * A decoded request points into its body (every string ends in its NUL
 * there), so decoding copies nothing but the two pointer arrays. */
#include <stdlib.h>
#include <string.h>

#include "flow/exec_int.h"

static size_t str_size(const char *s)
{
    return 4 + strlen(s) + 1;
}

static char *put(char *p, const void *v, size_t n)
{
    memcpy(p, v, n);
    return p + n;
}

static char *put_str(char *p, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;
    p = put(p, &n, 4);
    return put(p, s, n);
}

static size_t vec_size(const char *const *v, uint32_t *count)
{
    size_t n = 4;
    *count = 0;
    for (; v && *v; v++, (*count)++)
        n += str_size(*v);
    return n;
}

int lh__flow_launch_encode(const lh_flow_launch_t *l, char **out, size_t *len)
{
    int64_t timeout = l->timeout_ms, memory = l->memory_limit;
    int32_t mode = l->memory_mode;
    if (memory <= 0 || mode == LH_FLOW_MEM_NONE) memory = 0, mode = LH_FLOW_MEM_NONE;
    const char *cwd = l->cwd ? l->cwd : "";
    uint32_t argc, envc;
    size_t body = 8 + 8 + 4 + str_size(l->log_path) + str_size(l->status_path) + str_size(cwd) +
                  vec_size(l->argv, &argc) + vec_size(l->env, &envc);
    if (body > LH__FLOW_LAUNCH_MAX) return LH_ETOOBIG;
    char *buf = malloc(4 + body), *p = buf;
    if (!buf) return LH_ENOMEM;
    uint32_t n = (uint32_t)body;
    p = put(p, &n, 4);
    p = put(p, &timeout, 8);
    p = put(p, &memory, 8);
    p = put(p, &mode, 4);
    p = put_str(p, l->log_path);
    p = put_str(p, l->status_path);
    p = put_str(p, cwd);
    p = put(p, &argc, 4);
    for (uint32_t i = 0; i < argc; i++)
        p = put_str(p, l->argv[i]);
    p = put(p, &envc, 4);
    for (uint32_t i = 0; i < envc; i++)
        p = put_str(p, l->env[i]);
    *out = buf;
    *len = 4 + body;
    return 0;
}

typedef struct reader {
    char *p, *end;
} reader_t;

static int get(reader_t *r, void *v, size_t n)
{
    if ((size_t)(r->end - r->p) < n) return -1;
    memcpy(v, r->p, n);
    r->p += n;
    return 0;
}

static const char *get_str(reader_t *r)
{
    uint32_t n;
    if (get(r, &n, 4) != 0 || n == 0 || (size_t)(r->end - r->p) < n || r->p[n - 1] != '\0' ||
        memchr(r->p, '\0', n - 1))
        return NULL;
    const char *s = r->p;
    r->p += n;
    return s;
}

/* count strings into vec (count + 1 entries, NULL last); -1 on a bad one */
static int get_vec(reader_t *r, char **vec, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (!(vec[i] = (char *)get_str(r))) return -1;
    vec[count] = NULL;
    return 0;
}

static int get_count(reader_t *r, uint32_t *n)
{
    /* every string takes 5 bytes at least: a count beyond that is a lie */
    return get(r, n, 4) != 0 || *n > (size_t)(r->end - r->p) / 5 ? -1 : 0;
}

int lh__flow_launch_decode(char *body, size_t len, lh__flow_taskrun_t *o, char ***env)
{
    reader_t r = {.p = body, .end = body + len};
    int32_t mode;
    uint32_t argc, envc;
    memset(o, 0, sizeof *o);
    *env = NULL;
    if (get(&r, &o->timeout_ms, 8) || get(&r, &o->memory, 8) || get(&r, &mode, 4) ||
        !(o->log = get_str(&r)) || !(o->status = get_str(&r)) || !(o->cwd = get_str(&r)) ||
        get_count(&r, &argc) || argc == 0)
        return LH_EPROTO;
    if (o->timeout_ms < 0 || o->memory < 0 || mode < LH_FLOW_MEM_NONE || mode > LH_FLOW_MEM_ENV ||
        (o->memory > 0) != (mode != LH_FLOW_MEM_NONE) || !*o->log || !*o->status)
        return LH_EINVAL;
    o->memory_mode = mode;
    if (!*o->cwd) o->cwd = NULL;
    char **argv = malloc(((size_t)argc + 1) * sizeof *argv);
    if (!argv) return LH_ENOMEM;
    char **envv = NULL;
    if (get_vec(&r, argv, argc) || get_count(&r, &envc) ||
        !(envv = malloc(((size_t)envc + 1) * sizeof *envv)) || get_vec(&r, envv, envc) ||
        r.p != r.end) {
        free(argv);
        free(envv);
        return LH_EPROTO;
    }
    o->argv = argv;
    *env = envv;
    return 0;
}
